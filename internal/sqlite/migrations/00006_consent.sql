-- Consent (docs/decisions/0020-consent.md): each user's "who may add me",
-- pending invites, public rooms and their directory, invite links.

-- +goose Up
-- Existing accounts get the safe default, like new ones.
ALTER TABLE users ADD COLUMN who_may_add TEXT NOT NULL DEFAULT 'friends'
	CHECK (who_may_add IN ('anyone', 'friends'));

ALTER TABLE rooms ADD COLUMN visibility TEXT NOT NULL DEFAULT 'private'
	CHECK (visibility IN ('private', 'public'));
-- chat.SearchKey(name), written by the store with every name; rows from
-- before this migration get SQLite's lower() (ASCII), the next rename the
-- full key.
ALTER TABLE rooms ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
UPDATE rooms SET name_key = lower(name);
-- The directory: public rooms only, a prefix range in name order, paged by
-- (name_key, id). Private rooms cost this index nothing.
CREATE INDEX rooms_directory ON rooms (name_key, id) WHERE visibility = 'public';

-- A pending invite, or a declined one kept so the same room cannot invite
-- the same person again (harassment by repetition). One per room and
-- invitee, whatever its state; accepting deletes it.
CREATE TABLE invites (
	id         TEXT    NOT NULL PRIMARY KEY,
	room_id    TEXT    NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
	invitee_id TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	inviter_id TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	state      TEXT    NOT NULL CHECK (state IN ('pending', 'declined')),
	created_at INTEGER NOT NULL,
	UNIQUE (room_id, invitee_id)
) STRICT;

-- An invitee's list, newest first, and the count their cap bounds.
CREATE INDEX invites_invitee ON invites (invitee_id, state, created_at);

-- Invite links. code is the capability itself (128 random bits), shown
-- again to the room's owner and admins; uses only grows, by the join
-- transaction that reserves it.
CREATE TABLE links (
	id         TEXT    NOT NULL PRIMARY KEY,
	room_id    TEXT    NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
	code       TEXT    NOT NULL UNIQUE,
	created_by TEXT    NOT NULL REFERENCES users (id),
	created_at INTEGER NOT NULL,
	expires_at INTEGER,          -- NULL: never
	max_uses   INTEGER NOT NULL DEFAULT 0 CHECK (max_uses >= 0), -- 0: unlimited
	uses       INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0)
) STRICT;

CREATE INDEX links_room ON links (room_id, created_at);

-- +goose Down
DROP TABLE links;
DROP TABLE invites;
DROP INDEX rooms_directory;
ALTER TABLE rooms DROP COLUMN name_key;
ALTER TABLE rooms DROP COLUMN visibility;
ALTER TABLE users DROP COLUMN who_may_add;
