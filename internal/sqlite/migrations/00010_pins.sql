-- Pinned messages (docs/decisions/0029-pins.md). A pin dies with its message
-- row (never deleted: a delete leaves a tombstone, and DeleteMessage removes
-- the pin in its transaction); the foreign key keeps a pin from naming a
-- message that does not exist.

-- +goose Up
-- A room's pins are one range of the key: at most 50 rows to count under
-- the writer's lock, and to read for a pin list.
CREATE TABLE pins (
	room_id   TEXT    NOT NULL,
	seq       INTEGER NOT NULL,
	pin_seq   INTEGER NOT NULL, -- seq of the message_pinned system message: orders a room's pins
	pinned_by TEXT    NOT NULL,
	pinned_at INTEGER NOT NULL,
	PRIMARY KEY (room_id, seq),
	FOREIGN KEY (room_id, seq) REFERENCES messages (room_id, seq) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE pins;
