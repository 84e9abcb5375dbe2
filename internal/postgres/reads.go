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
func (s *Store) ReadCounts(ctx context.Context, room chat.RoomID) ([]chat.ReadCount, error) {
	rows, err := s.pool.Query(ctx, `SELECT last_read_seq, count(*) FROM members WHERE room_id = $1
		GROUP BY last_read_seq ORDER BY last_read_seq`, string(room))
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

// ReadCountsOf: the pairs go in as two arrays, each looked up by the
// members' primary key prefix (room_id), as ReadCounts does for one room.
func (s *Store) ReadCountsOf(ctx context.Context, want map[chat.RoomID][]int64) (map[chat.RoomID][]chat.ReadCount, error) {
	var rooms []string
	var seqs []int64
	for room, ss := range want {
		for _, seq := range ss {
			rooms = append(rooms, string(room))
			seqs = append(seqs, seq)
		}
	}
	rows, err := s.pool.Query(ctx, `SELECT m.room_id, m.last_read_seq, count(*)
		FROM (SELECT DISTINCT room_id, seq FROM unnest($1::text[], $2::bigint[]) AS k (room_id, seq)) k
		JOIN members m ON m.room_id = k.room_id AND m.last_read_seq = k.seq
		GROUP BY m.room_id, m.last_read_seq ORDER BY m.room_id, m.last_read_seq`, rooms, seqs)
	if err != nil {
		return nil, translate(err, "read counts")
	}
	defer rows.Close()
	out := make(map[chat.RoomID][]chat.ReadCount, len(want))
	for rows.Next() {
		var room string
		var rc chat.ReadCount
		if err := rows.Scan(&room, &rc.Seq, &rc.Count); err != nil {
			return nil, translate(err, "read counts")
		}
		out[chat.RoomID(room)] = append(out[chat.RoomID(room)], rc)
	}
	return out, translate(rows.Err(), "read counts")
}
