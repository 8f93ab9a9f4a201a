-- +goose Up

-- The chatbot list is answered from a copy in memory (store/chatbot_list.go)
-- that a page checks with one small read: this number grows with every
-- write to chatbots or senders, whichever process makes it.
CREATE TABLE chatbots_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO chatbots_generation (id, generation) VALUES (1, 1);
-- +goose StatementBegin
CREATE TRIGGER chatbots_generation_insert AFTER INSERT ON chatbots
BEGIN
    UPDATE chatbots_generation SET generation = generation + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER chatbots_generation_update AFTER UPDATE ON chatbots
BEGIN
    UPDATE chatbots_generation SET generation = generation + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER chatbots_generation_delete AFTER DELETE ON chatbots
BEGIN
    UPDATE chatbots_generation SET generation = generation + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER senders_generation_insert AFTER INSERT ON senders
BEGIN
    UPDATE chatbots_generation SET generation = generation + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER senders_generation_update AFTER UPDATE ON senders
BEGIN
    UPDATE chatbots_generation SET generation = generation + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER senders_generation_delete AFTER DELETE ON senders
BEGIN
    UPDATE chatbots_generation SET generation = generation + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose Down

DROP TRIGGER senders_generation_delete;
DROP TRIGGER senders_generation_update;
DROP TRIGGER senders_generation_insert;
DROP TRIGGER chatbots_generation_delete;
DROP TRIGGER chatbots_generation_update;
DROP TRIGGER chatbots_generation_insert;
DROP TABLE chatbots_generation;
