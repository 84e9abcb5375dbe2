-- Text messages are indexed for search by one statement at the end of the
-- transaction that stores them (indexTexts), no longer by a trigger per row.
-- FTS5 writes its pending terms out as a new segment at every statement
-- savepoint, and with the trigger every message's INSERT opened one: a
-- batch of N messages left N one-document segments, which FTS5 then spent
-- its merges folding together. Edits and deletes keep their triggers.

-- +goose Up
DROP TRIGGER messages_search_insert;

-- +goose Down
-- +goose StatementBegin
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages
WHEN NEW.kind = 'text' AND NEW.deleted = 0 BEGIN
	INSERT INTO search_docs (room_id, seq, sender_id, created_at, body)
	VALUES (NEW.room_id, NEW.seq, NEW.sender_id, NEW.created_at, NEW.text);
END;
-- +goose StatementEnd
