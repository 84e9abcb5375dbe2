-- Attachments: uploaded files' metadata (the bytes are in the blob store),
-- which messages carry them, and users' avatars.

-- +goose Up
-- refs counts what refers to an attachment (messages carrying it, the user
-- whose avatar it is); only one with refs = 0 is ever deleted. state is
-- pending while the upload is written, stored once complete, deleting once
-- the sweeper has claimed it.
CREATE TABLE attachments (
	id           TEXT    NOT NULL PRIMARY KEY,
	uploader_id  TEXT    NOT NULL REFERENCES users (id),
	kind         TEXT    NOT NULL CHECK (kind IN ('file', 'avatar')),
	state        TEXT    NOT NULL CHECK (state IN ('pending', 'stored', 'deleting')),
	refs         INTEGER NOT NULL DEFAULT 0 CHECK (refs >= 0),
	name         TEXT    NOT NULL,
	content_type TEXT    NOT NULL DEFAULT '',
	size         INTEGER NOT NULL DEFAULT 0,
	sha256       TEXT    NOT NULL DEFAULT '',
	width        INTEGER NOT NULL DEFAULT 0,
	height       INTEGER NOT NULL DEFAULT 0,
	thumb_type   TEXT    NOT NULL DEFAULT '', -- '' = no thumbnail
	created_at   INTEGER NOT NULL
) STRICT;

-- The sweeper's walk: only attachments nothing refers to, oldest first.
CREATE INDEX attachments_unreferenced ON attachments (created_at) WHERE refs = 0;

-- Clustered by message, so a history page's attachments are one range scan.
CREATE TABLE message_attachments (
	room_id       TEXT    NOT NULL,
	seq           INTEGER NOT NULL,
	position      INTEGER NOT NULL,
	attachment_id TEXT    NOT NULL REFERENCES attachments (id),
	PRIMARY KEY (room_id, seq, position),
	FOREIGN KEY (room_id, seq) REFERENCES messages (room_id, seq) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- Who may download an attachment: the rooms it was shared in.
CREATE INDEX message_attachments_attachment ON message_attachments (attachment_id);

ALTER TABLE users ADD COLUMN avatar_id TEXT REFERENCES attachments (id);
CREATE INDEX users_avatar ON users (avatar_id);

-- +goose Down
DROP INDEX users_avatar;
ALTER TABLE users DROP COLUMN avatar_id;
DROP TABLE message_attachments;
DROP TABLE attachments;
