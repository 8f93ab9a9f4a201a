-- +goose Up

-- The chatbot list filters by channel (alone or with a status). Without
-- an index the count and the page both read the whole chatbots table,
-- definitions included: EXPLAIN QUERY PLAN says SCAN c. On the benchmark's
-- 10,000 chatbots, /chatbots?channel=sms&sort=status took 31.9 ms in the
-- store, 7.8 ms with this index; status=active&channel=whatsapp 25.7 ms,
-- 13.9 ms. It also covers the count of a channel's chatbots.
CREATE INDEX chatbots_channel ON chatbots (channel, status);
