package postgres

import (
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

func (s *Store) Member(ctx context.Context, room chat.RoomID, user chat.UserID) (chat.Member, error) {
	m, err := sqlrow.ScanMember(s.pool.QueryRow(ctx,
		sqlrow.MemberQuery+` WHERE m.room_id = $1 AND m.user_id = $2`, string(room), string(user)))
	return m, translate(err, "member")
}

// Members lists a room's members in the order they joined.
func (s *Store) Members(ctx context.Context, room chat.RoomID) ([]chat.Member, error) {
	rows, err := s.pool.Query(ctx,
		sqlrow.MemberQuery+` WHERE m.room_id = $1 ORDER BY m.joined_at, m.user_id`, string(room))
	return collect(rows, err, "members", sqlrow.ScanMember)
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
// announcing them: what came before is history, not unread. Its checks hold
// across nodes because of its locks, taken in the order every writer keeps:
// the room's row first (its member count, its visibility, a link of it),
// then, for a direct room, the pair's lock (against a block being made),
// then each user's quota lock in id order.
func (s *Store) AddMembers(ctx context.Context, a chat.Admission) (done chat.Admitted, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		done = chat.Admitted{}
		room, err := sqlrow.ScanRoom(tx.QueryRow(ctx, `SELECT `+sqlrow.RoomCols+` FROM rooms WHERE id = $1 FOR NO KEY UPDATE`, string(a.Room)))
		if err != nil {
			return translate(err, "room")
		}
		switch {
		case a.PublicOnly:
			if room.Visibility != chat.Public {
				return sqlrow.NotFound("room")
			}
		case a.Invite != "":
			tag, err := tx.Exec(ctx,
				`DELETE FROM invites WHERE id = $1 AND room_id = $2 AND invitee_id = $3 AND state = 'pending'`,
				a.Invite, string(a.Room), string(a.Users[0]))
			if err := changedOne(tag, err, "invite"); err != nil {
				return err
			}
			done.Invites = append(done.Invites, chat.InviteRef{ID: a.Invite, RoomID: a.Room, InviteeID: a.Users[0]})
		case a.LinkCode != "":
			// Reserve a use: the row lock makes concurrent reservations take
			// turns, each re-checking the condition on the row as the one
			// before left it; a failure below rolls the use back.
			tag, err := tx.Exec(ctx, `
				UPDATE links SET uses = uses + 1
				WHERE code = $1 AND room_id = $2 AND (max_uses = 0 OR uses < max_uses)
				  AND (expires_at IS NULL OR expires_at > $3)`,
				a.LinkCode, string(a.Room), sqlrow.Kept(a.Message.CreatedAt))
			if err := changedOne(tag, err, "link"); err != nil {
				return err
			}
		}
		if room.Kind == chat.Direct {
			if err := lockPair(ctx, tx, room.DirectKey); err != nil {
				return err
			}
		}
		ids := make([]string, len(a.Users))
		for i, u := range a.Users {
			ids[i] = string(u)
		}
		rows, err := tx.Query(ctx, `
			SELECT DISTINCT u FROM unnest($2::text[]) AS u
			WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.room_id = $1 AND m.user_id = u)`, string(a.Room), ids)
		fresh, err := collect(rows, err, "members", sqlrow.ScanUserID)
		if err != nil {
			return err
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
		if done.Message, _, err = appendMessage(ctx, tx, m); err != nil {
			return err
		}
		roles := make([]chat.Role, len(fresh))
		for i := range roles {
			roles[i] = chat.RoleMember
		}
		n, err := addMembers(ctx, tx, a.Room, fresh, roles, done.Message.Seq, done.Message.CreatedAt.Time)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE rooms SET member_count = member_count + $2 WHERE id = $1`, string(a.Room), n); err != nil {
			return translate(err, "room")
		}
		// Their invites to this room are moot now; pending ones leave their devices.
		freshIDs := make([]string, len(fresh))
		for i, u := range fresh {
			freshIDs[i] = string(u)
		}
		rows, err = tx.Query(ctx, `
			DELETE FROM invites WHERE room_id = $1 AND invitee_id = ANY($2::text[])
			RETURNING `+sqlrow.InviteRefCols+`, state = 'pending'`, string(a.Room), freshIDs)
		if err != nil {
			return translate(err, "invites")
		}
		moot, err := sqlrow.PendingRefs(rows)
		rows.Close()
		if err != nil {
			return translate(err, "invites")
		}
		done.Invites = append(done.Invites, moot...)
		if room.Kind == chat.Direct {
			return markDirectBlocks(ctx, tx, a.Room)
		}
		return nil
	})
	return done, err
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
		return sqlrow.NotFound(what)
	}
	return nil
}

// checkQuota refuses, with ErrRoomQuota, when one of users is in max rooms
// already (max 0: no check). Each user's quota lock, taken in id order and
// held to commit, makes the count and the insert that follows one step for
// every transaction adding that user to any room, on any node.
func checkQuota(ctx context.Context, tx pgx.Tx, users []chat.UserID, max int) error {
	if max <= 0 {
		return nil
	}
	sorted := slices.Clone(users)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	for _, u := range sorted {
		if err := lockUser(ctx, tx, u); err != nil {
			return err
		}
	}
	// Counted once every lock is held: one query for the batch.
	var full bool
	err := tx.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM members WHERE user_id = ANY($1::text[]) GROUP BY user_id HAVING count(*) >= $2)`,
		idStrings(sorted), max).Scan(&full)
	if err != nil {
		return translate(err, "rooms")
	}
	if full {
		return chat.Wrap(chat.Forbidden, chat.ErrRoomQuota, "room quota reached")
	}
	return nil
}

// lockUser serialises, for one user, the transactions that count what the
// user holds before adding to it: rooms joined (the quota) and pending
// invites (their cap). Released at commit.
func lockUser(ctx context.Context, tx pgx.Tx, u chat.UserID) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('parley.user.' || $1, 0))`, string(u))
	return translate(err, "lock")
}
