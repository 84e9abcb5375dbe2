-- The same table as internal/sqlite/migrations/00010_pins.sql (pinned
-- messages, docs/decisions/0029-pins.md).

-- +goose Up
-- A room's pins are one range of the key: at most 50 rows to count under
-- the room's row lock, and to read for a pin list.
CREATE TABLE pins (
	room_id   text COLLATE "C" NOT NULL,
	seq       bigint           NOT NULL,
	pin_seq   bigint           NOT NULL, -- seq of the message_pinned system message: orders a room's pins
	pinned_by text COLLATE "C" NOT NULL,
	pinned_at timestamptz      NOT NULL,
	PRIMARY KEY (room_id, seq),
	FOREIGN KEY (room_id, seq) REFERENCES messages (room_id, seq) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE pins;
