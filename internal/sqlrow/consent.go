package sqlrow

import (
	"slices"

	"parley/internal/chat"
)

// InviteRefCols are what ScanInviteRef reads (invites).
const InviteRefCols = `id, room_id, invitee_id`

func ScanInviteRef(sc Scanner) (chat.InviteRef, error) {
	var r chat.InviteRef
	err := sc.Scan(&r.ID, &r.RoomID, &r.InviteeID)
	return r, err
}

// InviteQuery selects what ScanInvite reads: pending invites with their
// room, their inviter and, for a direct room, its last message (by the
// room's last_seq: a request's room has only the opener's messages).
const InviteQuery = `
	SELECT i.id, i.invitee_id, i.created_at, r.id, r.kind, r.name, r.member_count, ` + PublicUserCols + `,
	       lm.kind, lm.text, lm.deleted, lm.created_at,
	       (SELECT count(*) FROM message_attachments a WHERE a.room_id = lm.room_id AND a.seq = lm.seq)
	FROM invites i
	JOIN rooms r ON r.id = i.room_id
	JOIN users u ON u.id = i.inviter_id
	LEFT JOIN messages lm ON lm.room_id = (CASE WHEN r.kind = 'direct' THEN r.id END) AND lm.seq = r.last_seq
	WHERE i.state = 'pending'`

func ScanInvite(sc Scanner) (chat.Invite, error) {
	var (
		inv        chat.Invite
		at, lastAt Time
		kind, text NullString
		deleted    NullBool
		fileCount  int
	)
	inviter, dest := PublicUser([]any{&inv.ID, &inv.InviteeID, &at, &inv.Room.ID, &inv.Room.Kind, &inv.Room.Name, &inv.Room.MemberCount})
	if err := sc.Scan(append(dest, &kind, &text, &deleted, &lastAt, &fileCount)...); err != nil {
		return chat.Invite{}, err
	}
	inv.Inviter = inviter()
	inv.CreatedAt = at.At()
	if kind.String == string(chat.Text) && !deleted.Bool {
		inv.Preview = &chat.InvitePreview{Text: text.String, Attachments: fileCount, CreatedAt: lastAt.At()}
	}
	return inv, nil
}

// Consents reads rows of (invitee id, who_may_add, friend, blocks inviter,
// blocks member) into a map by invitee.
func Consents(rows Rows, n int) (map[chat.UserID]chat.Consent, error) {
	out := make(map[chat.UserID]chat.Consent, n)
	for rows.Next() {
		var (
			id string
			c  chat.Consent
		)
		if err := rows.Scan(&id, &c.Policy, &c.Friend, &c.BlocksInviter, &c.BlocksMember); err != nil {
			return nil, err
		}
		out[chat.UserID(id)] = c
	}
	return out, rows.Err()
}

// ScanDirectoryRoom reads a public room's id, name, member count, name key
// and whether the viewer is a member.
func ScanDirectoryRoom(sc Scanner) (chat.DirectoryRoom, error) {
	var d chat.DirectoryRoom
	err := sc.Scan(&d.ID, &d.Name, &d.MemberCount, &d.NameKey, &d.Member)
	return d, err
}

// LinkCols are what ScanLink reads, and a link's insert.
const LinkCols = `id, room_id, code, created_by, created_at, expires_at, max_uses, uses`

func ScanLink(sc Scanner) (chat.Link, error) {
	var (
		l           chat.Link
		at, expires Time
	)
	if err := sc.Scan(&l.ID, &l.RoomID, &l.Code, &l.CreatedBy, &at, &expires, &l.MaxUses, &l.Uses); err != nil {
		return chat.Link{}, err
	}
	l.CreatedAt, l.ExpiresAt = at.At(), expires.Ptr()
	return l, nil
}

// PendingRefs reads rows of InviteRefCols and whether the invite was
// pending, and returns the refs of those that were.
func PendingRefs(rows Rows) ([]chat.InviteRef, error) {
	var out []chat.InviteRef
	for rows.Next() {
		var (
			r       chat.InviteRef
			pending bool
		)
		if err := rows.Scan(&r.ID, &r.RoomID, &r.InviteeID, &pending); err != nil {
			return nil, err
		}
		if pending {
			out = append(out, r)
		}
	}
	return out, rows.Err()
}

// Capped is what a batch of invites comes to once each invitee's cap has
// dropped their oldest pending invites: the batch's added invites that
// stayed, and the dropped ones that came before the batch (the batch's own
// were never announced).
func Capped(batch, added []chat.NewInvite, dropped []chat.InviteRef) ([]chat.NewInvite, []chat.InviteRef) {
	added = slices.DeleteFunc(added, func(inv chat.NewInvite) bool {
		return slices.ContainsFunc(dropped, func(r chat.InviteRef) bool { return r.ID == inv.ID })
	})
	dropped = slices.DeleteFunc(dropped, func(r chat.InviteRef) bool {
		return slices.ContainsFunc(batch, func(inv chat.NewInvite) bool { return inv.ID == r.ID })
	})
	return added, dropped
}
