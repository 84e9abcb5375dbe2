package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

func policyOrDefault(p chat.AddPolicy) string {
	if p == "" {
		return string(chat.AddFriends)
	}
	return string(p)
}

// jsonIDs is ids as a JSON array for json_each; never "null".
func jsonIDs(ids []chat.UserID) string {
	if len(ids) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(ids) // strings only: cannot fail
	return string(b)
}

func (s *Store) Me(ctx context.Context, id chat.UserID) (chat.Me, error) {
	me, err := sqlrow.ScanMe(s.r.QueryRowContext(ctx, `SELECT `+sqlrow.MeCols+` FROM users WHERE id = ?`, string(id)))
	return me, translate(err, "user")
}

func (s *Store) SetWhoMayAdd(ctx context.Context, id chat.UserID, p chat.AddPolicy) error {
	res, err := s.w.ExecContext(ctx, `UPDATE users SET who_may_add = ? WHERE id = ?`, string(p), string(id))
	return changedOne(res, err, "user")
}

// Consent is one query for the whole request: each invitee's row with four
// lookups of primary keys or short index ranges (their blocks are few).
func (s *Store) Consent(ctx context.Context, inviter chat.UserID, room chat.RoomID, others, invitees []chat.UserID) (map[chat.UserID]chat.Consent, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT u.id, u.who_may_add,
		       EXISTS (SELECT 1 FROM friends f WHERE f.user_id = u.id AND f.friend_id = :inviter),
		       EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = u.id AND b.blocked_id = :inviter),
		       EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = u.id AND (
		               b.blocked_id IN (SELECT value FROM json_each(:others))
		               OR EXISTS (SELECT 1 FROM members m WHERE m.room_id = :room AND m.user_id = b.blocked_id)))
		FROM users u WHERE u.id IN (SELECT value FROM json_each(:invitees))`,
		sql.Named("inviter", string(inviter)), sql.Named("room", string(room)),
		sql.Named("others", jsonIDs(others)), sql.Named("invitees", jsonIDs(invitees)))
	return read(rows, err, "consent", func(r sqlrow.Rows) (map[chat.UserID]chat.Consent, error) {
		return sqlrow.Consents(r, len(invitees))
	})
}

// AddInvites: the one writer makes the member check, the insert and the cap
// exact.
func (s *Store) AddInvites(ctx context.Context, invites []chat.NewInvite, maxPending int) (added []chat.NewInvite, dropped []chat.InviteRef, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		added, dropped = nil, nil
		var touched []chat.UserID
		for _, inv := range invites {
			if ok, err := exists(ctx, tx, "member", `SELECT 1 FROM members WHERE room_id = ? AND user_id = ?`,
				string(inv.Room), string(inv.Invitee)); err != nil {
				return err
			} else if ok {
				continue
			}
			res, err := tx.ExecContext(ctx, `
				INSERT INTO invites (id, room_id, invitee_id, inviter_id, state, created_at) VALUES (?, ?, ?, ?, 'pending', ?)
				ON CONFLICT (room_id, invitee_id) DO NOTHING`,
				inv.ID, string(inv.Room), string(inv.Invitee), string(inv.Inviter), toMS(inv.CreatedAt))
			if err != nil {
				return translate(err, "invite")
			}
			if n, err := res.RowsAffected(); err != nil {
				return translate(err, "invite")
			} else if n == 1 {
				added = append(added, inv)
				if !slices.Contains(touched, inv.Invitee) {
					touched = append(touched, inv.Invitee)
				}
			}
		}
		for _, u := range touched {
			rows, err := tx.QueryContext(ctx, `
				DELETE FROM invites WHERE id IN (
					SELECT id FROM invites WHERE invitee_id = ? AND state = 'pending'
					ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ?)
				RETURNING `+sqlrow.InviteRefCols, string(u), maxPending)
			refs, err := collect(rows, err, "invites", sqlrow.ScanInviteRef)
			if err != nil {
				return err
			}
			dropped = append(dropped, refs...)
		}
		added, dropped = sqlrow.Capped(invites, added, dropped)
		return nil
	})
	return added, dropped, err
}

func (s *Store) Invites(ctx context.Context, invitee chat.UserID) ([]chat.Invite, error) {
	rows, err := s.r.QueryContext(ctx, sqlrow.InviteQuery+` AND i.invitee_id = ? ORDER BY i.created_at DESC, i.id DESC`, string(invitee))
	out, err := collect(rows, err, "invites", sqlrow.ScanInvite)
	if out == nil && err == nil {
		out = []chat.Invite{}
	}
	return out, err
}

func (s *Store) Invite(ctx context.Context, id string) (chat.Invite, error) {
	inv, err := sqlrow.ScanInvite(s.r.QueryRowContext(ctx, sqlrow.InviteQuery+` AND i.id = ?`, id))
	return inv, translate(err, "invite")
}

func (s *Store) RoomInvite(ctx context.Context, room chat.RoomID, invitee chat.UserID) (chat.Invite, error) {
	inv, err := sqlrow.ScanInvite(s.r.QueryRowContext(ctx, sqlrow.InviteQuery+` AND i.room_id = ? AND i.invitee_id = ?`, string(room), string(invitee)))
	return inv, translate(err, "invite")
}

func (s *Store) DeclineInvite(ctx context.Context, id string, invitee chat.UserID) (chat.InviteRef, error) {
	r, err := sqlrow.ScanInviteRef(s.w.QueryRowContext(ctx, `
		UPDATE invites SET state = 'declined' WHERE id = ? AND invitee_id = ? AND state = 'pending'
		RETURNING `+sqlrow.InviteRefCols, id, string(invitee)))
	return r, translate(err, "invite")
}

// Directory walks the partial index rooms_directory from the cursor: a page
// costs its rows, however many public rooms there are.
func (s *Store) Directory(ctx context.Context, q chat.DirectoryQuery) ([]chat.DirectoryRoom, error) {
	to, ok := chat.PrefixEnd(q.Prefix)
	if !ok {
		to = "\U0010FFFF\U0010FFFF" // above every name key
	}
	rows, err := s.r.QueryContext(ctx, `
		SELECT r.id, r.name, r.member_count, r.name_key,
		       EXISTS (SELECT 1 FROM members m WHERE m.room_id = r.id AND m.user_id = :viewer)
		FROM rooms r
		WHERE r.visibility = 'public' AND r.name_key >= :from AND r.name_key < :to
		  AND (r.name_key, r.id) > (:key, :id)
		ORDER BY r.name_key, r.id LIMIT :limit`,
		sql.Named("viewer", string(q.Viewer)), sql.Named("from", q.Prefix), sql.Named("to", to),
		sql.Named("key", q.After.NameKey), sql.Named("id", string(q.After.ID)), sql.Named("limit", q.Limit))
	return collect(rows, err, "rooms", sqlrow.ScanDirectoryRoom)
}

func (s *Store) CreateLink(ctx context.Context, nl chat.NewLink, maxPerRoom int) (l chat.Link, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		now := toMS(nl.CreatedAt)
		if _, err := tx.ExecContext(ctx, `
			DELETE FROM links WHERE room_id = ?
			  AND ((expires_at IS NOT NULL AND expires_at <= ?) OR (max_uses > 0 AND uses >= max_uses))`,
			string(nl.Room), now); err != nil {
			return translate(err, "link")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM links WHERE room_id = ?`, string(nl.Room)).Scan(&n); err != nil {
			return translate(err, "link")
		}
		if n >= maxPerRoom {
			return chat.Errorf(chat.Forbidden, "too many links")
		}
		var expires sql.NullInt64
		if nl.ExpiresAt != nil {
			expires = sql.NullInt64{Int64: toMS(*nl.ExpiresAt), Valid: true}
		}
		l, err = sqlrow.ScanLink(tx.QueryRowContext(ctx, `
			INSERT INTO links (`+sqlrow.LinkCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, 0) RETURNING `+sqlrow.LinkCols,
			nl.ID, string(nl.Room), nl.Code, string(nl.CreatedBy), now, expires, nl.MaxUses))
		return translate(err, "link")
	})
	return l, err
}

func (s *Store) Links(ctx context.Context, room chat.RoomID) ([]chat.Link, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+sqlrow.LinkCols+` FROM links WHERE room_id = ? ORDER BY created_at DESC, id DESC`, string(room))
	return collect(rows, err, "links", sqlrow.ScanLink)
}

func (s *Store) LinkByCode(ctx context.Context, code string) (chat.Link, error) {
	l, err := sqlrow.ScanLink(s.r.QueryRowContext(ctx, `SELECT `+sqlrow.LinkCols+` FROM links WHERE code = ?`, code))
	return l, translate(err, "link")
}

func (s *Store) RevokeLink(ctx context.Context, room chat.RoomID, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM links WHERE room_id = ? AND id = ?`, string(room), id)
	return changedOne(res, err, "link")
}
