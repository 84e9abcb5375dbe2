package postgres

import (
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"parley/internal/chat"
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
	var (
		me      chat.Me
		created time.Time
		hash    string
		avatar  pgtype.Text
	)
	err := s.pool.QueryRow(ctx, `SELECT `+userCols+`, who_may_add FROM users WHERE id = $1`, string(id)).
		Scan(&me.ID, &me.Username, &me.DisplayName, &created, &hash, &me.StatusMessage, &avatar, &me.WhoMayAdd)
	if err != nil {
		return chat.Me{}, translate(err, "user")
	}
	me.CreatedAt = fromDB(created)
	if avatar.Valid {
		me.AvatarURL = chat.AttachmentURL(avatar.String)
	}
	return me, nil
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
	if err != nil {
		return nil, translate(err, "consent")
	}
	out := make(map[chat.UserID]chat.Consent, len(invitees))
	var (
		id string
		c  chat.Consent
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &c.Policy, &c.Friend, &c.BlocksInviter, &c.BlocksMember}, func() error {
		out[chat.UserID(id)] = c
		return nil
	})
	return out, translate(err, "consent")
}

func scanInviteRef(r pgx.CollectableRow) (chat.InviteRef, error) {
	var ref chat.InviteRef
	err := r.Scan(&ref.ID, &ref.RoomID, &ref.InviteeID)
	return ref, err
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
				inv.ID, string(inv.Room), string(inv.Invitee), string(inv.Inviter), toDB(inv.CreatedAt))
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
				RETURNING id, room_id, invitee_id`, string(u), maxPending)
			if err != nil {
				return translate(err, "invites")
			}
			if dropped, err = pgx.AppendRows(dropped, rows, scanInviteRef); err != nil {
				return translate(err, "invites")
			}
		}
		added = slices.DeleteFunc(added, func(inv chat.NewInvite) bool {
			return slices.ContainsFunc(dropped, func(r chat.InviteRef) bool { return r.ID == inv.ID })
		})
		dropped = slices.DeleteFunc(dropped, func(r chat.InviteRef) bool {
			return slices.ContainsFunc(invites, func(inv chat.NewInvite) bool { return inv.ID == r.ID })
		})
		return nil
	})
	return added, dropped, err
}

// inviteQuery reads pending invites with their room, their inviter and, for
// a direct room, its last message (by the room's last_seq: a request's room
// has only the opener's messages).
const inviteQuery = `
	SELECT i.id, i.invitee_id, i.created_at, r.id, r.kind, r.name, r.member_count, ` + publicUserCols + `,
	       lm.kind, lm.text, lm.deleted, lm.created_at,
	       (SELECT count(*) FROM message_attachments a WHERE a.room_id = lm.room_id AND a.seq = lm.seq)
	FROM invites i
	JOIN rooms r ON r.id = i.room_id
	JOIN users u ON u.id = i.inviter_id
	LEFT JOIN messages lm ON lm.room_id = (CASE WHEN r.kind = 'direct' THEN r.id END) AND lm.seq = r.last_seq
	WHERE i.state = 'pending'`

func scanInvite(row pgx.Row) (chat.Invite, error) {
	var (
		inv       chat.Invite
		at        time.Time
		kind      pgtype.Text
		text      pgtype.Text
		deleted   pgtype.Bool
		lastAt    pgtype.Timestamptz
		fileCount int
	)
	inviter, dest := scanPublicUser([]any{&inv.ID, &inv.InviteeID, &at, &inv.Room.ID, &inv.Room.Kind, &inv.Room.Name, &inv.Room.MemberCount})
	if err := row.Scan(append(dest, &kind, &text, &deleted, &lastAt, &fileCount)...); err != nil {
		return chat.Invite{}, err
	}
	inv.Inviter = inviter()
	inv.CreatedAt = fromDB(at)
	if kind.String == string(chat.Text) && !deleted.Bool {
		inv.Preview = &chat.InvitePreview{Text: text.String, Attachments: fileCount, CreatedAt: fromDB(lastAt.Time)}
	}
	return inv, nil
}

func (s *Store) Invites(ctx context.Context, invitee chat.UserID) ([]chat.Invite, error) {
	rows, err := s.pool.Query(ctx, inviteQuery+` AND i.invitee_id = $1 ORDER BY i.created_at DESC, i.id DESC`, string(invitee))
	if err != nil {
		return nil, translate(err, "invites")
	}
	out, err := pgx.AppendRows([]chat.Invite{}, rows, func(r pgx.CollectableRow) (chat.Invite, error) { return scanInvite(r) })
	return out, translate(err, "invites")
}

func (s *Store) Invite(ctx context.Context, id string) (chat.Invite, error) {
	inv, err := scanInvite(s.pool.QueryRow(ctx, inviteQuery+` AND i.id = $1`, id))
	return inv, translate(err, "invite")
}

func (s *Store) RoomInvite(ctx context.Context, room chat.RoomID, invitee chat.UserID) (chat.Invite, error) {
	inv, err := scanInvite(s.pool.QueryRow(ctx, inviteQuery+` AND i.room_id = $1 AND i.invitee_id = $2`, string(room), string(invitee)))
	return inv, translate(err, "invite")
}

func (s *Store) DeclineInvite(ctx context.Context, id string, invitee chat.UserID) (chat.InviteRef, error) {
	var r chat.InviteRef
	err := s.pool.QueryRow(ctx, `
		UPDATE invites SET state = 'declined' WHERE id = $1 AND invitee_id = $2 AND state = 'pending'
		RETURNING id, room_id, invitee_id`, id, string(invitee)).Scan(&r.ID, &r.RoomID, &r.InviteeID)
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
	if err != nil {
		return nil, translate(err, "rooms")
	}
	out, err := pgx.AppendRows([]chat.DirectoryRoom(nil), rows, func(r pgx.CollectableRow) (chat.DirectoryRoom, error) {
		var d chat.DirectoryRoom
		err := r.Scan(&d.ID, &d.Name, &d.MemberCount, &d.NameKey, &d.Member)
		return d, err
	})
	return out, translate(err, "rooms")
}

const linkCols = `id, room_id, code, created_by, created_at, expires_at, max_uses, uses`

func scanLink(row pgx.Row) (chat.Link, error) {
	var (
		l       chat.Link
		at      time.Time
		expires pgtype.Timestamptz
	)
	if err := row.Scan(&l.ID, &l.RoomID, &l.Code, &l.CreatedBy, &at, &expires, &l.MaxUses, &l.Uses); err != nil {
		return chat.Link{}, err
	}
	l.CreatedAt = fromDB(at)
	if expires.Valid {
		t := fromDB(expires.Time)
		l.ExpiresAt = &t
	}
	return l, nil
}

// CreateLink locks the room's row, so concurrent creations count one after
// the other and the cap holds.
func (s *Store) CreateLink(ctx context.Context, nl chat.NewLink, maxPerRoom int) (l chat.Link, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := scanRoom(tx.QueryRow(ctx, `SELECT `+roomCols+` FROM rooms WHERE id = $1 FOR NO KEY UPDATE`, string(nl.Room))); err != nil {
			return translate(err, "room")
		}
		now := toDB(nl.CreatedAt)
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
			t := toDB(*nl.ExpiresAt)
			expires = &t
		}
		l, err = scanLink(tx.QueryRow(ctx, `
			INSERT INTO links (id, room_id, code, created_by, created_at, expires_at, max_uses, uses)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 0) RETURNING `+linkCols,
			nl.ID, string(nl.Room), nl.Code, string(nl.CreatedBy), now, expires, nl.MaxUses))
		return translate(err, "link")
	})
	return l, err
}

func (s *Store) Links(ctx context.Context, room chat.RoomID) ([]chat.Link, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+linkCols+` FROM links WHERE room_id = $1 ORDER BY created_at DESC, id DESC`, string(room))
	if err != nil {
		return nil, translate(err, "links")
	}
	out, err := pgx.AppendRows([]chat.Link(nil), rows, func(r pgx.CollectableRow) (chat.Link, error) { return scanLink(r) })
	return out, translate(err, "links")
}

func (s *Store) LinkByCode(ctx context.Context, code string) (chat.Link, error) {
	l, err := scanLink(s.pool.QueryRow(ctx, `SELECT `+linkCols+` FROM links WHERE code = $1`, code))
	return l, translate(err, "link")
}

func (s *Store) RevokeLink(ctx context.Context, room chat.RoomID, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM links WHERE room_id = $1 AND id = $2`, string(room), id)
	return changedOne(tag, err, "link")
}
