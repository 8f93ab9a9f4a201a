-- +goose Up

-- PostgreSQL twin of ../sqlite/00052_oidc.sql: identities at an OpenID
-- provider (issuer + subject → user) and sign-in flows under way, kept in
-- the database so any replica completes a sign-in another started.
CREATE TABLE user_identities (
    user_id     BIGINT PRIMARY KEY REFERENCES users (id),
    issuer      TEXT   NOT NULL,
    subject     TEXT   NOT NULL,
    provider    TEXT   NOT NULL,
    created_at  TEXT   NOT NULL,
    UNIQUE (issuer, subject)
);

CREATE TABLE oidc_flows (
    state_hash    BYTEA PRIMARY KEY,
    browser_hash  BYTEA NOT NULL,
    nonce         TEXT  NOT NULL,
    verifier      TEXT  NOT NULL,
    next          TEXT  NOT NULL,
    expires_at    TEXT  NOT NULL
);
CREATE INDEX oidc_flows_by_expiry ON oidc_flows (expires_at);

-- break_glass: an account that may sign in with its password even when
-- password sign-in is turned off (answers serve --password-sign-in=false,
-- answers user add --break-glass).
ALTER TABLE users ADD COLUMN break_glass INTEGER NOT NULL DEFAULT 0;

-- +goose Down

ALTER TABLE users DROP COLUMN break_glass;
DROP TABLE oidc_flows;
DROP TABLE user_identities;
