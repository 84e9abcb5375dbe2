package postgres

import (
	"context"
	"encoding/json"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

var _ chat.NotifyStore = (*Store)(nil)

func (s *Store) SetNotifyLevel(ctx context.Context, room chat.RoomID, user chat.UserID, level chat.NotifyLevel) error {
	tag, err := s.pool.Exec(ctx, `UPDATE members SET notify_level = $1 WHERE room_id = $2 AND user_id = $3`,
		string(level), string(room), string(user))
	return changedOne(tag, err, "member")
}

func (s *Store) NotifySettings(ctx context.Context, user chat.UserID) (chat.NotifySettings, error) {
	ns, err := sqlrow.ScanNotifySettings(s.pool.QueryRow(ctx, `SELECT notify_settings FROM users WHERE id = $1`, string(user)))
	return ns, translate(err, "user")
}

func (s *Store) SetNotifySettings(ctx context.Context, user chat.UserID, ns chat.NotifySettings) error {
	b, err := json.Marshal(ns)
	if err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE users SET notify_settings = $1 WHERE id = $2`, string(b), string(user))
	return changedOne(tag, err, "user")
}

// NotifyCandidates walks the room's members by the primary key; the
// mentioned are a handful of key lookups.
func (s *Store) NotifyCandidates(ctx context.Context, room chat.RoomID, def chat.NotifyLevel, mentioned []chat.UserID) ([]chat.UserID, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT user_id FROM members WHERE room_id = $1 AND COALESCE(notify_level, $2::text) = 'all'
		UNION
		SELECT user_id FROM members WHERE room_id = $1 AND user_id = ANY($3::text[])
		       AND COALESCE(notify_level, $2::text) <> 'off'
		ORDER BY 1`,
		string(room), string(def), idStrings(mentioned))
	return collect(rows, err, "members", sqlrow.ScanUserID)
}

func (s *Store) UnreadTotal(ctx context.Context, user chat.UserID) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT COALESCE(sum(GREATEST(r.counted - COALESCE(rm.counted, 0), 0)), 0)::bigint
		FROM members m JOIN rooms r ON r.id = m.room_id
		LEFT JOIN messages rm ON rm.room_id = m.room_id AND rm.seq = m.last_read_seq
		WHERE m.user_id = $1`, string(user)).Scan(&n)
	return n, translate(err, "rooms")
}
