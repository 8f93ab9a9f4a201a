-- +goose Up

-- Console sessions, kept by the store's own scs.Store (store.SessionStore)
-- instead of scs/sqlite3store, so that they work the same on PostgreSQL and
-- every replica sees them. The key is the SHA-256 of the session token, not
-- the token: a copy of the database (a backup, a stolen file) holds no
-- session that could be replayed. Times are store.TimeFormat text.
-- The old table is dropped: its rows are keyed by the raw token, and
-- everyone signs in once more.
DROP TABLE sessions;
CREATE TABLE console_sessions (
    token_hash  BLOB PRIMARY KEY,
    data        BLOB NOT NULL,
    expiry      TEXT NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expiry);
