-- +goose Up

-- People in the loop (SPEC §11): who holds a conversation. 'bot' is the
-- chatbot; 'waiting' a conversation a handover element passed to people,
-- since held_since, in queue; 'person' a conversation the user
-- held_user_id took. While a session is not held by the bot, routing
-- stores its inbound messages and the bot does not answer (checked under
-- the same write that stores the message). A waiting session's
-- expires_at is its handover deadline (held_since plus the definition's
-- handover timeout), which the sweeper applies; a person's follows the
-- session timeout from its last message, as the bot's does.
ALTER TABLE chat_sessions ADD COLUMN held_by TEXT NOT NULL DEFAULT 'bot' CHECK (held_by IN ('bot', 'waiting', 'person'));
ALTER TABLE chat_sessions ADD COLUMN held_since TEXT;
ALTER TABLE chat_sessions ADD COLUMN queue TEXT;
-- The handover element's note for the person who takes it.
ALTER TABLE chat_sessions ADD COLUMN held_note TEXT;
ALTER TABLE chat_sessions ADD COLUMN held_user_id INTEGER REFERENCES users (id);

-- A held session says since when, and a person's says who.
-- +goose StatementBegin
CREATE TRIGGER chat_sessions_held_check BEFORE UPDATE OF held_by, held_since, held_user_id ON chat_sessions
WHEN (NEW.held_by <> 'bot') <> (NEW.held_since IS NOT NULL)
  OR (NEW.held_by = 'person') <> (NEW.held_user_id IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'held_session_mismatch');
END;
-- +goose StatementEnd

-- The inbox: open held sessions, oldest first. Few rows at any time.
CREATE INDEX chat_sessions_held ON chat_sessions (held_since) WHERE held_by <> 'bot' AND closed_at IS NULL;

-- A person's message is an outbound message with its author.
ALTER TABLE messages ADD COLUMN author_id INTEGER REFERENCES users (id);

-- The view gains the holder (see 00056 for the rest).
DROP VIEW chat_sessions_effective;
CREATE VIEW chat_sessions_effective AS
SELECT s.id, s.sender_id, s.chatbot_id, s.release_id, s.end_user, s.state, s.opened_at, s.last_activity_at, s.expires_at,
    CASE WHEN s.closed_at IS NULL AND c.sessions_end_at IS NOT NULL
        THEN CASE WHEN s.last_activity_at > c.sessions_end_at THEN s.last_activity_at ELSE c.sessions_end_at END
        ELSE s.closed_at END AS closed_at,
    CASE WHEN s.closed_at IS NULL THEN c.sessions_end_reason ELSE s.close_reason END AS close_reason,
    CASE WHEN c.sessions_end_at IS NULL THEN s.open_on END AS open_on,
    s.open_on AS row_open_on, c.sessions_end_at AS sessions_end_at,
    s.inbound_count, s.outbound_count,
    s.held_by, s.held_since, s.queue, s.held_user_id
FROM chat_sessions s JOIN chatbots c ON c.id = s.chatbot_id;

-- +goose Down

DROP VIEW chat_sessions_effective;
CREATE VIEW chat_sessions_effective AS
SELECT s.id, s.sender_id, s.chatbot_id, s.release_id, s.end_user, s.state, s.opened_at, s.last_activity_at, s.expires_at,
    CASE WHEN s.closed_at IS NULL AND c.sessions_end_at IS NOT NULL
        THEN CASE WHEN s.last_activity_at > c.sessions_end_at THEN s.last_activity_at ELSE c.sessions_end_at END
        ELSE s.closed_at END AS closed_at,
    CASE WHEN s.closed_at IS NULL THEN c.sessions_end_reason ELSE s.close_reason END AS close_reason,
    CASE WHEN c.sessions_end_at IS NULL THEN s.open_on END AS open_on,
    s.open_on AS row_open_on, c.sessions_end_at AS sessions_end_at,
    s.inbound_count, s.outbound_count
FROM chat_sessions s JOIN chatbots c ON c.id = s.chatbot_id;
ALTER TABLE messages DROP COLUMN author_id;
DROP INDEX chat_sessions_held;
DROP TRIGGER chat_sessions_held_check;
ALTER TABLE chat_sessions DROP COLUMN held_user_id;
ALTER TABLE chat_sessions DROP COLUMN held_note;
ALTER TABLE chat_sessions DROP COLUMN queue;
ALTER TABLE chat_sessions DROP COLUMN held_since;
ALTER TABLE chat_sessions DROP COLUMN held_by;
