package sqlite

import (
	"context"
	"database/sql"
	"slices"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

func (s *Store) Member(ctx context.Context, room chat.RoomID, user chat.UserID) (chat.Member, error) {
	m, err := sqlrow.ScanMember(s.member.QueryRowContext(ctx, string(room), string(user)))
	return m, translate(err, "member")
}

// Members lists a room's members in the order they joined.
func (s *Store) Members(ctx context.Context, room chat.RoomID) ([]chat.Member, error) {
	rows, err := s.r.QueryContext(ctx,
		sqlrow.MemberQuery+` WHERE m.room_id = ? ORDER BY m.joined_at, m.user_id`, string(room))
	return collect(rows, err, "members", sqlrow.ScanMember)
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
// announcing them: what came before is history, not unread. The one writer
// makes every check here exact: nothing else writes between them and the
// inserts.
func (s *Store) AddMembers(ctx context.Context, a chat.Admission) (done chat.Admitted, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		room, err := roomByID(ctx, tx, a.Room)
		if err != nil {
			return err
		}
		at := toMS(a.Message.CreatedAt)
		switch {
		case a.PublicOnly:
			if room.Visibility != chat.Public {
				return sqlrow.NotFound("room")
			}
		case a.Invite != "":
			res, err := tx.ExecContext(ctx,
				`DELETE FROM invites WHERE id = ? AND room_id = ? AND invitee_id = ? AND state = 'pending'`,
				a.Invite, string(a.Room), string(a.Users[0]))
			if err := changedOne(res, err, "invite"); err != nil {
				return err
			}
			done.Invites = append(done.Invites, chat.InviteRef{ID: a.Invite, RoomID: a.Room, InviteeID: a.Users[0]})
		case a.LinkCode != "":
			// Reserve a use: the condition and the increment are one
			// statement, and a failure below rolls the use back.
			res, err := tx.ExecContext(ctx, `
				UPDATE links SET uses = uses + 1
				WHERE code = ? AND room_id = ? AND (max_uses = 0 OR uses < max_uses)
				  AND (expires_at IS NULL OR expires_at > ?)`,
				a.LinkCode, string(a.Room), at)
			if err := changedOne(res, err, "link"); err != nil {
				return err
			}
		}
		// One statement per step for the whole batch: this transaction
		// holds the one writer, which every send in every room waits for.
		rows, err := tx.QueryContext(ctx,
			`SELECT user_id FROM members WHERE room_id = ? AND user_id IN (SELECT value FROM json_each(?))`,
			string(a.Room), jsonIDs(a.Users))
		members, err := collect(rows, err, "members", sqlrow.ScanUserID)
		if err != nil {
			return err
		}
		fresh := make([]chat.UserID, 0, len(a.Users))
		for _, u := range a.Users {
			if !slices.Contains(members, u) && !slices.Contains(fresh, u) {
				fresh = append(fresh, u)
			}
		}
		if len(fresh) == 0 {
			return chat.Errorf(chat.Conflict, "already a member")
		}
		if a.MaxMembers > 0 && room.MemberCount+len(fresh) > a.MaxMembers {
			return chat.Wrap(chat.Forbidden, chat.ErrRoomFull, "the room is full")
		}
		if err := checkQuota(ctx, tx, fresh, a.MaxRooms); err != nil {
			return err
		}
		m := a.Message
		m.RoomID = a.Room
		if done.Message, _, err = s.appendMessage(ctx, tx, m); err != nil {
			return err
		}
		joined := toMS(done.Message.CreatedAt.Time)
		for _, u := range fresh {
			if err := addMember(ctx, tx, a.Room, u, chat.RoleMember, done.Message.Seq, joined); err != nil {
				return err
			}
		}
		// Their invites to this room are moot now; pending ones leave their devices.
		rows, err = tx.QueryContext(ctx, `
			DELETE FROM invites WHERE room_id = ? AND invitee_id IN (SELECT value FROM json_each(?))
			RETURNING `+sqlrow.InviteRefCols+`, state = 'pending'`, string(a.Room), jsonIDs(fresh))
		if err != nil {
			return translate(err, "invites")
		}
		moot, err := sqlrow.PendingRefs(rows)
		rows.Close()
		if err != nil {
			return translate(err, "invites")
		}
		for _, ref := range moot {
			if ref.ID != a.Invite {
				done.Invites = append(done.Invites, ref)
			}
		}
		if _, err := tx.ExecContext(ctx,
			`UPDATE rooms SET member_count = (SELECT count(*) FROM members WHERE room_id = ?) WHERE id = ?`,
			string(a.Room), string(a.Room)); err != nil {
			return translate(err, "room")
		}
		if room.Kind == chat.Direct {
			return markDirectBlocks(ctx, tx, a.Room)
		}
		return nil
	})
	return done, err
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
		return sqlrow.NotFound(what)
	}
	return nil
}

// checkQuota refuses, with ErrRoomQuota, when one of users is in max rooms
// already (max 0: no check). Run in the write transaction before the
// inserts, it is exact: the one writer lets no join in between. One query
// for the batch, each user's count a range of members_user.
func checkQuota(ctx context.Context, tx *sql.Tx, users []chat.UserID, max int) error {
	if max <= 0 {
		return nil
	}
	full, err := exists(ctx, tx, "rooms", `
		SELECT 1 FROM members WHERE user_id IN (SELECT value FROM json_each(?))
		GROUP BY user_id HAVING count(*) >= ?`, jsonIDs(users), max)
	if err != nil {
		return err
	}
	if full {
		return chat.Wrap(chat.Forbidden, chat.ErrRoomQuota, "room quota reached")
	}
	return nil
}
