-- +goose Up

-- Analytics rollups, kept as traffic flows: every routed message and every
-- session close adds to them in the same transaction. Buckets are UTC hours
-- (unix time / 3600), so a page can add them up into the viewer's days.
-- chatbot_id 0 with release_id 0 is the total over all chatbots, kept
-- beside the per-chatbot rows so that "all chatbots" reads a few hundred
-- rows, not one per chatbot.
CREATE TABLE rollup_hours (
    chatbot_id          INTEGER NOT NULL,
    hour                INTEGER NOT NULL,
    release_id          INTEGER NOT NULL,
    sessions_opened     INTEGER NOT NULL DEFAULT 0,
    inbound             INTEGER NOT NULL DEFAULT 0,
    outbound            INTEGER NOT NULL DEFAULT 0,
    fallback_hits       INTEGER NOT NULL DEFAULT 0,
    -- Sessions closed in the hour, by reason, and the sum of their lengths
    -- (first to last message, whole seconds).
    closed_completed    INTEGER NOT NULL DEFAULT 0,
    closed_timeout      INTEGER NOT NULL DEFAULT 0,
    closed_deactivated  INTEGER NOT NULL DEFAULT 0,
    closed_grace_ended  INTEGER NOT NULL DEFAULT 0,
    closed_superseded   INTEGER NOT NULL DEFAULT 0,
    closed_step_limit   INTEGER NOT NULL DEFAULT 0,
    session_seconds     INTEGER NOT NULL DEFAULT 0,
    -- The last message of the hour, for "last activity".
    last_message_at     TEXT,
    PRIMARY KEY (chatbot_id, hour, release_id)
) WITHOUT ROWID;

-- Entries into each dialog, and sessions that ended in it. Keyed by the
-- dialog's id, so a renamed or deleted dialog keeps its history.
CREATE TABLE rollup_dialogs (
    chatbot_id  INTEGER NOT NULL,
    hour        INTEGER NOT NULL,
    release_id  INTEGER NOT NULL,
    dialog_id   TEXT    NOT NULL,
    entries     INTEGER NOT NULL DEFAULT 0,
    ended       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (chatbot_id, hour, release_id, dialog_id)
) WITHOUT ROWID;

-- Unique end users cannot be added up across hours, so each finished hour
-- (span 1) and UTC day (span 24) keeps a HyperLogLog sketch of the end
-- users who opened a session in it. Sketches are written by a background
-- pass over chat_sessions once the hour is over; inserting a user twice
-- changes nothing, so the pass is safe to repeat after a crash.
CREATE TABLE rollup_end_users (
    chatbot_id  INTEGER NOT NULL,
    span        INTEGER NOT NULL CHECK (span IN (1, 24)),
    hour        INTEGER NOT NULL,
    sketch      BLOB    NOT NULL,
    PRIMARY KEY (chatbot_id, span, hour)
) WITHOUT ROWID;

-- Small named values of the analytics: the hour up to which end-user
-- sketches are complete.
CREATE TABLE analytics_state (
    key    TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
);

-- The transcript records what the dialog engine did with each inbound
-- message, so the rollups can be recounted from transcripts alone.
ALTER TABLE messages ADD COLUMN entered TEXT;               -- JSON array of dialog ids entered
ALTER TABLE messages ADD COLUMN fallback_hits INTEGER NOT NULL DEFAULT 0;

-- The sketch pass reads sessions by the time they opened.
CREATE INDEX chat_sessions_opened ON chat_sessions (opened_at);

-- The analytics page's chatbot picker: the most recently activated first.
CREATE INDEX chatbots_last_activated ON chatbots (last_activated_at) WHERE last_activated_at IS NOT NULL;
