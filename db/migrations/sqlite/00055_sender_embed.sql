-- +goose Up

-- The embeddable web chat of a livechat sender (SPEC §10): the origins
-- allowed to frame its chat page and its appearance (title, accent colour,
-- avatar, greeting, launcher position), as one JSON document the senders
-- service validates. '' is "not embeddable, default look". Only livechat
-- senders have a web chat, so only they may carry one.
ALTER TABLE senders ADD COLUMN embed TEXT NOT NULL DEFAULT '' CHECK (embed = '' OR channel = 'livechat');

-- +goose Down

ALTER TABLE senders DROP COLUMN embed;
