-- +goose Up

-- I4 at commit time. An open session points (open_on) at a row of
-- live_chatbots, which holds exactly the active and deactivated chatbots.
-- The foreign key is deferred: within one transaction a chatbot may pass
-- through "inactive" (a roll back swaps the active and the deactivated
-- chatbot of a sender), but no transaction can commit an inactive chatbot
-- with open sessions.
CREATE TABLE live_chatbots (
    chatbot_id INTEGER PRIMARY KEY REFERENCES chatbots (id)
);
INSERT INTO live_chatbots (chatbot_id) SELECT id FROM chatbots WHERE status IN ('active', 'deactivated');

ALTER TABLE chat_sessions ADD COLUMN open_on INTEGER REFERENCES live_chatbots (chatbot_id) DEFERRABLE INITIALLY DEFERRED;
UPDATE chat_sessions SET open_on = chatbot_id WHERE closed_at IS NULL;
CREATE INDEX chat_sessions_open_on ON chat_sessions (open_on);

DROP TRIGGER chatbots_inactive_without_sessions;

-- +goose StatementBegin
CREATE TRIGGER chatbots_live AFTER UPDATE OF status ON chatbots
WHEN NEW.status IN ('active', 'deactivated')
BEGIN
    INSERT OR IGNORE INTO live_chatbots (chatbot_id) VALUES (NEW.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER chatbots_not_live AFTER UPDATE OF status ON chatbots
WHEN NEW.status = 'inactive'
BEGIN
    DELETE FROM live_chatbots WHERE chatbot_id = NEW.id;
END;
-- +goose StatementEnd

-- open_on is set exactly while a session is open, to its own chatbot.
-- +goose StatementBegin
CREATE TRIGGER chat_sessions_open_on_insert BEFORE INSERT ON chat_sessions
WHEN (NEW.closed_at IS NULL) <> (NEW.open_on IS NOT NULL) OR NEW.open_on IS NOT NEW.chatbot_id AND NEW.open_on IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'open_on_mismatch');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER chat_sessions_open_on_update BEFORE UPDATE ON chat_sessions
WHEN (NEW.closed_at IS NULL) <> (NEW.open_on IS NOT NULL) OR NEW.open_on IS NOT NEW.chatbot_id AND NEW.open_on IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'open_on_mismatch');
END;
-- +goose StatementEnd
