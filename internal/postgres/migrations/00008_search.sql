-- Message search (docs/decisions/0023-search.md): one row per searchable
-- message in search_docs, kept by triggers on messages and
-- message_attachments, with a pg_trgm GIN index over its body.
--
-- pg_trgm ships with PostgreSQL (Debian's postgresql package, the contrib
-- modules elsewhere) and is a trusted extension: the database owner may
-- create it. Where it is missing, this migration fails and the server does
-- not start, naming the extension; search without an index would scan every
-- message on every query.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- doc orders results, newest first: a message stored after this migration
-- gets the next positive doc; one stored before it gets a negative doc from
-- the backlog indexer, which walks older and older messages. body is the text
-- and the attachments' file names, one per line.
CREATE TABLE search_docs (
	doc        bigint           NOT NULL PRIMARY KEY,
	room_id    text COLLATE "C" NOT NULL,
	seq        bigint           NOT NULL,
	sender_id  text COLLATE "C" NOT NULL,
	created_at timestamptz      NOT NULL,
	files      boolean          NOT NULL DEFAULT false,
	body       text             NOT NULL,
	UNIQUE (room_id, seq)
);
CREATE SEQUENCE search_docs_doc AS bigint;

-- Trigrams match any substring of three or more characters, ILIKE
-- case-insensitively. The operator class is named in the schema the
-- extension lives in, which need not be on this database's search_path
-- (installed once per database, it serves every schema).
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

-- +goose StatementBegin
CREATE FUNCTION search_body(r text, s bigint, t text) RETURNS text LANGUAGE sql STABLE AS $$
	SELECT t || coalesce((SELECT E'\n' || string_agg(a.name, E'\n' ORDER BY ma.position)
		FROM message_attachments ma JOIN attachments a ON a.id = ma.attachment_id
		WHERE ma.room_id = r AND ma.seq = s), '')
$$;
-- +goose StatementEnd

-- Text messages are searchable from the moment they are stored; system
-- messages and tombstones never are. An edit re-indexes; a delete removes
-- the message from results at once.
-- +goose StatementBegin
CREATE FUNCTION messages_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		IF NEW.kind = 'text' AND NOT NEW.deleted THEN
			INSERT INTO search_docs (doc, room_id, seq, sender_id, created_at, body)
			VALUES (nextval('search_docs_doc'), NEW.room_id, NEW.seq, NEW.sender_id, NEW.created_at, NEW.text);
		END IF;
	ELSIF TG_OP = 'UPDATE' THEN
		IF NEW.deleted THEN
			DELETE FROM search_docs WHERE room_id = NEW.room_id AND seq = NEW.seq;
		ELSIF NEW.text IS DISTINCT FROM OLD.text THEN
			UPDATE search_docs SET body = search_body(NEW.room_id, NEW.seq, NEW.text)
			WHERE room_id = NEW.room_id AND seq = NEW.seq;
		END IF;
	ELSE
		DELETE FROM search_docs WHERE room_id = OLD.room_id AND seq = OLD.seq;
	END IF;
	RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER messages_search AFTER INSERT OR UPDATE OF text, deleted OR DELETE ON messages
	FOR EACH ROW EXECUTE FUNCTION messages_search();

-- Attachments are linked after their message, in the same transaction.
-- +goose StatementBegin
CREATE FUNCTION message_attachments_search() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	r text;
	s bigint;
BEGIN
	IF TG_OP = 'DELETE' THEN
		r := OLD.room_id; s := OLD.seq;
	ELSE
		r := NEW.room_id; s := NEW.seq;
	END IF;
	UPDATE search_docs d SET
		files = EXISTS (SELECT 1 FROM message_attachments ma WHERE ma.room_id = r AND ma.seq = s),
		body = search_body(r, s, m.text)
	FROM messages m
	WHERE m.room_id = r AND m.seq = s AND d.room_id = r AND d.seq = s;
	RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER message_attachments_search AFTER INSERT OR DELETE ON message_attachments
	FOR EACH ROW EXECUTE FUNCTION message_attachments_search();

-- The backlog: messages stored before this migration are indexed by the
-- server in batches, newest first (IndexBacklog), so a big database migrates
-- in moments and becomes searchable while it serves. below is the message id
-- the next batch starts under ('~' sorts after every id); next_doc the doc it
-- hands out next, counting down; walked how many messages the batches went
-- through, of total (for the log).
CREATE TABLE search_backlog (
	id       integer          NOT NULL PRIMARY KEY CHECK (id = 1),
	below    text COLLATE "C" NOT NULL,
	next_doc bigint           NOT NULL,
	walked   bigint           NOT NULL DEFAULT 0,
	total    bigint           NOT NULL,
	finished boolean          NOT NULL DEFAULT false
);
INSERT INTO search_backlog (id, below, next_doc, total) SELECT 1, '~', -1, count(*) FROM messages;

-- +goose Down
DROP TABLE search_backlog;
DROP TRIGGER message_attachments_search ON message_attachments;
DROP FUNCTION message_attachments_search();
DROP TRIGGER messages_search ON messages;
DROP FUNCTION messages_search();
DROP FUNCTION search_body(text, bigint, text);
DROP TABLE search_docs;
DROP SEQUENCE search_docs_doc;
