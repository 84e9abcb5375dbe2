-- Nothing changes here: 00015 moves SQLite's search indexing from a
-- trigger per message to one statement per commit, and the two stores keep
-- the same migration numbers. PostgreSQL keeps its search_docs by triggers,
-- whose trigram GIN index has no per-statement flush to avoid.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
