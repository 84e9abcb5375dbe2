-- Consent (docs/decisions/0020-consent.md): the same tables as
-- internal/sqlite/migrations/00006_consent.sql, in PostgreSQL types.

-- +goose Up
-- Existing accounts get the safe default, like new ones.
ALTER TABLE users ADD COLUMN who_may_add text NOT NULL DEFAULT 'friends'
	CHECK (who_may_add IN ('anyone', 'friends'));

ALTER TABLE rooms ADD COLUMN visibility text NOT NULL DEFAULT 'private'
	CHECK (visibility IN ('private', 'public'));
-- chat.SearchKey(name), written by the store with every name, compared in
-- byte order ("C") like users.display_key.
ALTER TABLE rooms ADD COLUMN name_key text COLLATE "C" NOT NULL DEFAULT '';
UPDATE rooms SET name_key = lower(name);
-- The directory: public rooms only, a prefix range in name order, paged by
-- (name_key, id). Private rooms cost this index nothing.
CREATE INDEX rooms_directory ON rooms (name_key, id) WHERE visibility = 'public';

-- A pending invite, or a declined one kept so the same room cannot invite
-- the same person again. One per room and invitee; accepting deletes it.
CREATE TABLE invites (
	id         text COLLATE "C" NOT NULL PRIMARY KEY,
	room_id    text COLLATE "C" NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
	invitee_id text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	inviter_id text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	state      text             NOT NULL CHECK (state IN ('pending', 'declined')),
	created_at timestamptz      NOT NULL,
	UNIQUE (room_id, invitee_id)
);

-- An invitee's list, newest first, and the count their cap bounds.
CREATE INDEX invites_invitee ON invites (invitee_id, state, created_at);

-- Invite links: code is the capability (128 random bits); uses only grows,
-- by the join transaction that reserves it.
CREATE TABLE links (
	id         text COLLATE "C" NOT NULL PRIMARY KEY,
	room_id    text COLLATE "C" NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
	code       text COLLATE "C" NOT NULL UNIQUE,
	created_by text COLLATE "C" NOT NULL REFERENCES users (id),
	created_at timestamptz      NOT NULL,
	expires_at timestamptz,                                  -- NULL: never
	max_uses   integer          NOT NULL DEFAULT 0 CHECK (max_uses >= 0), -- 0: unlimited
	uses       integer          NOT NULL DEFAULT 0 CHECK (uses >= 0)
);

CREATE INDEX links_room ON links (room_id, created_at);

-- +goose Down
DROP TABLE links;
DROP TABLE invites;
DROP INDEX rooms_directory;
ALTER TABLE rooms DROP COLUMN name_key;
ALTER TABLE rooms DROP COLUMN visibility;
ALTER TABLE users DROP COLUMN who_may_add;
