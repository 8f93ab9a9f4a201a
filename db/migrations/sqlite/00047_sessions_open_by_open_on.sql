-- +goose Up

-- A chatbot's open sessions are found by open_on (its id exactly while a
-- session is open), whose index I4's foreign key needs anyway; this
-- partial index held the same entries and cost every session insert and
-- close one more index write.
DROP INDEX chat_sessions_chatbot_open;

-- +goose Down

CREATE INDEX chat_sessions_chatbot_open ON chat_sessions (chatbot_id) WHERE closed_at IS NULL;
