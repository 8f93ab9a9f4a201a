-- +goose Up

-- PostgreSQL twin of ../sqlite/00041_signin_throttle.sql.

-- Sign-in slow-down state, in the database rather than in each process,
-- so that replicas share it: five failures spread over replicas count as
-- five. One row per key ("acct:<email>", "ip:<address or IPv6 /64>",
-- "dev:<device hash>"): attempts counted, the last one, and the time
-- before which the key must wait. Times are store.TimeFormat text.
CREATE TABLE signin_throttle (
    key        TEXT    PRIMARY KEY,
    attempts   BIGINT  NOT NULL,
    last_at    TEXT    NOT NULL,
    next_at    TEXT    NOT NULL,
    reported   BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX signin_throttle_last_at ON signin_throttle (last_at);

-- Devices that signed in successfully: the SHA-256 of a random cookie and
-- the account it signed in. A correct password from such a device passes
-- even while strangers slow the account down.
CREATE TABLE signin_devices (
    token_hash  BYTEA   PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT    NOT NULL,
    last_used_at TEXT   NOT NULL
);
CREATE INDEX signin_devices_user ON signin_devices (user_id);
