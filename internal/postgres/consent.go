package postgres

import (
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

func policyOrDefault(p chat.AddPolicy) string {
	if p == "" {
		return string(chat.AddFriends)
	}
	return string(p)
}

func idStrings(ids []chat.UserID) []string {
	out := make([]string, len(ids))
	for i, u := range ids {
		out[i] = string(u)
	}
	return out
}

func (s *Store) Me(ctx context.Context, id chat.UserID) (chat.Me, error) {
	me, err := sqlrow.ScanMe(s.pool.QueryRow(ctx, `SELECT `+sqlrow.MeCols+` FROM users WHERE id = $1`, string(id)))
	return me, translate(err, "user")
}

func (s *Store) SetWhoMayAdd(ctx context.Context, id chat.UserID, p chat.AddPolicy) error {
	tag, err := s.pool.Exec(ctx, `UPDATE users SET who_may_add = $2 WHERE id = $1`, string(id), string(p))
	return changedOne(tag, err, "user")
}

// Consent is one query for the whole request: each invitee's row with four
// lookups of primary keys or short index ranges (their blocks are few).
func (s *Store) Consent(ctx context.Context, inviter chat.UserID, room chat.RoomID, others, invitees []chat.UserID) (map[chat.UserID]chat.Consent, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT u.id, u.who_may_add,
		       EXISTS (SELECT 1 FROM friends f WHERE f.user_id = u.id AND f.friend_id = $1),
		       EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = u.id AND b.blocked_id = $1),
		       EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = u.id AND (
		               b.blocked_id = ANY($3::text[])
		               OR EXISTS (SELECT 1 FROM members m WHERE m.room_id = $2 AND m.user_id = b.blocked_id)))
		FROM users u WHERE u.id = ANY($4::text[])`,
		string(inviter), string(room), idStrings(others), idStrings(invitees))
	return read(rows, err, "consent", func(r sqlrow.Rows) (map[chat.UserID]chat.Consent, error) {
		return sqlrow.Consents(r, len(invitees))
	})
}

// AddInvites takes each invitee's user lock (in id order) before counting
// their pending invites, so the cap holds however many nodes invite them
// at once.
func (s *Store) AddInvites(ctx context.Context, invites []chat.NewInvite, maxPending int) (added []chat.NewInvite, dropped []chat.InviteRef, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		added, dropped = nil, nil
		var touched []chat.UserID
		for _, inv := range invites {
			touched = append(touched, inv.Invitee)
		}
		slices.Sort(touched)
		touched = slices.Compact(touched)
		for _, u := range touched {
			if err := lockUser(ctx, tx, u); err != nil {
				return err
			}
		}
		for _, inv := range invites {
			tag, err := tx.Exec(ctx, `
				INSERT INTO invites (id, room_id, invitee_id, inviter_id, state, created_at)
				SELECT $1, $2, $3, $4, 'pending', $5
				WHERE NOT EXISTS (SELECT 1 FROM members WHERE room_id = $2 AND user_id = $3)
				ON CONFLICT (room_id, invitee_id) DO NOTHING`,
				inv.ID, string(inv.Room), string(inv.Invitee), string(inv.Inviter), sqlrow.Kept(inv.CreatedAt))
			if err != nil {
				return translate(err, "invite")
			}
			if tag.RowsAffected() == 1 {
				added = append(added, inv)
			}
		}
		for _, u := range touched {
			rows, err := tx.Query(ctx, `
				DELETE FROM invites WHERE id IN (
					SELECT id FROM invites WHERE invitee_id = $1 AND state = 'pending'
					ORDER BY created_at DESC, id DESC OFFSET $2)
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
	rows, err := s.pool.Query(ctx, sqlrow.InviteQuery+` AND i.invitee_id = $1 ORDER BY i.created_at DESC, i.id DESC`, string(invitee))
	out, err := collect(rows, err, "invites", sqlrow.ScanInvite)
	if out == nil && err == nil {
		out = []chat.Invite{}
	}
	return out, err
}

func (s *Store) Invite(ctx context.Context, id string) (chat.Invite, error) {
	inv, err := sqlrow.ScanInvite(s.pool.QueryRow(ctx, sqlrow.InviteQuery+` AND i.id = $1`, id))
	return inv, translate(err, "invite")
}

func (s *Store) RoomInvite(ctx context.Context, room chat.RoomID, invitee chat.UserID) (chat.Invite, error) {
	inv, err := sqlrow.ScanInvite(s.pool.QueryRow(ctx, sqlrow.InviteQuery+` AND i.room_id = $1 AND i.invitee_id = $2`, string(room), string(invitee)))
	return inv, translate(err, "invite")
}

func (s *Store) DeclineInvite(ctx context.Context, id string, invitee chat.UserID) (chat.InviteRef, error) {
	r, err := sqlrow.ScanInviteRef(s.pool.QueryRow(ctx, `
		UPDATE invites SET state = 'declined' WHERE id = $1 AND invitee_id = $2 AND state = 'pending'
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
	rows, err := s.pool.Query(ctx, `
		SELECT r.id, r.name, r.member_count, r.name_key,
		       EXISTS (SELECT 1 FROM members m WHERE m.room_id = r.id AND m.user_id = $1)
		FROM rooms r
		WHERE r.visibility = 'public' AND r.name_key >= $2 AND r.name_key < $3
		  AND (r.name_key, r.id) > ($4::text COLLATE "C", $5::text COLLATE "C")
		ORDER BY r.name_key, r.id LIMIT $6`,
		string(q.Viewer), q.Prefix, to, q.After.NameKey, string(q.After.ID), q.Limit)
	return collect(rows, err, "rooms", sqlrow.ScanDirectoryRoom)
}

// CreateLink locks the room's row, so concurrent creations count one after
// the other and the cap holds.
func (s *Store) CreateLink(ctx context.Context, nl chat.NewLink, maxPerRoom int) (l chat.Link, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := sqlrow.ScanRoom(tx.QueryRow(ctx, `SELECT `+sqlrow.RoomCols+` FROM rooms WHERE id = $1 FOR NO KEY UPDATE`, string(nl.Room))); err != nil {
			return translate(err, "room")
		}
		now := sqlrow.Kept(nl.CreatedAt)
		if _, err := tx.Exec(ctx, `
			DELETE FROM links WHERE room_id = $1
			  AND ((expires_at IS NOT NULL AND expires_at <= $2) OR (max_uses > 0 AND uses >= max_uses))`,
			string(nl.Room), now); err != nil {
			return translate(err, "link")
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM links WHERE room_id = $1`, string(nl.Room)).Scan(&n); err != nil {
			return translate(err, "link")
		}
		if n >= maxPerRoom {
			return chat.Errorf(chat.Forbidden, "too many links")
		}
		var expires *time.Time
		if nl.ExpiresAt != nil {
			t := sqlrow.Kept(*nl.ExpiresAt)
			expires = &t
		}
		l, err = sqlrow.ScanLink(tx.QueryRow(ctx, `
			INSERT INTO links (`+sqlrow.LinkCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 0) RETURNING `+sqlrow.LinkCols,
			nl.ID, string(nl.Room), nl.Code, string(nl.CreatedBy), now, expires, nl.MaxUses))
		return translate(err, "link")
	})
	return l, err
}

func (s *Store) Links(ctx context.Context, room chat.RoomID) ([]chat.Link, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sqlrow.LinkCols+` FROM links WHERE room_id = $1 ORDER BY created_at DESC, id DESC`, string(room))
	return collect(rows, err, "links", sqlrow.ScanLink)
}

func (s *Store) LinkByCode(ctx context.Context, code string) (chat.Link, error) {
	l, err := sqlrow.ScanLink(s.pool.QueryRow(ctx, `SELECT `+sqlrow.LinkCols+` FROM links WHERE code = $1`, code))
	return l, translate(err, "link")
}

func (s *Store) RevokeLink(ctx context.Context, room chat.RoomID, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM links WHERE room_id = $1 AND id = $2`, string(room), id)
	return changedOne(tag, err, "link")
}
