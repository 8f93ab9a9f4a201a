-- +goose Up

-- The keyword that chose a branch for an inbound message, for the
-- transcript; NULL when no keyword matched and on messages stored before
-- this column existed (the transcript then shows nothing, not a guess).
ALTER TABLE messages ADD COLUMN branch TEXT;
