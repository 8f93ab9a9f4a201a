-- +goose Up

-- Rollup rows get a shard in their key (see ../sqlite/00011_rollup_shards.sql):
-- concurrent batches of routed messages each add to their own shard of the
-- all-chatbots row instead of queueing on one row's lock; reads sum them.
ALTER TABLE rollup_hours ADD COLUMN shard BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollup_hours DROP CONSTRAINT rollup_hours_pkey;
ALTER TABLE rollup_hours ADD PRIMARY KEY (chatbot_id, hour, release_id, shard);

ALTER TABLE rollup_dialogs ADD COLUMN shard BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollup_dialogs DROP CONSTRAINT rollup_dialogs_pkey;
ALTER TABLE rollup_dialogs ADD PRIMARY KEY (chatbot_id, hour, release_id, dialog_id, shard);
