-- Nothing changes here: 00012 is PostgreSQL's new search indexes, and the
-- two stores keep the same migration numbers. FTS5's trigram index already
-- matches a phrase by the trigrams that span its words and hands matches
-- out newest first.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
