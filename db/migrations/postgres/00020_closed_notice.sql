-- +goose Up

-- The end user's latest session on a sender, read when routing opens a new
-- one, to tell them why their previous conversation ended (SPEC §3).
CREATE INDEX chat_sessions_end_user ON chat_sessions (sender_id, end_user, id);

-- The chatbot's own wording of that notice; NULL is the default text.
ALTER TABLE chatbots ADD COLUMN closed_notice TEXT;
