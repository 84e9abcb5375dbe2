-- The same tables as internal/sqlite/migrations/00003_attachments.sql, in
-- PostgreSQL types.

-- +goose Up
-- refs counts what refers to an attachment (messages carrying it, the user
-- whose avatar it is); only one with refs = 0 is ever deleted. state is
-- pending while the upload is written, stored once complete, deleting once
-- the sweeper has claimed it. Attaching (refs + 1) and claiming (refs = 0)
-- both update the row, so its lock orders them across nodes.
CREATE TABLE attachments (
	id           text COLLATE "C" NOT NULL PRIMARY KEY,
	uploader_id  text COLLATE "C" NOT NULL REFERENCES users (id),
	kind         text        NOT NULL CHECK (kind IN ('file', 'avatar')),
	state        text        NOT NULL CHECK (state IN ('pending', 'stored', 'deleting')),
	refs         integer     NOT NULL DEFAULT 0 CHECK (refs >= 0),
	name         text        NOT NULL,
	content_type text        NOT NULL DEFAULT '',
	size         bigint      NOT NULL DEFAULT 0,
	sha256       text        NOT NULL DEFAULT '',
	width        integer     NOT NULL DEFAULT 0,
	height       integer     NOT NULL DEFAULT 0,
	thumb_type   text        NOT NULL DEFAULT '', -- '' = no thumbnail
	created_at   timestamptz NOT NULL
);

-- The sweeper's walk: only attachments nothing refers to, oldest first.
CREATE INDEX attachments_unreferenced ON attachments (created_at) WHERE refs = 0;

-- The primary key makes a history page's attachments one index range scan.
CREATE TABLE message_attachments (
	room_id       text COLLATE "C" NOT NULL,
	seq           bigint           NOT NULL,
	position      integer          NOT NULL,
	attachment_id text COLLATE "C" NOT NULL REFERENCES attachments (id),
	PRIMARY KEY (room_id, seq, position),
	FOREIGN KEY (room_id, seq) REFERENCES messages (room_id, seq) ON DELETE CASCADE
);

-- Who may download an attachment: the rooms it was shared in.
CREATE INDEX message_attachments_attachment ON message_attachments (attachment_id);

ALTER TABLE users ADD COLUMN avatar_id text COLLATE "C" REFERENCES attachments (id);
CREATE INDEX users_avatar ON users (avatar_id);

-- +goose Down
ALTER TABLE users DROP COLUMN avatar_id;
DROP TABLE message_attachments;
DROP TABLE attachments;
