-- Message search walks the caller's rooms newest first and asks the trigram
-- index only for what is left (docs/decisions/0023-search.md, "PostgreSQL
-- plans"). Building both indexes takes about a minute per million messages,
-- during which sends wait (the triggers write search_docs).

-- +goose Up
-- The docs of a set of rooms within a range of docs, newest first: the
-- first window of a search, and the room filter of the later ones.
CREATE INDEX search_docs_room ON search_docs (room_id, doc);

-- Trigrams of the body without its spaces, tabs and line breaks. pg_trgm
-- takes the trigrams of each word of a pattern apart, so a phrase of common
-- words ("배포 일정") matched every doc holding both words, and each was
-- read to be rechecked; without the spaces the pattern's trigrams span the
-- words ("포일정") and only docs with the words side by side are read. The
-- query keeps the exact ILIKE on the body beside it. The expression must be
-- written exactly as internal/postgres/message_search.go writes it, or the
-- planner cannot use the index.
DROP INDEX search_docs_body;
-- +goose StatementBegin
DO $$
DECLARE
	ext name;
BEGIN
	SELECT n.nspname INTO ext FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
	WHERE e.extname = 'pg_trgm';
	EXECUTE format($f$CREATE INDEX search_docs_unspaced ON search_docs
		USING gin (translate(body, E' \t\n\r', '') %I.gin_trgm_ops)$f$, ext);
END
$$;
-- +goose StatementEnd
-- The planner judges how many docs a pattern matches by trying it on a
-- sample of the index's expression: with the default 100 values, a phrase
-- in 0.3% of the docs looked like none, and the planner read every doc the
-- index gave instead of first keeping those in the caller's rooms and the
-- window. The statistics exist from the next ANALYZE on: on a big table,
-- autovacuum's could be weeks away.
ALTER INDEX search_docs_unspaced ALTER COLUMN 1 SET STATISTICS 1000;
ANALYZE search_docs;

-- +goose Down
DROP INDEX search_docs_unspaced;
DROP INDEX search_docs_room;
-- +goose StatementBegin
DO $$
DECLARE
	ext name;
BEGIN
	SELECT n.nspname INTO ext FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
	WHERE e.extname = 'pg_trgm';
	EXECUTE format('CREATE INDEX search_docs_body ON search_docs USING gin (body %I.gin_trgm_ops)', ext);
END
$$;
-- +goose StatementEnd
