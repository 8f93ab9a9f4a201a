-- +goose Up

-- OpenID Connect sign-in (SPEC §12).
--
-- user_identities: who a person is at an identity provider. A person is
-- found by issuer + subject, never by email alone; the role of an account
-- with an identity follows the provider's claims (re-synced at every
-- sign-in). provider is the name shown ("from <provider>").
CREATE TABLE user_identities (
    user_id     INTEGER PRIMARY KEY REFERENCES users (id),
    issuer      TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    provider    TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    UNIQUE (issuer, subject)
);

-- oidc_flows: sign-ins under way, between the redirect to the provider and
-- its callback, so that any replica completes a sign-in another started.
-- Keyed by the SHA-256 of the state; browser_hash is the SHA-256 of a
-- cookie set on the browser that started it (the callback must come from
-- that browser). A flow is taken (deleted) by its callback, once; expired
-- ones are swept when new ones are written. Times are store.TimeFormat
-- text.
CREATE TABLE oidc_flows (
    state_hash    BLOB PRIMARY KEY,
    browser_hash  BLOB NOT NULL,
    nonce         TEXT NOT NULL,
    verifier      TEXT NOT NULL,
    next          TEXT NOT NULL,
    expires_at    TEXT NOT NULL
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
