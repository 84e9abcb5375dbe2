package sqlite

import (
	"context"
	"database/sql"

	"parley/internal/chat"
)

const memberQuery = `
	SELECT m.room_id, m.user_id, u.username, u.display_name, m.role, m.last_read_seq, m.joined_at,
	       u.status_message, m.blocked, u.avatar_id
	FROM members m JOIN users u ON u.id = m.user_id`

func (s *Store) Member(ctx context.Context, room chat.RoomID, user chat.UserID) (chat.Member, error) {
	m, err := scanMember(s.member.QueryRowContext(ctx, string(room), string(user)))
	return m, translate(err, "member")
}

// Members lists a room's members in the order they joined.
func (s *Store) Members(ctx context.Context, room chat.RoomID) ([]chat.Member, error) {
	rows, err := s.r.QueryContext(ctx,
		memberQuery+` WHERE m.room_id = ? ORDER BY m.joined_at, m.user_id`, string(room))
	return collect(rows, err, "members", scanMember)
}

func scanMember(sc scanner) (chat.Member, error) {
	var (
		m      chat.Member
		joined int64
		avatar sql.NullString
	)
	if err := sc.Scan(&m.RoomID, &m.UserID, &m.Username, &m.DisplayName, &m.Role, &m.LastReadSeq, &joined,
		&m.StatusMessage, &m.Blocked, &avatar); err != nil {
		return chat.Member{}, err
	}
	m.JoinedAt = fromMS(joined)
	if avatar.Valid {
		m.AvatarURL = chat.AttachmentURL(avatar.String)
	}
	return m, nil
}

// addMember inserts a membership unless it exists; it does not touch
// rooms.member_count, which the caller settles once for the batch.
func addMember(ctx context.Context, tx *sql.Tx, room chat.RoomID, user chat.UserID, role chat.Role, readSeq, joinedMS int64) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO members (room_id, user_id, role, last_read_seq, joined_at) VALUES (?, ?, ?, ?, ?)
		 ON CONFLICT (room_id, user_id) DO NOTHING`,
		string(room), string(user), string(role), readSeq, joinedMS)
	return translate(err, "member")
}

// AddMembers starts each new member's read position at the system message
// announcing them: what came before is history, not unread.
func (s *Store) AddMembers(ctx context.Context, room chat.RoomID, users []chat.UserID, m chat.NewMessage) (msg chat.Message, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		m.RoomID = room
		if msg, _, err = s.appendMessage(ctx, tx, m); err != nil {
			return err
		}
		joined := toMS(msg.CreatedAt)
		for _, u := range users {
			if err := addMember(ctx, tx, room, u, chat.RoleMember, msg.Seq, joined); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx,
			`UPDATE rooms SET member_count = (SELECT count(*) FROM members WHERE room_id = ?) WHERE id = ?`,
			string(room), string(room))
		return translate(err, "room")
	})
	return msg, err
}

// RemoveMember returns NotFound, and appends nothing, when user is not a member.
func (s *Store) RemoveMember(ctx context.Context, room chat.RoomID, user chat.UserID, m chat.NewMessage) (msg chat.Message, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM members WHERE room_id = ? AND user_id = ?`, string(room), string(user))
		if err := changedOne(res, err, "member"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx,
			`UPDATE rooms SET member_count = member_count - 1 WHERE id = ?`, string(room)); err != nil {
			return translate(err, "room")
		}
		m.RoomID = room
		msg, _, err = s.appendMessage(ctx, tx, m)
		return err
	})
	return msg, err
}

func (s *Store) SetRole(ctx context.Context, room chat.RoomID, user chat.UserID, role chat.Role, m chat.NewMessage) (msg chat.Message, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE members SET role = ? WHERE room_id = ? AND user_id = ?`, string(role), string(room), string(user))
		if err := changedOne(res, err, "member"); err != nil {
			return err
		}
		m.RoomID = room
		msg, _, err = s.appendMessage(ctx, tx, m)
		return err
	})
	return msg, err
}

// changedOne turns "the statement matched no row" into NotFound.
func changedOne(res sql.Result, err error, what string) error {
	if err != nil {
		return translate(err, what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return translate(err, what)
	}
	if n == 0 {
		return notFound(what)
	}
	return nil
}
