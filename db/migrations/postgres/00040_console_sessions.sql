-- +goose Up

-- PostgreSQL twin of migrations/00040_console_sessions.sql: console
-- sessions keyed by the SHA-256 of their token. (The sessions table of the
-- SQLite foundation is not created by the PostgreSQL schema, hence no DROP.)
CREATE TABLE console_sessions (
    token_hash  BYTEA PRIMARY KEY,
    data        BYTEA NOT NULL,
    expiry      TEXT  NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expiry);
