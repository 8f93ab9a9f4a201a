-- +goose Up

-- The last run of each chatbot's conversation tests (SPEC §4b): pages show
-- it instead of running the tests while they render. definition_hash names
-- the definition the tests ran on, so a page knows whether the run is of
-- the current draft. One row per chatbot, replaced by every run; it is a
-- record of a computation, not a state of the chatbot, and goes with it.
CREATE TABLE test_runs (
    chatbot_id      BIGINT  PRIMARY KEY REFERENCES chatbots (id) ON DELETE CASCADE,
    definition_hash TEXT    NOT NULL,
    results         TEXT    NOT NULL,
    run_by          TEXT    NOT NULL,
    run_at          TEXT    NOT NULL
);

-- +goose Down

DROP TABLE test_runs;
