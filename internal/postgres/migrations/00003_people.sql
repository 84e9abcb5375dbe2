-- The people layer: profiles, user search, friends, blocks (the same tables
-- as internal/sqlite/migrations/00002_people.sql, in PostgreSQL types).

-- +goose Up
ALTER TABLE users ADD COLUMN status_message text NOT NULL DEFAULT '';
-- chat.SearchKey(display_name), written by the store with every display name.
ALTER TABLE users ADD COLUMN display_key text COLLATE "C" NOT NULL DEFAULT '';
UPDATE users SET display_key = lower(display_name);
-- User search is a prefix range in byte order ("C") on username and on
-- display_key; username's UNIQUE index follows the database collation, which
-- may not be byte order, so the prefix range has an index of its own.
CREATE INDEX users_username_prefix ON users (username COLLATE "C");
CREATE INDEX users_display_key ON users (display_key);

-- Set on a direct-room membership whose peer has blocked the member: read
-- with the membership every send already loads, so refusing costs nothing.
ALTER TABLE members ADD COLUMN blocked boolean NOT NULL DEFAULT false;

-- A pending request from → to.
CREATE TABLE friend_requests (
	from_id    text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	to_id      text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at timestamptz      NOT NULL,
	PRIMARY KEY (from_id, to_id)
);

-- Incoming requests are listed by recipient.
CREATE INDEX friend_requests_to ON friend_requests (to_id);

-- A friendship is two rows, one per side, so each side's list is one range
-- of the primary key.
CREATE TABLE friends (
	user_id   text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	friend_id text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	since     timestamptz      NOT NULL,
	PRIMARY KEY (user_id, friend_id)
);

CREATE TABLE blocks (
	blocker_id text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	blocked_id text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at timestamptz      NOT NULL,
	PRIMARY KEY (blocker_id, blocked_id)
);

-- "Who blocked me" (search, invites, presence audiences).
CREATE INDEX blocks_blocked ON blocks (blocked_id);

-- +goose Down
DROP TABLE blocks;
DROP TABLE friends;
DROP TABLE friend_requests;
ALTER TABLE members DROP COLUMN blocked;
DROP INDEX users_display_key;
DROP INDEX users_username_prefix;
ALTER TABLE users DROP COLUMN display_key;
ALTER TABLE users DROP COLUMN status_message;
