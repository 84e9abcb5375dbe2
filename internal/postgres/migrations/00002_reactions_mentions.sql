-- The same tables as internal/sqlite/migrations/00004_reactions_mentions.sql.
-- user_id columns are not foreign keys: users are never deleted, and a
-- cascade would need an index of its own on each table that every insert
-- pays for.

-- +goose Up
-- Who each message mentions. The key serves the room list: a member's unread
-- mentions in a room are one range of it, (room, user, seq > last_read_seq).
CREATE TABLE mentions (
	room_id text COLLATE "C" NOT NULL,
	user_id text COLLATE "C" NOT NULL,
	seq     bigint           NOT NULL,
	PRIMARY KEY (room_id, user_id, seq),
	FOREIGN KEY (room_id, seq) REFERENCES messages (room_id, seq) ON DELETE CASCADE
);

-- A message's own mentions: history pages, edits and deletes.
CREATE INDEX mentions_message ON mentions (room_id, seq);

-- One row per member and emoji on a message: idempotent adds, and "me".
CREATE TABLE reactions (
	room_id    text COLLATE "C" NOT NULL,
	seq        bigint           NOT NULL,
	emoji      text COLLATE "C" NOT NULL,
	user_id    text COLLATE "C" NOT NULL,
	created_at timestamptz      NOT NULL,
	PRIMARY KEY (room_id, seq, emoji, user_id),
	FOREIGN KEY (room_id, seq) REFERENCES messages (room_id, seq) ON DELETE CASCADE
);

-- The count of each emoji on a message, kept in step with reactions in the
-- same transaction: a message that 15,000 members react to is still one row
-- per emoji to read for a history page or a live event, never a count(*).
-- The row's lock orders concurrent changes of one emoji, so each change
-- returns an exact count. A row exists while its count is above zero (the
-- change that takes it to zero deletes it). Counts change often, so pages
-- keep room for HOT updates.
CREATE TABLE reaction_counts (
	room_id  text COLLATE "C" NOT NULL,
	seq      bigint           NOT NULL,
	emoji    text COLLATE "C" NOT NULL,
	count    integer          NOT NULL CHECK (count >= 0),
	first_at timestamptz      NOT NULL, -- orders a message's emojis by their first use
	PRIMARY KEY (room_id, seq, emoji),
	FOREIGN KEY (room_id, seq) REFERENCES messages (room_id, seq) ON DELETE CASCADE
) WITH (fillfactor = 70);

-- +goose Down
DROP TABLE reaction_counts;
DROP TABLE reactions;
DROP TABLE mentions;
