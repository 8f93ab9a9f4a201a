-- +goose Up

-- A release is the immutable snapshot a chatbot was activated with: the
-- definition, its hash, the validation report and who activated it when.
CREATE TABLE releases (
    id                INTEGER PRIMARY KEY,
    chatbot_id        INTEGER NOT NULL REFERENCES chatbots (id),
    number            INTEGER NOT NULL,
    definition        TEXT    NOT NULL,
    definition_hash   TEXT    NOT NULL,
    -- The validation findings at activation (warnings that were overridden).
    report            TEXT    NOT NULL DEFAULT '[]',
    override_reason   TEXT    NOT NULL DEFAULT '',
    activated_by_id   INTEGER,
    activated_by      TEXT    NOT NULL,
    activated_at      TEXT    NOT NULL,
    UNIQUE (chatbot_id, number)
);

-- +goose StatementBegin
CREATE TRIGGER releases_immutable BEFORE UPDATE ON releases
BEGIN
    SELECT RAISE(ABORT, 'releases are immutable');
END;
-- +goose StatementEnd

-- The release each session ran.
ALTER TABLE chat_sessions ADD COLUMN release_id INTEGER REFERENCES releases (id);
