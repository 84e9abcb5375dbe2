package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

// SetReaction runs in one transaction. The message row is share-locked, so a
// concurrent delete waits for it (and it sees the tombstone of a delete that
// committed first). Changes of one emoji queue on its reaction_counts row,
// which makes each returned count exact. Creating a message's new emoji takes
// an advisory lock on the message, so the limit of different emojis holds
// under concurrent first uses.
func (s *Store) SetReaction(ctx context.Context, r chat.ReactionChange) (count int, changed bool, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		err := sqlrow.CheckReactable(tx.QueryRow(ctx, `SELECT `+sqlrow.ReactableCols+` FROM messages WHERE room_id = $1 AND seq = $2 FOR SHARE`,
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

func addReaction(ctx context.Context, tx pgx.Tx, r chat.ReactionChange) (int, bool, error) {
	tag, err := tx.Exec(ctx,
		`INSERT INTO reactions (room_id, seq, emoji, user_id, created_at) VALUES ($1, $2, $3, $4, $5)
		 ON CONFLICT DO NOTHING`, string(r.RoomID), r.Seq, r.Emoji, string(r.UserID), sqlrow.Kept(r.At))
	if err != nil {
		return 0, false, translate(err, "reaction")
	}
	if tag.RowsAffected() == 0 {
		count, err := reactionCount(ctx, tx, r)
		return count, false, err
	}
	var count int
	err = tx.QueryRow(ctx,
		`UPDATE reaction_counts SET count = count + 1 WHERE room_id = $1 AND seq = $2 AND emoji = $3 RETURNING count`,
		string(r.RoomID), r.Seq, r.Emoji).Scan(&count)
	if err == nil {
		return count, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, false, translate(err, "reaction")
	}
	// The first of this emoji on the message, unless a concurrent first use
	// committed while this one waited for the lock: count again under it.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1::text || '/' || ($2::bigint)::text, 0))`,
		string(r.RoomID), r.Seq); err != nil {
		return 0, false, translate(err, "reaction")
	}
	var others int
	var mine bool
	if err := tx.QueryRow(ctx,
		`SELECT count(*) FILTER (WHERE emoji <> $3), count(*) FILTER (WHERE emoji = $3) > 0
		 FROM reaction_counts WHERE room_id = $1 AND seq = $2`,
		string(r.RoomID), r.Seq, r.Emoji).Scan(&others, &mine); err != nil {
		return 0, false, translate(err, "reaction")
	}
	if !mine && others >= r.MaxEmojis {
		return 0, false, chat.Errorf(chat.Conflict, "a message takes at most %d different emojis", r.MaxEmojis)
	}
	err = tx.QueryRow(ctx,
		`INSERT INTO reaction_counts (room_id, seq, emoji, count, first_at) VALUES ($1, $2, $3, 1, $4)
		 ON CONFLICT (room_id, seq, emoji) DO UPDATE SET count = reaction_counts.count + 1 RETURNING count`,
		string(r.RoomID), r.Seq, r.Emoji, sqlrow.Kept(r.At)).Scan(&count)
	return count, true, translate(err, "reaction")
}

func removeReaction(ctx context.Context, tx pgx.Tx, r chat.ReactionChange) (int, bool, error) {
	tag, err := tx.Exec(ctx,
		`DELETE FROM reactions WHERE room_id = $1 AND seq = $2 AND emoji = $3 AND user_id = $4`,
		string(r.RoomID), r.Seq, r.Emoji, string(r.UserID))
	if err != nil {
		return 0, false, translate(err, "reaction")
	}
	if tag.RowsAffected() == 0 {
		count, err := reactionCount(ctx, tx, r)
		return count, false, err
	}
	var count int
	if err := tx.QueryRow(ctx,
		`UPDATE reaction_counts SET count = count - 1 WHERE room_id = $1 AND seq = $2 AND emoji = $3 RETURNING count`,
		string(r.RoomID), r.Seq, r.Emoji).Scan(&count); err != nil {
		return 0, false, translate(err, "reaction")
	}
	if count == 0 {
		// Still under the row lock the update took: nobody added meanwhile.
		if _, err := tx.Exec(ctx, `DELETE FROM reaction_counts WHERE room_id = $1 AND seq = $2 AND emoji = $3`,
			string(r.RoomID), r.Seq, r.Emoji); err != nil {
			return 0, false, translate(err, "reaction")
		}
	}
	return count, true, nil
}

func reactionCount(ctx context.Context, tx pgx.Tx, r chat.ReactionChange) (int, error) {
	var count int
	err := tx.QueryRow(ctx, `SELECT count FROM reaction_counts WHERE room_id = $1 AND seq = $2 AND emoji = $3`,
		string(r.RoomID), r.Seq, r.Emoji).Scan(&count)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return count, translate(err, "reaction")
}

// clearExtras drops a tombstone's mentions, reactions and pin, in the
// delete's transaction: a deleted message counts as nobody's mention,
// carries nothing and is pinned nowhere.
func clearExtras(ctx context.Context, tx pgx.Tx, room chat.RoomID, seq int64) error {
	for _, table := range []string{"mentions", "reactions", "reaction_counts", "pins"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE room_id = $1 AND seq = $2`, string(room), seq); err != nil {
			return translate(err, table)
		}
	}
	return nil
}

func (s *Store) Reactions(ctx context.Context, room chat.RoomID, viewer chat.UserID, after, before int64) (map[int64][]chat.ReactionCount, error) {
	rows, err := s.pool.Query(ctx,
		`SELECT c.seq, c.emoji, c.count, EXISTS (SELECT FROM reactions r
		  WHERE r.room_id = c.room_id AND r.seq = c.seq AND r.emoji = c.emoji AND r.user_id = $1)
		 FROM reaction_counts c WHERE c.room_id = $2 AND c.seq > $3 AND c.seq < $4
		 ORDER BY c.seq, c.first_at, c.emoji`, string(viewer), string(room), after, before)
	return read(rows, err, "reactions", sqlrow.Reactions)
}

func (s *Store) Reactors(ctx context.Context, room chat.RoomID, seq int64, limit int) ([]chat.Reactors, error) {
	rows, err := s.pool.Query(ctx,
		`SELECT emoji, count, user_id FROM (
		   SELECT c.emoji, c.count, c.first_at, r.user_id, r.created_at,
		          row_number() OVER (PARTITION BY r.emoji ORDER BY r.created_at, r.user_id) AS n
		   FROM reaction_counts c JOIN reactions r
		     ON r.room_id = c.room_id AND r.seq = c.seq AND r.emoji = c.emoji
		   WHERE c.room_id = $1 AND c.seq = $2) AS listed
		 WHERE n <= $3 ORDER BY first_at, emoji, created_at, user_id`, string(room), seq, limit)
	return read(rows, err, "reactions", sqlrow.Reactors)
}
