package postgres

import (
	"context"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

// MarkRead moves the read position forward only, and never past the room's
// last seq, so Unread can never go negative and a stale device cannot undo a
// newer read.
//
// It is a compare-and-set, two statements without a transaction: read the
// position, then write the new one only if the position is still what was
// read. Another device's read or a send by the same user in between makes the
// write match no row, and the loop reads again; so before and after are
// exact, which the receipts ("unread by N") depend on, and no lock is held
// across round trips.
func (s *Store) MarkRead(ctx context.Context, room chat.RoomID, user chat.UserID, seq int64) (before, after int64, err error) {
	// Each lost round means another write to this one membership committed;
	// losing this many in a row is not contention a person can cause.
	const rounds = 16
	for range rounds {
		var last int64
		err := s.pool.QueryRow(ctx,
			`SELECT m.last_read_seq, r.last_seq FROM members m JOIN rooms r ON r.id = m.room_id
			 WHERE m.room_id = $1 AND m.user_id = $2`, string(room), string(user)).Scan(&before, &last)
		if err != nil {
			return 0, 0, translate(err, "member")
		}
		after = max(before, min(seq, last))
		if after == before {
			return before, after, nil
		}
		tag, err := s.pool.Exec(ctx,
			`UPDATE members SET last_read_seq = $3 WHERE room_id = $1 AND user_id = $2 AND last_read_seq = $4`,
			string(room), string(user), after, before)
		if err != nil {
			return 0, 0, translate(err, "member")
		}
		if tag.RowsAffected() == 1 {
			return before, after, nil
		}
	}
	return 0, 0, chat.Errorf(chat.Unavailable, "read position busy, retry")
}

// ReadCounts is the histogram of the room's read positions, ascending by seq.
func (s *Store) ReadCounts(ctx context.Context, room chat.RoomID, seqs []int64) ([]chat.ReadCount, error) {
	q := `SELECT last_read_seq, count(*) FROM members WHERE room_id = $1
	      GROUP BY last_read_seq ORDER BY last_read_seq`
	args := []any{string(room)}
	if len(seqs) > 0 {
		q = `SELECT last_read_seq, count(*) FROM members WHERE room_id = $1 AND last_read_seq = ANY ($2)
		     GROUP BY last_read_seq ORDER BY last_read_seq`
		args = append(args, seqs)
	}
	rows, err := s.pool.Query(ctx, q, args...)
	return collect(rows, err, "read counts", sqlrow.ScanReadCount)
}

// Unread subtracts the running counts of messages that are not system lines
// (messages.counted) at the two seqs.
func (s *Store) Unread(ctx context.Context, room chat.RoomID, after, through int64) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT GREATEST(
		COALESCE((SELECT counted FROM messages WHERE room_id = $1 AND seq = $3), 0) -
		COALESCE((SELECT counted FROM messages WHERE room_id = $1 AND seq = $2), 0), 0)::bigint`,
		string(room), after, through).Scan(&n)
	return n, translate(err, "messages")
}
