-- +goose Up

-- An end user whose conversation a deactivation, grace end or cascade
-- closed is told on their next message (SPEC §3 "Safe defaults"). Routing
-- looks up the end user's latest session on the sender only when it opens
-- a new one; this index makes that one step (the rowid is the index's
-- last key, so ORDER BY id DESC LIMIT 1 reads one entry).
CREATE INDEX chat_sessions_end_user ON chat_sessions (sender_id, end_user, id);

-- The chatbot's own wording of that notice; NULL is the default text.
ALTER TABLE chatbots ADD COLUMN closed_notice TEXT;
