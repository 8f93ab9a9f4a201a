-- +goose Up

-- PostgreSQL twin of ../sqlite/00040_console_sessions.sql: console
-- sessions keyed by the SHA-256 of their token, replacing the table
-- "sessions" that kept the tokens themselves.
DROP TABLE IF EXISTS sessions;
CREATE TABLE console_sessions (
    token_hash  BYTEA PRIMARY KEY,
    data        BYTEA NOT NULL,
    expiry      TEXT  NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expiry);
