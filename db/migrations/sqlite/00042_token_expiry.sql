-- +goose Up

-- Personal API tokens may expire, and say when they were last used (to
-- the minute: see store.TouchAPIToken). Times are store.TimeFormat text.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
