package postgres

import (
	"context"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

// insertMentions stores a new message's mentions; q must be the append's
// transaction (AppendMessage opens one when there are mentions). A message
// that mentions nobody costs no statement.
func insertMentions(ctx context.Context, q querier, room chat.RoomID, seq int64, users []chat.UserID) error {
	if len(users) == 0 {
		return nil
	}
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = string(u)
	}
	// One statement for any number of mentions.
	_, err := q.Exec(ctx,
		`INSERT INTO mentions (room_id, user_id, seq) SELECT $1, u, $2 FROM unnest($3::text[]) u
		 ON CONFLICT DO NOTHING`, string(room), seq, ids)
	return translate(err, "mentions")
}

// replaceMentions sets an edited message's mentions.
func replaceMentions(ctx context.Context, q querier, room chat.RoomID, seq int64, users []chat.UserID) error {
	if _, err := q.Exec(ctx, `DELETE FROM mentions WHERE room_id = $1 AND seq = $2`, string(room), seq); err != nil {
		return translate(err, "mentions")
	}
	return insertMentions(ctx, q, room, seq, users)
}

// mentionsOf returns one message's mentions, sorted; nil for none.
func mentionsOf(ctx context.Context, q querier, room chat.RoomID, seq int64) ([]chat.UserID, error) {
	rows, err := q.Query(ctx,
		`SELECT user_id FROM mentions WHERE room_id = $1 AND seq = $2 ORDER BY user_id`, string(room), seq)
	return collect(rows, err, "mentions", sqlrow.ScanUserID)
}

// fillMentions sets the mentions of a page of one room's messages with one
// range query.
func fillMentions(ctx context.Context, q querier, room chat.RoomID, msgs []chat.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	lo, hi := sqlrow.SeqRange(msgs)
	rows, err := q.Query(ctx,
		`SELECT seq, user_id FROM mentions WHERE room_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq, user_id`,
		string(room), lo, hi)
	found, err := read(rows, err, "mentions", sqlrow.ReadMentions)
	if err != nil {
		return err
	}
	found.Fill(msgs)
	return nil
}

func (s *Store) MembersByUsername(ctx context.Context, room chat.RoomID, usernames []string) (map[string]chat.UserID, error) {
	rows, err := s.pool.Query(ctx,
		`SELECT u.username, u.id FROM users u JOIN members m ON m.room_id = $1 AND m.user_id = u.id
		 WHERE u.username = ANY ($2)`, string(room), usernames)
	return read(rows, err, "members", func(r sqlrow.Rows) (map[string]chat.UserID, error) {
		return sqlrow.UsernameIDs(r, len(usernames))
	})
}

// UnreadMentions walks the (room, user, seq) key from the read position: the
// cost is the unread mentions, not the room's size. One statement, so the
// count and the room's last seq come from one snapshot.
func (s *Store) UnreadMentions(ctx context.Context, room chat.RoomID, user chat.UserID, after, upTo int64) (n, through int64, err error) {
	err = s.pool.QueryRow(ctx,
		`SELECT LEAST(r.last_seq, $4), (SELECT count(*) FROM mentions x
		  WHERE x.room_id = r.id AND x.user_id = $2 AND x.seq > $3 AND x.seq <= LEAST(r.last_seq, $4))
		 FROM rooms r WHERE r.id = $1`, string(room), string(user), after, upTo).Scan(&through, &n)
	if err != nil {
		return 0, 0, translate(err, "room")
	}
	return n, through, nil
}
