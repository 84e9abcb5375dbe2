package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

var _ chat.NotifyStore = (*Store)(nil)

func (s *Store) SetNotifyLevel(ctx context.Context, room chat.RoomID, user chat.UserID, level chat.NotifyLevel) error {
	res, err := s.w.ExecContext(ctx, `UPDATE members SET notify_level = ? WHERE room_id = ? AND user_id = ?`,
		string(level), string(room), string(user))
	return changedOne(res, err, "member")
}

func (s *Store) NotifySettings(ctx context.Context, user chat.UserID) (chat.NotifySettings, error) {
	ns, err := sqlrow.ScanNotifySettings(s.r.QueryRowContext(ctx, `SELECT notify_settings FROM users WHERE id = ?`, string(user)))
	return ns, translate(err, "user")
}

func (s *Store) SetNotifySettings(ctx context.Context, user chat.UserID, ns chat.NotifySettings) error {
	b, err := json.Marshal(ns)
	if err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, `UPDATE users SET notify_settings = ? WHERE id = ?`, string(b), string(user))
	return changedOne(res, err, "user")
}

// NotifyCandidates walks the room's members by the primary key; the
// mentioned are a handful of key lookups.
func (s *Store) NotifyCandidates(ctx context.Context, room chat.RoomID, def chat.NotifyLevel, mentioned []chat.UserID) ([]chat.UserID, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT user_id FROM members WHERE room_id = :room AND COALESCE(notify_level, :def) = 'all'
		UNION
		SELECT user_id FROM members WHERE room_id = :room AND user_id IN (SELECT value FROM json_each(:mentioned))
		       AND COALESCE(notify_level, :def) <> 'off'
		ORDER BY 1`,
		sql.Named("room", string(room)), sql.Named("def", string(def)), sql.Named("mentioned", jsonIDs(mentioned)))
	return collect(rows, err, "members", sqlrow.ScanUserID)
}

func (s *Store) UnreadTotal(ctx context.Context, user chat.UserID) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, `SELECT COALESCE(sum(max(r.counted - COALESCE(rm.counted, 0), 0)), 0)
		FROM members m JOIN rooms r ON r.id = m.room_id
		LEFT JOIN messages rm ON rm.room_id = m.room_id AND rm.seq = m.last_read_seq
		WHERE m.user_id = ?`, string(user)).Scan(&n)
	return n, translate(err, "rooms")
}
