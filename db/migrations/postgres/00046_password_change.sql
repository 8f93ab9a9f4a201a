-- +goose Up

-- PostgreSQL twin of sqlite/00046_password_change.sql.

-- A user whose password was set by someone else (added in the console or
-- over the API, or reset by a manager) must choose their own at the next
-- console sign-in: 1 until they have. API tokens are not affected.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
