-- +goose Up

-- Rollup rows get a shard in their key. On PostgreSQL concurrent batches of
-- routed messages add to the rollups at once, and every batch adds to the
-- all-chatbots row of the hour: with one row they would queue on its lock.
-- Each batch writes its own shard instead, and every read sums the shards
-- (as it already sums hours and releases). SQLite's single writer always
-- writes shard 0; the column is here so that both engines run the same
-- queries.
CREATE TABLE rollup_hours_sharded (
    chatbot_id          INTEGER NOT NULL,
    hour                INTEGER NOT NULL,
    release_id          INTEGER NOT NULL,
    shard               INTEGER NOT NULL DEFAULT 0,
    sessions_opened     INTEGER NOT NULL DEFAULT 0,
    inbound             INTEGER NOT NULL DEFAULT 0,
    outbound            INTEGER NOT NULL DEFAULT 0,
    fallback_hits       INTEGER NOT NULL DEFAULT 0,
    closed_completed    INTEGER NOT NULL DEFAULT 0,
    closed_timeout      INTEGER NOT NULL DEFAULT 0,
    closed_deactivated  INTEGER NOT NULL DEFAULT 0,
    closed_grace_ended  INTEGER NOT NULL DEFAULT 0,
    closed_superseded   INTEGER NOT NULL DEFAULT 0,
    closed_step_limit   INTEGER NOT NULL DEFAULT 0,
    session_seconds     INTEGER NOT NULL DEFAULT 0,
    last_message_at     TEXT,
    PRIMARY KEY (chatbot_id, hour, release_id, shard)
) WITHOUT ROWID;
INSERT INTO rollup_hours_sharded (chatbot_id, hour, release_id, shard, sessions_opened, inbound, outbound, fallback_hits,
    closed_completed, closed_timeout, closed_deactivated, closed_grace_ended, closed_superseded, closed_step_limit,
    session_seconds, last_message_at)
SELECT chatbot_id, hour, release_id, 0, sessions_opened, inbound, outbound, fallback_hits,
    closed_completed, closed_timeout, closed_deactivated, closed_grace_ended, closed_superseded, closed_step_limit,
    session_seconds, last_message_at FROM rollup_hours;
DROP TABLE rollup_hours;
ALTER TABLE rollup_hours_sharded RENAME TO rollup_hours;

CREATE TABLE rollup_dialogs_sharded (
    chatbot_id  INTEGER NOT NULL,
    hour        INTEGER NOT NULL,
    release_id  INTEGER NOT NULL,
    dialog_id   TEXT    NOT NULL,
    shard       INTEGER NOT NULL DEFAULT 0,
    entries     INTEGER NOT NULL DEFAULT 0,
    ended       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (chatbot_id, hour, release_id, dialog_id, shard)
) WITHOUT ROWID;
INSERT INTO rollup_dialogs_sharded (chatbot_id, hour, release_id, dialog_id, shard, entries, ended)
SELECT chatbot_id, hour, release_id, dialog_id, 0, entries, ended FROM rollup_dialogs;
DROP TABLE rollup_dialogs;
ALTER TABLE rollup_dialogs_sharded RENAME TO rollup_dialogs;
