-- Unread without system lines (docs/decisions/0035-unread-without-system-lines.md).

-- +goose Up
-- counted: the room's running count of messages that are not system lines,
-- through this one (messages) or through last_seq (rooms). A member's unread
-- is rooms.counted minus the counted of the message at their read position:
-- one primary-key lookup, however far behind they are.
ALTER TABLE messages ADD COLUMN counted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rooms ADD COLUMN counted INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET counted = c.n
FROM (SELECT room_id, seq, sum(kind <> 'system') OVER (PARTITION BY room_id ORDER BY seq) AS n FROM messages) AS c
WHERE messages.room_id = c.room_id AND messages.seq = c.seq;
UPDATE rooms SET counted = COALESCE((SELECT m.counted FROM messages m WHERE m.room_id = rooms.id AND m.seq = rooms.last_seq), 0);

-- +goose Down
ALTER TABLE rooms DROP COLUMN counted;
ALTER TABLE messages DROP COLUMN counted;
