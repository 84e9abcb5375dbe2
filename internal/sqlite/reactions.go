package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"parley/internal/chat"
)

// SetReaction needs no locking of its own: every write runs on the one
// writer connection, so changes to a message's reactions are serial.
func (s *Store) SetReaction(ctx context.Context, r chat.ReactionChange) (count int, changed bool, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		var (
			kind    string
			deleted bool
		)
		err := tx.QueryRowContext(ctx, `SELECT kind, deleted FROM messages WHERE room_id = ? AND seq = ?`,
			string(r.RoomID), r.Seq).Scan(&kind, &deleted)
		if err != nil {
			return translate(err, "message")
		}
		if r.On {
			if kind != string(chat.Text) || deleted {
				return chat.Errorf(chat.Conflict, "message takes no reactions")
			}
			count, changed, err = addReaction(ctx, tx, r)
		} else {
			count, changed, err = removeReaction(ctx, tx, r)
		}
		return err
	})
	return count, changed, err
}

func addReaction(ctx context.Context, tx *sql.Tx, r chat.ReactionChange) (int, bool, error) {
	res, err := tx.ExecContext(ctx,
		`INSERT INTO reactions (room_id, seq, emoji, user_id, created_at) VALUES (?, ?, ?, ?, ?)
		 ON CONFLICT DO NOTHING`, string(r.RoomID), r.Seq, r.Emoji, string(r.UserID), toMS(r.At))
	if err != nil {
		return 0, false, translate(err, "reaction")
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		count, cerr := reactionCount(ctx, tx, r)
		return count, false, errors.Join(translate(err, "reaction"), cerr)
	}
	var count int
	err = tx.QueryRowContext(ctx,
		`UPDATE reaction_counts SET count = count + 1 WHERE room_id = ? AND seq = ? AND emoji = ? RETURNING count`,
		string(r.RoomID), r.Seq, r.Emoji).Scan(&count)
	if err == nil {
		return count, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, translate(err, "reaction")
	}
	// The first of this emoji on the message.
	var emojis int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM reaction_counts WHERE room_id = ? AND seq = ?`,
		string(r.RoomID), r.Seq).Scan(&emojis); err != nil {
		return 0, false, translate(err, "reaction")
	}
	if emojis >= r.MaxEmojis {
		return 0, false, chat.Errorf(chat.Conflict, "a message takes at most %d different emojis", r.MaxEmojis)
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO reaction_counts (room_id, seq, emoji, count, first_at) VALUES (?, ?, ?, 1, ?)`,
		string(r.RoomID), r.Seq, r.Emoji, toMS(r.At)); err != nil {
		return 0, false, translate(err, "reaction")
	}
	return 1, true, nil
}

func removeReaction(ctx context.Context, tx *sql.Tx, r chat.ReactionChange) (int, bool, error) {
	res, err := tx.ExecContext(ctx,
		`DELETE FROM reactions WHERE room_id = ? AND seq = ? AND emoji = ? AND user_id = ?`,
		string(r.RoomID), r.Seq, r.Emoji, string(r.UserID))
	if err != nil {
		return 0, false, translate(err, "reaction")
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		count, cerr := reactionCount(ctx, tx, r)
		return count, false, errors.Join(translate(err, "reaction"), cerr)
	}
	var count int
	if err := tx.QueryRowContext(ctx,
		`UPDATE reaction_counts SET count = count - 1 WHERE room_id = ? AND seq = ? AND emoji = ? RETURNING count`,
		string(r.RoomID), r.Seq, r.Emoji).Scan(&count); err != nil {
		return 0, false, translate(err, "reaction")
	}
	if count == 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM reaction_counts WHERE room_id = ? AND seq = ? AND emoji = ?`,
			string(r.RoomID), r.Seq, r.Emoji); err != nil {
			return 0, false, translate(err, "reaction")
		}
	}
	return count, true, nil
}

func reactionCount(ctx context.Context, tx *sql.Tx, r chat.ReactionChange) (int, error) {
	var count int
	err := tx.QueryRowContext(ctx, `SELECT count FROM reaction_counts WHERE room_id = ? AND seq = ? AND emoji = ?`,
		string(r.RoomID), r.Seq, r.Emoji).Scan(&count)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return count, translate(err, "reaction")
}

// clearExtras drops a tombstone's mentions and reactions, in the delete's
// transaction: a deleted message counts as nobody's mention and carries
// nothing.
func clearExtras(ctx context.Context, tx *sql.Tx, room chat.RoomID, seq int64) error {
	for _, table := range []string{"mentions", "reactions", "reaction_counts"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE room_id = ? AND seq = ?`, string(room), seq); err != nil {
			return translate(err, table)
		}
	}
	return nil
}

func (s *Store) Reactions(ctx context.Context, room chat.RoomID, viewer chat.UserID, after, before int64) (map[int64][]chat.ReactionCount, error) {
	rows, err := s.r.QueryContext(ctx,
		`SELECT c.seq, c.emoji, c.count, EXISTS (SELECT 1 FROM reactions r
		  WHERE r.room_id = c.room_id AND r.seq = c.seq AND r.emoji = c.emoji AND r.user_id = ?)
		 FROM reaction_counts c WHERE c.room_id = ? AND c.seq > ? AND c.seq < ?
		 ORDER BY c.seq, c.first_at, c.emoji`, string(viewer), string(room), after, before)
	if err != nil {
		return nil, translate(err, "reactions")
	}
	defer rows.Close()
	out := map[int64][]chat.ReactionCount{}
	for rows.Next() {
		var (
			seq int64
			rc  chat.ReactionCount
		)
		if err := rows.Scan(&seq, &rc.Emoji, &rc.Count, &rc.Me); err != nil {
			return nil, translate(err, "reactions")
		}
		out[seq] = append(out[seq], rc)
	}
	return out, translate(rows.Err(), "reactions")
}
