-- +goose Up

-- A logical end of a chatbot's sessions (SPEC §3 "Grace end"): when a
-- chatbot stops (grace end, deactivation without grace, cascade), its row
-- records when (sessions_end_at, T) and why (sessions_end_reason); every
-- reader treats a still-open row of such a chatbot as closed at T (or at
-- its last activity, if later) with that reason, and the sweeper rewrites
-- the rows afterwards in small batches, then clears both columns. The
-- transition itself writes one chatbot row, whatever the number of
-- sessions.
ALTER TABLE chatbots ADD COLUMN sessions_end_at TEXT;
ALTER TABLE chatbots ADD COLUMN sessions_end_reason TEXT CHECK (sessions_end_reason IN ('deactivated', 'grace_ended', 'superseded'));

-- Only an inactive chatbot has sessions ending, and both columns go
-- together.
-- +goose StatementBegin
CREATE TRIGGER chatbots_sessions_end_check BEFORE UPDATE OF status, sessions_end_at, sessions_end_reason ON chatbots
WHEN (NEW.sessions_end_at IS NULL) <> (NEW.sessions_end_reason IS NULL)
  OR (NEW.sessions_end_at IS NOT NULL AND NEW.status <> 'inactive')
BEGIN
    SELECT RAISE(ABORT, 'sessions_end_on_live_chatbot');
END;
-- +goose StatementEnd

-- live_chatbots keeps an inactive chatbot until its rows are rewritten:
-- I4's foreign key (open_on) then still holds for the rows not yet swept,
-- and a session row can be open only on a chatbot that is live or whose
-- sessions are ending.
DROP TRIGGER chatbots_not_live;
-- +goose StatementBegin
CREATE TRIGGER chatbots_not_live AFTER UPDATE OF status, sessions_end_at ON chatbots
WHEN NEW.status = 'inactive' AND NEW.sessions_end_at IS NULL
BEGIN
    DELETE FROM live_chatbots WHERE chatbot_id = NEW.id;
END;
-- +goose StatementEnd

-- The one definition of a session as readers see it: closed_at,
-- close_reason and open_on are the effective ones (a row of a chatbot
-- whose sessions ended is closed at T, with its reason); row_open_on is
-- the stored open_on, for lookups by its index.
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

-- +goose Down

DROP VIEW chat_sessions_effective;
DROP TRIGGER chatbots_not_live;
-- +goose StatementBegin
CREATE TRIGGER chatbots_not_live AFTER UPDATE OF status ON chatbots
WHEN NEW.status = 'inactive'
BEGIN
    DELETE FROM live_chatbots WHERE chatbot_id = NEW.id;
END;
-- +goose StatementEnd
DROP TRIGGER chatbots_sessions_end_check;
ALTER TABLE chatbots DROP COLUMN sessions_end_reason;
ALTER TABLE chatbots DROP COLUMN sessions_end_at;
