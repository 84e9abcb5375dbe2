package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

// insertMentions stores a new message's mentions inside its append
// transaction. A message that mentions nobody costs no statement.
func insertMentions(ctx context.Context, tx *sql.Tx, room chat.RoomID, seq int64, users []chat.UserID) error {
	if len(users) == 0 {
		return nil
	}
	ids, err := json.Marshal(users)
	if err != nil {
		return fmt.Errorf("sqlite: encode mentions: %w", err)
	}
	// One statement for any number of mentions: the ids travel as a JSON array.
	_, err = tx.ExecContext(ctx,
		`INSERT INTO mentions (room_id, user_id, seq) SELECT ?, value, ? FROM json_each(?) WHERE true
		 ON CONFLICT DO NOTHING`, string(room), seq, string(ids))
	return translate(err, "mentions")
}

// replaceMentions sets an edited (or deleted, with none) message's mentions.
func replaceMentions(ctx context.Context, tx *sql.Tx, room chat.RoomID, seq int64, users []chat.UserID) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM mentions WHERE room_id = ? AND seq = ?`, string(room), seq); err != nil {
		return translate(err, "mentions")
	}
	return insertMentions(ctx, tx, room, seq, users)
}

// mentionsOf returns one message's mentions, sorted; nil for none.
func mentionsOf(ctx context.Context, q querier, room chat.RoomID, seq int64) ([]chat.UserID, error) {
	rows, err := q.QueryContext(ctx,
		`SELECT user_id FROM mentions WHERE room_id = ? AND seq = ? ORDER BY user_id`, string(room), seq)
	return collect(rows, err, "mentions", sqlrow.ScanUserID)
}

// fillMentions sets the mentions of a page of one room's messages with one
// range query.
func fillMentions(ctx context.Context, q querier, room chat.RoomID, msgs []chat.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	lo, hi := sqlrow.SeqRange(msgs)
	rows, err := q.QueryContext(ctx,
		`SELECT seq, user_id FROM mentions WHERE room_id = ? AND seq BETWEEN ? AND ? ORDER BY seq, user_id`,
		string(room), lo, hi)
	found, err := read(rows, err, "mentions", sqlrow.ReadMentions)
	if err != nil {
		return err
	}
	found.Fill(msgs)
	return nil
}

func (s *Store) MembersByUsername(ctx context.Context, room chat.RoomID, usernames []string) (map[string]chat.UserID, error) {
	names, err := json.Marshal(usernames)
	if err != nil {
		return nil, fmt.Errorf("sqlite: encode usernames: %w", err)
	}
	rows, err := s.r.QueryContext(ctx,
		`SELECT u.username, u.id FROM users u JOIN members m ON m.room_id = ? AND m.user_id = u.id
		 WHERE u.username IN (SELECT value FROM json_each(?))`, string(room), string(names))
	return read(rows, err, "members", func(r sqlrow.Rows) (map[string]chat.UserID, error) {
		return sqlrow.UsernameIDs(r, len(usernames))
	})
}

// UnreadMentions walks the (room, user, seq) key from the read position: the
// cost is the unread mentions, not the room's size.
func (s *Store) UnreadMentions(ctx context.Context, room chat.RoomID, user chat.UserID, after, upTo int64) (n, through int64, err error) {
	err = s.r.QueryRowContext(ctx,
		`SELECT min(r.last_seq, ?1), (SELECT count(*) FROM mentions x
		  WHERE x.room_id = r.id AND x.user_id = ?2 AND x.seq > ?3 AND x.seq <= min(r.last_seq, ?1))
		 FROM rooms r WHERE r.id = ?4`, upTo, string(user), after, string(room)).Scan(&through, &n)
	if err != nil {
		return 0, 0, translate(err, "room")
	}
	return n, through, nil
}
