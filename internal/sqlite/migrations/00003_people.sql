-- The people layer: profiles, user search, friends, blocks.

-- +goose Up
ALTER TABLE users ADD COLUMN status_message TEXT NOT NULL DEFAULT '';
-- chat.SearchKey(display_name), written by the store with every display
-- name. Rows from before this migration get SQLite's lower(), which folds
-- ASCII only; the next profile change writes the full key.
ALTER TABLE users ADD COLUMN display_key TEXT NOT NULL DEFAULT '';
UPDATE users SET display_key = lower(display_name);
-- User search is a prefix range on username (its UNIQUE index) and on
-- display_key (this one), in byte order.
CREATE INDEX users_display_key ON users (display_key);

-- Set on a direct-room membership whose peer has blocked the member: read
-- with the membership every send already loads, so refusing costs nothing.
ALTER TABLE members ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;

-- A pending request from → to.
CREATE TABLE friend_requests (
	from_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	to_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (from_id, to_id)
) STRICT, WITHOUT ROWID;

-- Incoming requests are listed by recipient.
CREATE INDEX friend_requests_to ON friend_requests (to_id);

-- A friendship is two rows, one per side, so each side's list is one range
-- of the primary key.
CREATE TABLE friends (
	user_id   TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	friend_id TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	since     INTEGER NOT NULL,
	PRIMARY KEY (user_id, friend_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE blocks (
	blocker_id TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	blocked_id TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (blocker_id, blocked_id)
) STRICT, WITHOUT ROWID;

-- "Who blocked me" (search, invites, presence audiences).
CREATE INDEX blocks_blocked ON blocks (blocked_id);

-- +goose Down
DROP TABLE blocks;
DROP TABLE friends;
DROP TABLE friend_requests;
ALTER TABLE members DROP COLUMN blocked;
DROP INDEX users_display_key;
ALTER TABLE users DROP COLUMN display_key;
ALTER TABLE users DROP COLUMN status_message;
