-- +goose Up

-- A channel sender: where end users write to. The inbound key authenticates
-- the channel gateway; it is shown to managers, so it is stored as is and
-- compared in constant time.
CREATE TABLE senders (
    id           INTEGER PRIMARY KEY,
    channel      TEXT    NOT NULL CHECK (channel IN ('sms', 'whatsapp', 'viber', 'telegram', 'messenger', 'livechat')),
    address      TEXT    NOT NULL,
    inbound_key  TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    UNIQUE (channel, address)
);

CREATE TABLE chatbots (
    id                       INTEGER PRIMARY KEY,
    name                     TEXT    NOT NULL,
    language                 TEXT    NOT NULL DEFAULT 'en',
    channel                  TEXT    NOT NULL CHECK (channel IN ('sms', 'whatsapp', 'viber', 'telegram', 'messenger', 'livechat')),
    sender_id                INTEGER REFERENCES senders (id),
    session_timeout_seconds  INTEGER NOT NULL DEFAULT 900 CHECK (session_timeout_seconds > 0),
    definition               TEXT    NOT NULL,
    -- Bumped by every edit: a save names the version it started from, and
    -- a stale one is refused instead of overwriting someone else's work.
    version                  INTEGER NOT NULL DEFAULT 1,
    status                   TEXT    NOT NULL DEFAULT 'inactive' CHECK (status IN ('inactive', 'active', 'deactivated')),
    grace_ends_at            TEXT,
    created_at               TEXT    NOT NULL,
    updated_at               TEXT    NOT NULL,
    first_activated_at       TEXT,
    last_activated_at        TEXT,
    last_deactivated_at      TEXT,
    CHECK ((status = 'deactivated') = (grace_ends_at IS NOT NULL)),
    CHECK (status = 'inactive' OR sender_id IS NOT NULL)
);
CREATE UNIQUE INDEX chatbots_name ON chatbots (name COLLATE NOCASE);
CREATE INDEX chatbots_sender ON chatbots (sender_id, status);
CREATE INDEX chatbots_status ON chatbots (status, id);
-- I1: at most one active chatbot per sender.
CREATE UNIQUE INDEX chatbots_one_active ON chatbots (sender_id) WHERE status = 'active';
-- I2: at most one deactivated (in grace) chatbot per sender.
CREATE UNIQUE INDEX chatbots_one_deactivated ON chatbots (sender_id) WHERE status = 'deactivated';

-- End-user conversations. (The console's own login sessions live in the
-- table "sessions".)
CREATE TABLE chat_sessions (
    id                INTEGER PRIMARY KEY,
    sender_id         INTEGER NOT NULL REFERENCES senders (id),
    chatbot_id        INTEGER NOT NULL REFERENCES chatbots (id),
    end_user          TEXT    NOT NULL,
    state             TEXT    NOT NULL DEFAULT '{}',
    opened_at         TEXT    NOT NULL,
    last_activity_at  TEXT    NOT NULL,
    -- last activity + the chatbot's timeout, for the sweeper.
    expires_at        TEXT    NOT NULL,
    closed_at         TEXT,
    close_reason      TEXT CHECK (close_reason IN ('completed', 'timeout', 'deactivated', 'grace_ended', 'superseded', 'step_limit')),
    inbound_count     INTEGER NOT NULL DEFAULT 0,
    outbound_count    INTEGER NOT NULL DEFAULT 0,
    CHECK ((closed_at IS NULL) = (close_reason IS NULL))
);
-- I5: one open session per (sender, end user).
CREATE UNIQUE INDEX chat_sessions_one_open ON chat_sessions (sender_id, end_user) WHERE closed_at IS NULL;
CREATE INDEX chat_sessions_chatbot ON chat_sessions (chatbot_id, opened_at);
CREATE INDEX chat_sessions_chatbot_open ON chat_sessions (chatbot_id) WHERE closed_at IS NULL;
CREATE INDEX chat_sessions_expiry ON chat_sessions (expires_at) WHERE closed_at IS NULL;

-- I4: sessions open only on an active chatbot, and a chatbot cannot become
-- inactive while it still has open sessions.
-- +goose StatementBegin
CREATE TRIGGER chat_sessions_open_on_active BEFORE INSERT ON chat_sessions
WHEN NEW.closed_at IS NULL
 AND (SELECT status FROM chatbots WHERE id = NEW.chatbot_id) IS NOT 'active'
BEGIN
    SELECT RAISE(ABORT, 'session_on_inactive_chatbot');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER chatbots_inactive_without_sessions AFTER UPDATE OF status ON chatbots
WHEN NEW.status = 'inactive'
 AND EXISTS (SELECT 1 FROM chat_sessions WHERE chatbot_id = NEW.id AND closed_at IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'inactive_chatbot_with_open_sessions');
END;
-- +goose StatementEnd

-- The transcript: every inbound and outbound message.
CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES chat_sessions (id),
    chatbot_id  INTEGER NOT NULL REFERENCES chatbots (id),
    direction   TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    text        TEXT    NOT NULL,
    at          TEXT    NOT NULL
);
CREATE INDEX messages_session ON messages (session_id, id);
