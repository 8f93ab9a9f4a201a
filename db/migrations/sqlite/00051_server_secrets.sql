-- +goose Up

-- Secrets of the installation itself, one row per name: the key that signs
-- web-chat visitor ids and CSRF tokens. Made by the first server to need
-- one (store.ServerSecret, 32 random bytes, INSERT … ON CONFLICT DO
-- NOTHING), then read by every server on the database, so a token one
-- replica signed is accepted by all of them. Times are store.TimeFormat
-- text.
CREATE TABLE server_secrets (
    name        TEXT PRIMARY KEY,
    secret      BLOB NOT NULL,
    created_at  TEXT NOT NULL
);

-- +goose Down

DROP TABLE server_secrets;
