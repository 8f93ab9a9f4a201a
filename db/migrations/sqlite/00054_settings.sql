-- +goose Up

-- Console-wide settings an admin changes on the Users page, by name. The
-- first: sso_link_verified_email ('1' or '0'), whether a first sign-in
-- through the OpenID provider with a verified email links the password
-- account of that email (SPEC §12). A missing row is the default.
CREATE TABLE settings (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- +goose Down

DROP TABLE settings;
