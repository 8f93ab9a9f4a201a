-- +goose Up

-- The chatbot list is answered from a copy in memory (store/chatbot_list.go)
-- that a page checks with one small read: this number grows with every
-- write to chatbots or senders, whichever replica makes it. Writes to
-- chatbots and senders are rare and already serialised by the write lock,
-- so the one row is no hot spot.
CREATE TABLE chatbots_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT  NOT NULL
);
INSERT INTO chatbots_generation (id, generation) VALUES (1, 1);
-- +goose StatementBegin
CREATE FUNCTION chatbots_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE chatbots_generation SET generation = generation + 1 WHERE id = 1;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER chatbots_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chatbots
FOR EACH STATEMENT EXECUTE FUNCTION chatbots_generation_bump();
CREATE TRIGGER senders_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON senders
FOR EACH STATEMENT EXECUTE FUNCTION chatbots_generation_bump();

-- +goose Down

DROP TRIGGER senders_generation ON senders;
DROP TRIGGER chatbots_generation ON chatbots;
DROP FUNCTION chatbots_generation_bump();
DROP TABLE chatbots_generation;
