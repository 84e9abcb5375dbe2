package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

// MarkRead moves the read position forward only, and never past the room's
// last seq, so Unread can never go negative and a stale device cannot undo a
// newer read.
func (s *Store) MarkRead(ctx context.Context, room chat.RoomID, user chat.UserID, seq int64) (before, after int64, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		var last int64
		err := tx.QueryRowContext(ctx,
			`SELECT m.last_read_seq, r.last_seq FROM members m JOIN rooms r ON r.id = m.room_id
			 WHERE m.room_id = ? AND m.user_id = ?`, string(room), string(user)).Scan(&before, &last)
		if err != nil {
			return translate(err, "member")
		}
		after = max(before, min(seq, last))
		if after == before {
			return nil
		}
		_, err = tx.ExecContext(ctx,
			`UPDATE members SET last_read_seq = ? WHERE room_id = ? AND user_id = ?`, after, string(room), string(user))
		return translate(err, "member")
	})
	if err != nil {
		return 0, 0, err
	}
	return before, after, nil
}

// readCountsOfQuery is ReadCountsOf's: the pairs go in as JSON, each
// looked up by the members' primary key prefix (room_id).
const readCountsOfQuery = `SELECT m.room_id, m.last_read_seq, count(*)
	FROM (SELECT DISTINCT value ->> 0 AS room_id, value ->> 1 AS seq FROM json_each(?)) k
	CROSS JOIN members m
	WHERE m.room_id = k.room_id AND m.last_read_seq = k.seq
	GROUP BY m.room_id, m.last_read_seq ORDER BY m.room_id, m.last_read_seq`

// readCountsQuery is the histogram of a room's read positions.
const readCountsQuery = `SELECT last_read_seq, count(*) FROM members WHERE room_id = ?
	GROUP BY last_read_seq ORDER BY last_read_seq`

// ReadCounts is the histogram of the room's read positions, ascending by seq.
func (s *Store) ReadCounts(ctx context.Context, room chat.RoomID) ([]chat.ReadCount, error) {
	rows, err := s.readCounts.QueryContext(ctx, string(room))
	return collect(rows, err, "read counts", sqlrow.ScanReadCount)
}

// Unread subtracts the running counts of messages that are not system lines
// (messages.counted) at the two seqs.
func (s *Store) Unread(ctx context.Context, room chat.RoomID, after, through int64) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, `SELECT max(
		COALESCE((SELECT counted FROM messages WHERE room_id = ?1 AND seq = ?3), 0) -
		COALESCE((SELECT counted FROM messages WHERE room_id = ?1 AND seq = ?2), 0), 0)`,
		string(room), after, through).Scan(&n)
	return n, translate(err, "messages")
}

// ReadCountsOf runs readCountsOfQuery, prepared once.
func (s *Store) ReadCountsOf(ctx context.Context, want map[chat.RoomID][]int64) (map[chat.RoomID][]chat.ReadCount, error) {
	keys := make([][2]any, 0, len(want)*2)
	for room, seqs := range want {
		for _, seq := range seqs {
			keys = append(keys, [2]any{room, seq})
		}
	}
	b, err := json.Marshal(keys)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read counts keys: %w", err)
	}
	rows, err := s.readCountsOf.QueryContext(ctx, string(b))
	if err != nil {
		return nil, translate(err, "read counts")
	}
	defer rows.Close()
	out := make(map[chat.RoomID][]chat.ReadCount, len(want))
	for rows.Next() {
		var room chat.RoomID
		var rc chat.ReadCount
		if err := rows.Scan(&room, &rc.Seq, &rc.Count); err != nil {
			return nil, translate(err, "read counts")
		}
		out[room] = append(out[room], rc)
	}
	return out, translate(rows.Err(), "read counts")
}
