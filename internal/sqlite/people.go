package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

func (s *Store) UpdateProfile(ctx context.Context, id chat.UserID, p chat.ProfileUpdate) (u chat.User, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		var key sql.NullString
		if p.DisplayName != nil {
			key = sql.NullString{String: chat.SearchKey(*p.DisplayName), Valid: true}
		}
		res, err := tx.ExecContext(ctx,
			`UPDATE users SET display_name = COALESCE(?, display_name), display_key = COALESCE(?, display_key),
			        status_message = COALESCE(?, status_message) WHERE id = ?`,
			nullString(p.DisplayName), key, nullString(p.StatusMessage), string(id))
		if err := changedOne(res, err, "user"); err != nil {
			return err
		}
		u, _, err = sqlrow.ScanUser(tx.QueryRowContext(ctx,
			`SELECT `+sqlrow.UserCols+` FROM users WHERE id = ?`, string(id)))
		return translate(err, "user")
	})
	return u, err
}

// searchQuery takes each branch's first matches in index order, so however
// many users share a prefix the work is bounded by the limit: two index range
// scans (username, display_key), each stopping after `limit` rows that pass
// the filters. :caller, the range [:from, :to), :limit (searchArgs).
const searchQuery = `
	SELECT ` + sqlrow.PublicUserCols + `,
	       CASE WHEN EXISTS (SELECT 1 FROM friends f WHERE f.user_id = :caller AND f.friend_id = u.id) THEN 'friend'
	            WHEN EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = :caller AND b.blocked_id = u.id) THEN 'blocked'
	            WHEN EXISTS (SELECT 1 FROM friend_requests r WHERE r.from_id = :caller AND r.to_id = u.id) THEN 'outgoing'
	            WHEN EXISTS (SELECT 1 FROM friend_requests r WHERE r.from_id = u.id AND r.to_id = :caller) THEN 'incoming'
	            ELSE 'none' END
	FROM users u
	WHERE u.id IN (
		SELECT id FROM (
			SELECT n.id FROM users n
			WHERE n.username >= :from AND n.username < :to AND n.id <> :caller
			  AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = n.id AND b.blocked_id = :caller)
			ORDER BY n.username LIMIT :limit)
		UNION
		SELECT id FROM (
			SELECT d.id FROM users d
			WHERE d.display_key >= :from AND d.display_key < :to AND d.id <> :caller
			  AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = d.id AND b.blocked_id = :caller)
			ORDER BY d.display_key LIMIT :limit))
	ORDER BY u.username LIMIT :limit`

func searchArgs(caller chat.UserID, prefix string, limit int) []any {
	to, ok := chat.PrefixEnd(prefix)
	if !ok {
		to = "\U0010FFFF\U0010FFFF" // above every key a user can have
	}
	return []any{sql.Named("caller", string(caller)), sql.Named("from", prefix), sql.Named("to", to), sql.Named("limit", limit)}
}

func (s *Store) SearchUsers(ctx context.Context, caller chat.UserID, prefix string, limit int) ([]chat.UserHit, error) {
	rows, err := s.r.QueryContext(ctx, searchQuery, searchArgs(caller, prefix, limit)...)
	return collect(rows, err, "users", sqlrow.ScanUserHit)
}

// blockedBetween reports whether either of a and b has blocked the other.
func blockedBetween(ctx context.Context, q querier, a, b chat.UserID) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx,
		`SELECT count(*) FROM blocks WHERE (blocker_id = ? AND blocked_id = ?) OR (blocker_id = ? AND blocked_id = ?)`,
		string(a), string(b), string(b), string(a)).Scan(&n)
	return n > 0, translate(err, "block")
}

func exists(ctx context.Context, q querier, what, query string, args ...any) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT EXISTS (`+query+`)`, args...).Scan(&n)
	return n == 1, translate(err, what)
}

func (s *Store) RequestFriend(ctx context.Context, from, to chat.UserID, at time.Time) (accepted bool, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		if b, err := blockedBetween(ctx, tx, from, to); err != nil {
			return err
		} else if b {
			return chat.Errorf(chat.Forbidden, "blocked")
		}
		if f, err := exists(ctx, tx, "friend", `SELECT 1 FROM friends WHERE user_id = ? AND friend_id = ?`, string(from), string(to)); err != nil {
			return err
		} else if f {
			return chat.Errorf(chat.Conflict, "already friends")
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM friend_requests WHERE from_id = ? AND to_id = ?`, string(to), string(from))
		if err != nil {
			return translate(err, "friend request")
		}
		if n, err := res.RowsAffected(); err != nil {
			return translate(err, "friend request")
		} else if n == 1 {
			accepted = true
			return befriend(ctx, tx, from, to, at)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO friend_requests (from_id, to_id, created_at) VALUES (?, ?, ?)`,
			string(from), string(to), toMS(at))
		if chat.ErrorCode(translate(err, "")) == chat.Conflict {
			return chat.Errorf(chat.Conflict, "friend request already sent")
		}
		return translate(err, "friend request")
	})
	return accepted, err
}

func befriend(ctx context.Context, tx *sql.Tx, a, b chat.UserID, at time.Time) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO friends (user_id, friend_id, since) VALUES (?, ?, ?), (?, ?, ?) ON CONFLICT DO NOTHING`,
		string(a), string(b), toMS(at), string(b), string(a), toMS(at))
	return translate(err, "friend")
}

func (s *Store) AcceptFriend(ctx context.Context, user, from chat.UserID, at time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM friend_requests WHERE from_id = ? AND to_id = ?`, string(from), string(user))
		if err := changedOne(res, err, "friend request"); err != nil {
			return err
		}
		return befriend(ctx, tx, user, from, at)
	})
}

func (s *Store) DeleteFriendRequest(ctx context.Context, from, to chat.UserID) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM friend_requests WHERE from_id = ? AND to_id = ?`, string(from), string(to))
	return changedOne(res, err, "friend request")
}

func (s *Store) RemoveFriend(ctx context.Context, a, b chat.UserID) error {
	res, err := s.w.ExecContext(ctx,
		`DELETE FROM friends WHERE (user_id = ? AND friend_id = ?) OR (user_id = ? AND friend_id = ?)`,
		string(a), string(b), string(b), string(a))
	return changedOne(res, err, "friend")
}

func (s *Store) Friends(ctx context.Context, user chat.UserID) ([]chat.Friend, error) {
	rows, err := s.r.QueryContext(ctx, sqlrow.FriendQuery+` WHERE f.user_id = ? ORDER BY u.username`, string(user))
	return collect(rows, err, "friends", sqlrow.ScanFriend)
}

func (s *Store) Friend(ctx context.Context, user, other chat.UserID) (chat.Friend, error) {
	f, err := sqlrow.ScanFriend(s.r.QueryRowContext(ctx, sqlrow.FriendQuery+` WHERE f.user_id = ? AND f.friend_id = ?`, string(user), string(other)))
	return f, translate(err, "friend")
}

func (s *Store) FriendRequests(ctx context.Context, user chat.UserID) ([]chat.FriendRequest, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT `+sqlrow.FriendRequestCols+`
		FROM friend_requests r JOIN users u ON u.id = r.from_id JOIN users t ON t.id = r.to_id
		WHERE r.from_id = ?1 OR r.to_id = ?1
		ORDER BY r.created_at, r.from_id, r.to_id`, string(user))
	return collect(rows, err, "friend requests", sqlrow.ScanFriendRequest)
}

// directRoomOf is the subquery naming the direct room of a pair, by its key.
const directRoomOf = `(SELECT id FROM rooms WHERE direct_key = ?)`

func (s *Store) Block(ctx context.Context, blocker, blocked chat.UserID, at time.Time) (sev chat.Severed, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES (?, ?, ?)`,
			string(blocker), string(blocked), toMS(at))
		if err != nil {
			return translate(err, "block")
		}
		deleted := func(query string, args ...any) (bool, error) {
			res, err := tx.ExecContext(ctx, query, args...)
			if err != nil {
				return false, translate(err, "block")
			}
			n, err := res.RowsAffected()
			return n > 0, translate(err, "block")
		}
		if sev.Friends, err = deleted(`DELETE FROM friends WHERE (user_id = ? AND friend_id = ?) OR (user_id = ? AND friend_id = ?)`,
			string(blocker), string(blocked), string(blocked), string(blocker)); err != nil {
			return err
		}
		if sev.Outgoing, err = deleted(`DELETE FROM friend_requests WHERE from_id = ? AND to_id = ?`, string(blocker), string(blocked)); err != nil {
			return err
		}
		if sev.Incoming, err = deleted(`DELETE FROM friend_requests WHERE from_id = ? AND to_id = ?`, string(blocked), string(blocker)); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx,
			`DELETE FROM invites WHERE inviter_id = ? AND invitee_id = ? AND state = 'pending' RETURNING `+sqlrow.InviteRefCols,
			string(blocked), string(blocker))
		if sev.Invites, err = collect(rows, err, "invites", sqlrow.ScanInviteRef); err != nil {
			return err
		}
		// Only a conversation the blocker is in: a request they never
		// accepted goes on looking to its opener as it did.
		_, err = tx.ExecContext(ctx, `
			UPDATE members SET blocked = 1 WHERE room_id = `+directRoomOf+` AND user_id = ?
			  AND EXISTS (SELECT 1 FROM members b WHERE b.room_id = members.room_id AND b.user_id = ?)`,
			chat.DirectKey(blocker, blocked), string(blocked), string(blocker))
		return translate(err, "member")
	})
	return sev, err
}

// markDirectBlocks flags, in a new direct room, the member whom the other has
// blocked, in the transaction that creates the room: the one writer orders it
// against every Block.
func markDirectBlocks(ctx context.Context, tx *sql.Tx, room chat.RoomID) error {
	_, err := tx.ExecContext(ctx, `
		UPDATE members SET blocked = 1 WHERE room_id = ? AND EXISTS (
			SELECT 1 FROM members o JOIN blocks b ON b.blocker_id = o.user_id
			WHERE o.room_id = members.room_id AND o.user_id <> members.user_id AND b.blocked_id = members.user_id)`,
		string(room))
	return translate(err, "member")
}

func (s *Store) Unblock(ctx context.Context, blocker, blocked chat.UserID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM blocks WHERE blocker_id = ? AND blocked_id = ?`, string(blocker), string(blocked))
		if err := changedOne(res, err, "block"); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE members SET blocked = 0 WHERE room_id = `+directRoomOf+` AND user_id = ?`,
			chat.DirectKey(blocker, blocked), string(blocked))
		return translate(err, "member")
	})
}

func (s *Store) Blocks(ctx context.Context, blocker chat.UserID) ([]chat.BlockedUser, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT `+sqlrow.PublicUserCols+`, b.created_at FROM blocks b JOIN users u ON u.id = b.blocked_id
		WHERE b.blocker_id = ? ORDER BY b.created_at DESC, u.username`, string(blocker))
	return collect(rows, err, "blocks", sqlrow.ScanBlockedUser)
}

func (s *Store) BlockedBy(ctx context.Context, user chat.UserID, among []chat.UserID) ([]chat.UserID, error) {
	if len(among) == 0 {
		return nil, nil
	}
	ids, err := json.Marshal(among)
	if err != nil {
		return nil, err
	}
	return s.userIDs(ctx, "blocks",
		`SELECT blocker_id FROM blocks WHERE blocked_id = ? AND blocker_id IN (SELECT value FROM json_each(?))`,
		string(user), string(ids))
}

func (s *Store) userIDs(ctx context.Context, what, query string, args ...any) ([]chat.UserID, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	return collect(rows, err, what, sqlrow.ScanUserID)
}

func (s *Store) Contacts(ctx context.Context, user chat.UserID) (chat.Contacts, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT friend_id, 0 FROM friends WHERE user_id = ?1
		UNION ALL SELECT blocked_id, 1 FROM blocks WHERE blocker_id = ?1
		UNION ALL SELECT blocker_id, 1 FROM blocks WHERE blocked_id = ?1`, string(user))
	return read(rows, err, "contacts", sqlrow.Contacts)
}

func (s *Store) RoomSizes(ctx context.Context, user chat.UserID) ([]chat.RoomSize, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT r.id, r.kind, r.member_count, COALESCE(pm.user_id, '')
		FROM members m
		JOIN rooms r ON r.id = m.room_id
		LEFT JOIN members pm ON pm.room_id = (CASE WHEN r.kind = 'direct' THEN r.id END) AND pm.user_id <> m.user_id
		WHERE m.user_id = ?`, string(user))
	return collect(rows, err, "rooms", sqlrow.ScanRoomSize)
}

func (s *Store) MemberIDs(ctx context.Context, room chat.RoomID) ([]chat.UserID, error) {
	return s.userIDs(ctx, "members", `SELECT user_id FROM members WHERE room_id = ?`, string(room))
}
