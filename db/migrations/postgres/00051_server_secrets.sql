-- +goose Up

-- PostgreSQL twin of ../sqlite/00051_server_secrets.sql: the installation's
-- own secrets (the key that signs web-chat visitor ids and CSRF tokens),
-- made once by the first replica that needs one and shared by all.
CREATE TABLE server_secrets (
    name        TEXT  PRIMARY KEY,
    secret      BYTEA NOT NULL,
    created_at  TEXT  NOT NULL
);

-- +goose Down

DROP TABLE server_secrets;
