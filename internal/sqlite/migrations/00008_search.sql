-- Message search (docs/decisions/0023-search.md): one row per searchable
-- message in search_docs, kept by triggers on messages and
-- message_attachments, and a trigram FTS5 index over its body.

-- +goose Up
-- doc orders results, newest first: a message stored after this migration
-- gets the next positive doc; one stored before it gets a negative doc from
-- the backlog indexer, which walks older and older messages. body is the text
-- and the attachments' file names, one per line. files is 1 when the message
-- carries attachments.
CREATE TABLE search_docs (
	doc        INTEGER NOT NULL PRIMARY KEY,
	room_id    TEXT    NOT NULL,
	seq        INTEGER NOT NULL,
	sender_id  TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	files      INTEGER NOT NULL DEFAULT 0,
	body       TEXT    NOT NULL,
	UNIQUE (room_id, seq)
) STRICT;

-- External content: the index keeps trigrams, search_docs the text. The
-- trigram tokenizer matches any substring of three or more characters in any
-- script, case-insensitively.
CREATE VIRTUAL TABLE search_index USING fts5 (
	body, content = 'search_docs', content_rowid = 'doc', tokenize = 'trigram'
);

-- +goose StatementBegin
CREATE TRIGGER search_docs_insert AFTER INSERT ON search_docs BEGIN
	INSERT INTO search_index (rowid, body) VALUES (NEW.doc, NEW.body);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_docs_delete AFTER DELETE ON search_docs BEGIN
	INSERT INTO search_index (search_index, rowid, body) VALUES ('delete', OLD.doc, OLD.body);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_docs_update AFTER UPDATE OF body ON search_docs BEGIN
	INSERT INTO search_index (search_index, rowid, body) VALUES ('delete', OLD.doc, OLD.body);
	INSERT INTO search_index (rowid, body) VALUES (NEW.doc, NEW.body);
END;
-- +goose StatementEnd

-- Text messages are searchable from the moment they are stored; system
-- messages and tombstones never are.
-- +goose StatementBegin
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages
WHEN NEW.kind = 'text' AND NEW.deleted = 0 BEGIN
	INSERT INTO search_docs (room_id, seq, sender_id, created_at, body)
	VALUES (NEW.room_id, NEW.seq, NEW.sender_id, NEW.created_at, NEW.text);
END;
-- +goose StatementEnd
-- An edit re-indexes; a delete removes the message from results at once.
-- +goose StatementBegin
CREATE TRIGGER messages_search_update AFTER UPDATE OF text, deleted ON messages BEGIN
	DELETE FROM search_docs WHERE NEW.deleted <> 0 AND room_id = NEW.room_id AND seq = NEW.seq;
	UPDATE search_docs SET body = NEW.text || coalesce((
		SELECT char(10) || group_concat(a.name, char(10))
		FROM message_attachments ma JOIN attachments a ON a.id = ma.attachment_id
		WHERE ma.room_id = NEW.room_id AND ma.seq = NEW.seq), '')
	WHERE NEW.deleted = 0 AND room_id = NEW.room_id AND seq = NEW.seq;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
	DELETE FROM search_docs WHERE room_id = OLD.room_id AND seq = OLD.seq;
END;
-- +goose StatementEnd
-- Attachments are linked after their message, in the same transaction.
-- +goose StatementBegin
CREATE TRIGGER message_attachments_search_insert AFTER INSERT ON message_attachments BEGIN
	UPDATE search_docs SET files = 1, body = (
		SELECT m.text FROM messages m WHERE m.room_id = NEW.room_id AND m.seq = NEW.seq) || coalesce((
		SELECT char(10) || group_concat(a.name, char(10))
		FROM message_attachments ma JOIN attachments a ON a.id = ma.attachment_id
		WHERE ma.room_id = NEW.room_id AND ma.seq = NEW.seq), '')
	WHERE room_id = NEW.room_id AND seq = NEW.seq
		AND EXISTS (SELECT 1 FROM messages m WHERE m.room_id = NEW.room_id AND m.seq = NEW.seq);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER message_attachments_search_delete AFTER DELETE ON message_attachments BEGIN
	UPDATE search_docs SET
		files = EXISTS (SELECT 1 FROM message_attachments ma WHERE ma.room_id = OLD.room_id AND ma.seq = OLD.seq),
		body = (SELECT m.text FROM messages m WHERE m.room_id = OLD.room_id AND m.seq = OLD.seq) || coalesce((
		SELECT char(10) || group_concat(a.name, char(10))
		FROM message_attachments ma JOIN attachments a ON a.id = ma.attachment_id
		WHERE ma.room_id = OLD.room_id AND ma.seq = OLD.seq), '')
	WHERE room_id = OLD.room_id AND seq = OLD.seq
		AND EXISTS (SELECT 1 FROM messages m WHERE m.room_id = OLD.room_id AND m.seq = OLD.seq);
END;
-- +goose StatementEnd

-- The backlog: messages stored before this migration are indexed by the
-- server in batches, newest first (IndexBacklog), so a big database migrates
-- in moments and becomes searchable while it serves. below is the message id
-- the next batch starts under ('~' sorts after every id); next_doc the doc it
-- hands out next, counting down; walked how many messages the batches went
-- through, of total (for the log).
CREATE TABLE search_backlog (
	id       INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
	below    TEXT    NOT NULL,
	next_doc INTEGER NOT NULL,
	walked   INTEGER NOT NULL DEFAULT 0,
	total    INTEGER NOT NULL,
	finished INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO search_backlog (id, below, next_doc, total) SELECT 1, '~', -1, count(*) FROM messages;

-- +goose Down
DROP TABLE search_backlog;
DROP TRIGGER message_attachments_search_delete;
DROP TRIGGER message_attachments_search_insert;
DROP TRIGGER messages_search_delete;
DROP TRIGGER messages_search_update;
DROP TRIGGER messages_search_insert;
DROP TABLE search_index;
DROP TABLE search_docs;
