-- +goose Up

-- Versions as a family: "New version" of a chatbot makes the next member
-- of its family. family_id is the id of the family's first chatbot (NULL
-- on that first one, so a family's key is coalesce(family_id, id)); it is
-- no foreign key, so that deleting a first draft leaves its family whole.
-- based_on_id is the chatbot a version was made from; family_version is
-- the N of "<base> vN" (1 for a family's first chatbot).
ALTER TABLE chatbots ADD COLUMN family_id INTEGER;
ALTER TABLE chatbots ADD COLUMN based_on_id INTEGER;
ALTER TABLE chatbots ADD COLUMN family_version INTEGER NOT NULL DEFAULT 1 CHECK (family_version >= 1);
CREATE INDEX chatbots_family ON chatbots (family_id) WHERE family_id IS NOT NULL;
-- The family key itself: the dashboard's one-row-per-family check looks a
-- chatbot's family up by it for every row it walks.
CREATE INDEX chatbots_family_key ON chatbots ((coalesce(family_id, id)));

-- The conversation-test results at activation, as JSON (a list of
-- chatbot.TestResult); '' for releases made before they were recorded.
ALTER TABLE releases ADD COLUMN test_results TEXT NOT NULL DEFAULT '';
