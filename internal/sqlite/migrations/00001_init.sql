-- Times are integer unix milliseconds, UTC. IDs are UUIDv7 text.

-- +goose Up
CREATE TABLE users (
	id            TEXT    NOT NULL PRIMARY KEY,
	username      TEXT    NOT NULL UNIQUE,
	display_name  TEXT    NOT NULL,
	password_hash TEXT    NOT NULL,
	created_at    INTEGER NOT NULL
) STRICT;

-- Only the SHA-256 of a token is kept, so a copied database holds no live tokens.
CREATE TABLE sessions (
	token_hash BLOB    NOT NULL PRIMARY KEY,
	user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- "Log out everywhere" and account deletion look sessions up by user.
CREATE INDEX sessions_user ON sessions (user_id);

-- last_seq, last_message_at and member_count are kept in step with messages
-- and members by the store so the room list needs no aggregates.
CREATE TABLE rooms (
	id              TEXT    NOT NULL PRIMARY KEY,
	kind            TEXT    NOT NULL CHECK (kind IN ('group', 'direct')),
	name            TEXT    NOT NULL DEFAULT '',
	announcement    TEXT    NOT NULL DEFAULT '',
	-- NULL for groups: UNIQUE allows any number of NULLs.
	direct_key      TEXT    UNIQUE,
	created_at      INTEGER NOT NULL,
	last_seq        INTEGER NOT NULL DEFAULT 0,
	last_message_at INTEGER NOT NULL,
	member_count    INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE members (
	room_id       TEXT    NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
	user_id       TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role          TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
	last_read_seq INTEGER NOT NULL DEFAULT 0,
	joined_at     INTEGER NOT NULL,
	PRIMARY KEY (room_id, user_id)
) STRICT, WITHOUT ROWID;

-- The room list starts from a user's memberships.
CREATE INDEX members_user ON members (user_id);

-- WITHOUT ROWID clusters messages by (room_id, seq): a history page is one
-- range scan of adjacent rows.
CREATE TABLE messages (
	room_id    TEXT    NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
	seq        INTEGER NOT NULL,
	id         TEXT    NOT NULL UNIQUE,
	sender_id  TEXT    NOT NULL DEFAULT '', -- '' for system messages
	client_id  TEXT    NOT NULL DEFAULT '',
	kind       TEXT    NOT NULL,
	text       TEXT    NOT NULL DEFAULT '',
	reply_to   INTEGER NOT NULL DEFAULT 0,
	system     TEXT,                       -- JSON of chat.SystemEvent
	created_at INTEGER NOT NULL,
	edited_at  INTEGER,
	deleted    INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (room_id, seq)
) STRICT, WITHOUT ROWID;

-- Idempotent send: a resend with the same (sender, client_id) finds the original.
CREATE UNIQUE INDEX messages_client ON messages (sender_id, client_id) WHERE client_id <> '';

-- +goose Down
DROP TABLE messages;
DROP TABLE members;
DROP TABLE rooms;
DROP TABLE sessions;
DROP TABLE users;
