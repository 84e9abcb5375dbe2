package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"parley/internal/chat"
)

const memberQuery = `
	SELECT m.room_id, m.user_id, u.username, u.display_name, m.role, m.last_read_seq, m.joined_at,
	       u.status_message, m.blocked, u.avatar_id
	FROM members m JOIN users u ON u.id = m.user_id`

func (s *Store) Member(ctx context.Context, room chat.RoomID, user chat.UserID) (chat.Member, error) {
	m, err := scanMember(s.pool.QueryRow(ctx,
		memberQuery+` WHERE m.room_id = $1 AND m.user_id = $2`, string(room), string(user)))
	return m, translate(err, "member")
}

// Members lists a room's members in the order they joined.
func (s *Store) Members(ctx context.Context, room chat.RoomID) ([]chat.Member, error) {
	rows, err := s.pool.Query(ctx,
		memberQuery+` WHERE m.room_id = $1 ORDER BY m.joined_at, m.user_id`, string(room))
	if err != nil {
		return nil, translate(err, "members")
	}
	out, err := pgx.AppendRows([]chat.Member(nil), rows, func(r pgx.CollectableRow) (chat.Member, error) { return scanMember(r) })
	return out, translate(err, "members")
}

func scanMember(row pgx.Row) (chat.Member, error) {
	var (
		m      chat.Member
		joined time.Time
		avatar pgtype.Text
	)
	if err := row.Scan(&m.RoomID, &m.UserID, &m.Username, &m.DisplayName, &m.Role, &m.LastReadSeq, &joined,
		&m.StatusMessage, &m.Blocked, &avatar); err != nil {
		return chat.Member{}, err
	}
	m.JoinedAt = fromDB(joined)
	if avatar.Valid {
		m.AvatarURL = chat.AttachmentURL(avatar.String)
	}
	return m, nil
}

// addMembers inserts the memberships that do not exist yet, users[i] with
// roles[i], in one statement, and returns how many it inserted. A user being
// added by a concurrent transaction is waited for and then skipped, so the
// count is exact for rooms.member_count, which the caller settles.
func addMembers(ctx context.Context, tx pgx.Tx, room chat.RoomID, users []chat.UserID, roles []chat.Role, readSeq int64, joined time.Time) (int64, error) {
	ids := make([]string, len(users))
	rs := make([]string, len(roles))
	for i := range users {
		ids[i], rs[i] = string(users[i]), string(roles[i])
	}
	tag, err := tx.Exec(ctx,
		`INSERT INTO members (room_id, user_id, role, last_read_seq, joined_at)
		 SELECT $1, u.user_id, u.role, $4, $5 FROM unnest($2::text[], $3::text[]) AS u (user_id, role)
		 ON CONFLICT (room_id, user_id) DO NOTHING`,
		string(room), ids, rs, readSeq, joined)
	if err != nil {
		return 0, translate(err, "member")
	}
	return tag.RowsAffected(), nil
}

// AddMembers starts each new member's read position at the system message
// announcing them: what came before is history, not unread.
func (s *Store) AddMembers(ctx context.Context, room chat.RoomID, users []chat.UserID, m chat.NewMessage) (msg chat.Message, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		m.RoomID = room
		if msg, _, err = appendMessage(ctx, tx, m); err != nil {
			return err
		}
		roles := make([]chat.Role, len(users))
		for i := range roles {
			roles[i] = chat.RoleMember
		}
		n, err := addMembers(ctx, tx, room, users, roles, msg.Seq, msg.CreatedAt)
		if err != nil || n == 0 {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE rooms SET member_count = member_count + $2 WHERE id = $1`, string(room), n)
		return translate(err, "room")
	})
	return msg, err
}

// RemoveMember returns NotFound, and appends nothing, when user is not a
// member: the message goes in first (so the room's row is locked before the
// member's, the order every writer keeps) and the rollback takes it back,
// seq included.
func (s *Store) RemoveMember(ctx context.Context, room chat.RoomID, user chat.UserID, m chat.NewMessage) (msg chat.Message, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		m.RoomID = room
		if msg, _, err = appendMessage(ctx, tx, m); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM members WHERE room_id = $1 AND user_id = $2`, string(room), string(user))
		if err := changedOne(tag, err, "member"); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE rooms SET member_count = member_count - 1 WHERE id = $1`, string(room))
		return translate(err, "room")
	})
	return msg, err
}

// SetRole returns NotFound, and appends nothing, for a non-member, in the
// same way as RemoveMember.
func (s *Store) SetRole(ctx context.Context, room chat.RoomID, user chat.UserID, role chat.Role, m chat.NewMessage) (msg chat.Message, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		m.RoomID = room
		if msg, _, err = appendMessage(ctx, tx, m); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx,
			`UPDATE members SET role = $3 WHERE room_id = $1 AND user_id = $2`, string(room), string(user), string(role))
		return changedOne(tag, err, "member")
	})
	return msg, err
}

// changedOne turns "the statement matched no row" into NotFound.
func changedOne(tag pgconn.CommandTag, err error, what string) error {
	if err != nil {
		return translate(err, what)
	}
	if tag.RowsAffected() == 0 {
		return notFound(what)
	}
	return nil
}
