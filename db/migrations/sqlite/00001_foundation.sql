-- +goose Up

-- People who sign in to the console. The role is checked on every request,
-- so a change here takes effect on the user's next request.
CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    email           TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    name            TEXT    NOT NULL,
    role            TEXT    NOT NULL CHECK (role IN ('analyzer', 'supervisor', 'designer', 'manager', 'admin')),
    password_hash   TEXT    NOT NULL,
    -- Bumped when the password is reset or changed, or the account is
    -- disabled: sessions carry the epoch they were opened with.
    session_epoch   INTEGER NOT NULL DEFAULT 1,
    disabled_at     TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    last_login_at   TEXT
);

-- The last active admin can be neither demoted nor disabled, even by a race
-- between two admins: the database refuses the update.
-- +goose StatementBegin
CREATE TRIGGER users_keep_last_admin
AFTER UPDATE OF role, disabled_at ON users
WHEN OLD.role = 'admin' AND OLD.disabled_at IS NULL
 AND (NEW.role <> 'admin' OR NEW.disabled_at IS NOT NULL)
 AND NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND disabled_at IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'last_active_admin');
END;
-- +goose StatementEnd

-- Personal API tokens. Only a SHA-256 of the token is kept; the token is
-- shown once when created.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    name          TEXT    NOT NULL,
    token_hash    BLOB    NOT NULL UNIQUE,
    prefix        TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    revoked_at    TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- The one-time setup token printed on first start (hash only).
CREATE TABLE setup_tokens (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    token_hash  BLOB NOT NULL,
    created_at  TEXT NOT NULL
);

-- Console sessions (github.com/alexedwards/scs/sqlite3store layout).
CREATE TABLE sessions (
    token   TEXT PRIMARY KEY,
    data    BLOB NOT NULL,
    expiry  REAL NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- The audit log: append-only and hash-chained. Each row's hash covers its
-- own fields and the previous row's hash.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           TEXT    NOT NULL,
    actor_id     INTEGER,
    actor_name   TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    target_type  TEXT    NOT NULL DEFAULT '',
    target_id    TEXT    NOT NULL DEFAULT '',
    target_name  TEXT    NOT NULL DEFAULT '',
    details      TEXT    NOT NULL DEFAULT '{}',
    ip           TEXT    NOT NULL DEFAULT '',
    prev_hash    TEXT    NOT NULL,
    hash         TEXT    NOT NULL
);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, id);

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
