package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

// SetReaction needs no locking of its own: every write runs on the one
// writer connection, so changes to a message's reactions are serial.
func (s *Store) SetReaction(ctx context.Context, r chat.ReactionChange) (count int, changed bool, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		err := sqlrow.CheckReactable(tx.QueryRowContext(ctx, `SELECT `+sqlrow.ReactableCols+` FROM messages WHERE room_id = ? AND seq = ?`,
			string(r.RoomID), r.Seq), r.On)
		if err != nil {
			return translate(err, "message")
		}
		if r.On {
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

// clearExtras drops a tombstone's mentions, reactions and pin, in the
// delete's transaction: a deleted message counts as nobody's mention,
// carries nothing and is pinned nowhere.
func clearExtras(ctx context.Context, tx *sql.Tx, room chat.RoomID, seq int64) error {
	for _, table := range []string{"mentions", "reactions", "reaction_counts", "pins"} {
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
	return read(rows, err, "reactions", sqlrow.Reactions)
}

func (s *Store) Reactors(ctx context.Context, room chat.RoomID, seq int64, limit int) ([]chat.Reactors, error) {
	rows, err := s.r.QueryContext(ctx,
		`SELECT emoji, count, user_id FROM (
		   SELECT c.emoji, c.count, c.first_at, r.user_id, r.created_at,
		          row_number() OVER (PARTITION BY r.emoji ORDER BY r.created_at, r.user_id) AS n
		   FROM reaction_counts c JOIN reactions r
		     ON r.room_id = c.room_id AND r.seq = c.seq AND r.emoji = c.emoji
		   WHERE c.room_id = ? AND c.seq = ?)
		 WHERE n <= ? ORDER BY first_at, emoji, created_at, user_id`, string(room), seq, limit)
	return read(rows, err, "reactions", sqlrow.Reactors)
}
