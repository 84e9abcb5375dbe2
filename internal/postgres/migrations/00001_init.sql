-- The same tables as internal/sqlite/migrations, in PostgreSQL types.
-- Times are timestamptz holding whole milliseconds (the store truncates before
-- writing, so what a client sees is exactly what is kept). IDs are UUIDv7 text
-- in the "C" collation: byte order, which is the order the SQLite store and
-- the clients sort them in, and the cheapest comparison.

-- +goose Up
CREATE TABLE users (
	id            text COLLATE "C" NOT NULL PRIMARY KEY,
	username      text        NOT NULL UNIQUE,
	display_name  text        NOT NULL,
	password_hash text        NOT NULL,
	created_at    timestamptz NOT NULL
);

-- Only the SHA-256 of a token is kept, so a copied database holds no live tokens.
CREATE TABLE sessions (
	token_hash bytea            NOT NULL PRIMARY KEY,
	user_id    text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at timestamptz      NOT NULL,
	expires_at timestamptz      NOT NULL
);

-- "Log out everywhere" and account deletion look sessions up by user.
CREATE INDEX sessions_user ON sessions (user_id);

-- last_seq, last_message_at and member_count are kept in step with messages
-- and members by the store so the room list needs no aggregates. Every send
-- updates its room's row; none of those columns is indexed, so the update is
-- HOT, and the free space left by fillfactor keeps the new version on the
-- same page.
CREATE TABLE rooms (
	id              text COLLATE "C" NOT NULL PRIMARY KEY,
	kind            text        NOT NULL CHECK (kind IN ('group', 'direct')),
	name            text        NOT NULL DEFAULT '',
	announcement    text        NOT NULL DEFAULT '',
	-- NULL for groups: UNIQUE allows any number of NULLs.
	direct_key      text COLLATE "C" UNIQUE,
	created_at      timestamptz NOT NULL,
	last_seq        bigint      NOT NULL DEFAULT 0,
	last_message_at timestamptz NOT NULL,
	member_count    integer     NOT NULL DEFAULT 0
) WITH (fillfactor = 50);

-- A send also moves its sender's last_read_seq: HOT for the same reason.
CREATE TABLE members (
	room_id       text COLLATE "C" NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
	user_id       text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role          text        NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
	last_read_seq bigint      NOT NULL DEFAULT 0,
	joined_at     timestamptz NOT NULL,
	PRIMARY KEY (room_id, user_id)
) WITH (fillfactor = 80);

-- The room list starts from a user's memberships.
CREATE INDEX members_user ON members (user_id);

-- The primary key (room_id, seq) makes a history page one range scan of the
-- index; messages are never updated in bulk, so no clustering is kept up.
CREATE TABLE messages (
	room_id    text COLLATE "C" NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
	seq        bigint           NOT NULL,
	id         text COLLATE "C" NOT NULL UNIQUE,
	sender_id  text COLLATE "C" NOT NULL DEFAULT '', -- '' for system messages
	client_id  text COLLATE "C" NOT NULL DEFAULT '',
	kind       text             NOT NULL,
	text       text             NOT NULL DEFAULT '',
	reply_to   bigint           NOT NULL DEFAULT 0,
	system     jsonb,                                -- chat.SystemEvent
	created_at timestamptz      NOT NULL,
	edited_at  timestamptz,
	deleted    boolean          NOT NULL DEFAULT false,
	PRIMARY KEY (room_id, seq)
);

-- Idempotent send: a resend with the same (sender, client_id) finds the
-- original. The store recognises a lost race by this index's name.
CREATE UNIQUE INDEX messages_client ON messages (sender_id, client_id) WHERE client_id <> '';

-- +goose Down
DROP TABLE messages;
DROP TABLE members;
DROP TABLE rooms;
DROP TABLE sessions;
DROP TABLE users;
