package sqlite

import (
	"context"
	"database/sql"
	"strings"

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

// readCountsQuery is the histogram of a room's read positions, restricted to
// n positions when n > 0.
func readCountsQuery(n int) string {
	var q strings.Builder
	q.WriteString(`SELECT last_read_seq, count(*) FROM members WHERE room_id = ?`)
	if n > 0 {
		q.WriteString(` AND last_read_seq IN (?` + strings.Repeat(",?", n-1) + `)`)
	}
	q.WriteString(` GROUP BY last_read_seq ORDER BY last_read_seq`)
	return q.String()
}

// ReadCounts is the histogram of the room's read positions, ascending by seq.
func (s *Store) ReadCounts(ctx context.Context, room chat.RoomID, seqs []int64) ([]chat.ReadCount, error) {
	args := make([]any, 0, 1+len(seqs))
	args = append(args, string(room))
	for _, seq := range seqs {
		args = append(args, seq)
	}
	var rows *sql.Rows
	var err error
	if len(seqs) < len(s.readCounts) {
		rows, err = s.readCounts[len(seqs)].QueryContext(ctx, args...)
	} else {
		rows, err = s.r.QueryContext(ctx, readCountsQuery(len(seqs)), args...)
	}
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
