package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

func (s *Store) UpdateProfile(ctx context.Context, id chat.UserID, p chat.ProfileUpdate) (chat.User, error) {
	var key *string
	if p.DisplayName != nil {
		k := chat.SearchKey(*p.DisplayName)
		key = &k
	}
	u, _, err := sqlrow.ScanUser(s.pool.QueryRow(ctx, `
		UPDATE users SET display_name = COALESCE($2, display_name), display_key = COALESCE($3, display_key),
		       status_message = COALESCE($4, status_message)
		WHERE id = $1
		RETURNING `+sqlrow.UserCols,
		string(id), p.DisplayName, key, p.StatusMessage))
	return u, translate(err, "user")
}

// searchQuery takes each branch's first matches in index order, so however
// many users share a prefix the work is bounded by the limit: two index range
// scans in byte order (users_username_prefix, users_display_key), each
// stopping after $4 rows that pass the filters. $1 caller, [$2, $3) the range.
const searchQuery = `
	SELECT ` + sqlrow.PublicUserCols + `,
	       CASE WHEN EXISTS (SELECT 1 FROM friends f WHERE f.user_id = $1 AND f.friend_id = u.id) THEN 'friend'
	            WHEN EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = $1 AND b.blocked_id = u.id) THEN 'blocked'
	            WHEN EXISTS (SELECT 1 FROM friend_requests r WHERE r.from_id = $1 AND r.to_id = u.id) THEN 'outgoing'
	            WHEN EXISTS (SELECT 1 FROM friend_requests r WHERE r.from_id = u.id AND r.to_id = $1) THEN 'incoming'
	            ELSE 'none' END
	FROM users u
	WHERE u.id IN (
		(SELECT n.id FROM users n
		 WHERE n.username COLLATE "C" >= $2 AND n.username COLLATE "C" < $3 AND n.id <> $1
		   AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = n.id AND b.blocked_id = $1)
		 ORDER BY n.username COLLATE "C" LIMIT $4)
		UNION
		(SELECT d.id FROM users d
		 WHERE d.display_key >= $2 AND d.display_key < $3 AND d.id <> $1
		   AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = d.id AND b.blocked_id = $1)
		 ORDER BY d.display_key LIMIT $4))
	ORDER BY u.username COLLATE "C" LIMIT $4`

func searchArgs(caller chat.UserID, prefix string, limit int) []any {
	to, ok := chat.PrefixEnd(prefix)
	if !ok {
		to = "\U0010FFFF\U0010FFFF" // above every key a user can have
	}
	return []any{string(caller), prefix, to, limit}
}

func (s *Store) SearchUsers(ctx context.Context, caller chat.UserID, prefix string, limit int) ([]chat.UserHit, error) {
	rows, err := s.pool.Query(ctx, searchQuery, searchArgs(caller, prefix, limit)...)
	return collect(rows, err, "users", sqlrow.ScanUserHit)
}

// lockPair serialises, for one pair of users, the transactions that must see
// each other's writes: a block and the creation of their direct room (each
// would otherwise miss the other's uncommitted row and leave the room's
// membership unmarked). Released at commit.
func lockPair(ctx context.Context, tx pgx.Tx, directKey string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, directKey)
	return translate(err, "lock")
}

func exists(ctx context.Context, q querier, what, query string, args ...any) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT EXISTS (`+query+`)`, args...).Scan(&ok)
	return ok, translate(err, what)
}

// RequestFriend locks the pair, so that a concurrent block, the reverse
// request or the same request is seen committed or waits.
func (s *Store) RequestFriend(ctx context.Context, from, to chat.UserID, at time.Time) (accepted bool, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		accepted = false
		if err := lockPair(ctx, tx, chat.DirectKey(from, to)); err != nil {
			return err
		}
		if b, err := exists(ctx, tx, "block",
			`SELECT 1 FROM blocks WHERE (blocker_id = $1 AND blocked_id = $2) OR (blocker_id = $2 AND blocked_id = $1)`,
			string(from), string(to)); err != nil {
			return err
		} else if b {
			return chat.Errorf(chat.Forbidden, "blocked")
		}
		if f, err := exists(ctx, tx, "friend", `SELECT 1 FROM friends WHERE user_id = $1 AND friend_id = $2`, string(from), string(to)); err != nil {
			return err
		} else if f {
			return chat.Errorf(chat.Conflict, "already friends")
		}
		tag, err := tx.Exec(ctx, `DELETE FROM friend_requests WHERE from_id = $1 AND to_id = $2`, string(to), string(from))
		if err != nil {
			return translate(err, "friend request")
		}
		if tag.RowsAffected() == 1 {
			accepted = true
			return befriend(ctx, tx, from, to, at)
		}
		tag, err = tx.Exec(ctx, `INSERT INTO friend_requests (from_id, to_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			string(from), string(to), sqlrow.Kept(at))
		if err != nil {
			return translate(err, "friend request")
		}
		if tag.RowsAffected() == 0 {
			return chat.Errorf(chat.Conflict, "friend request already sent")
		}
		return nil
	})
	return accepted, err
}

func befriend(ctx context.Context, tx pgx.Tx, a, b chat.UserID, at time.Time) error {
	_, err := tx.Exec(ctx,
		`INSERT INTO friends (user_id, friend_id, since) VALUES ($1, $2, $3), ($2, $1, $3) ON CONFLICT DO NOTHING`,
		string(a), string(b), sqlrow.Kept(at))
	return translate(err, "friend")
}

// AcceptFriend locks the pair like Block, so a block cannot slip between
// the request's deletion and the friendship's insertion.
func (s *Store) AcceptFriend(ctx context.Context, user, from chat.UserID, at time.Time) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockPair(ctx, tx, chat.DirectKey(user, from)); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM friend_requests WHERE from_id = $1 AND to_id = $2`, string(from), string(user))
		if err := changedOne(tag, err, "friend request"); err != nil {
			return err
		}
		return befriend(ctx, tx, user, from, at)
	})
}

func (s *Store) DeleteFriendRequest(ctx context.Context, from, to chat.UserID) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM friend_requests WHERE from_id = $1 AND to_id = $2`, string(from), string(to))
	return changedOne(tag, err, "friend request")
}

func (s *Store) RemoveFriend(ctx context.Context, a, b chat.UserID) error {
	tag, err := s.pool.Exec(ctx,
		`DELETE FROM friends WHERE (user_id = $1 AND friend_id = $2) OR (user_id = $2 AND friend_id = $1)`,
		string(a), string(b))
	return changedOne(tag, err, "friend")
}

func (s *Store) Friends(ctx context.Context, user chat.UserID) ([]chat.Friend, error) {
	rows, err := s.pool.Query(ctx, sqlrow.FriendQuery+` WHERE f.user_id = $1 ORDER BY u.username COLLATE "C"`, string(user))
	return collect(rows, err, "friends", sqlrow.ScanFriend)
}

func (s *Store) Friend(ctx context.Context, user, other chat.UserID) (chat.Friend, error) {
	f, err := sqlrow.ScanFriend(s.pool.QueryRow(ctx, sqlrow.FriendQuery+` WHERE f.user_id = $1 AND f.friend_id = $2`, string(user), string(other)))
	return f, translate(err, "friend")
}

func (s *Store) FriendRequests(ctx context.Context, user chat.UserID) ([]chat.FriendRequest, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT `+sqlrow.FriendRequestCols+`
		FROM friend_requests r JOIN users u ON u.id = r.from_id JOIN users t ON t.id = r.to_id
		WHERE r.from_id = $1 OR r.to_id = $1
		ORDER BY r.created_at, r.from_id, r.to_id`, string(user))
	return collect(rows, err, "friend requests", sqlrow.ScanFriendRequest)
}

func (s *Store) Block(ctx context.Context, blocker, blocked chat.UserID, at time.Time) (sev chat.Severed, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		sev = chat.Severed{}
		key := chat.DirectKey(blocker, blocked)
		if err := lockPair(ctx, tx, key); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			string(blocker), string(blocked), sqlrow.Kept(at))
		if err != nil {
			return translate(err, "block")
		}
		if tag.RowsAffected() == 0 {
			return chat.Errorf(chat.Conflict, "block already exists")
		}
		deleted := func(query string, args ...any) (bool, error) {
			tag, err := tx.Exec(ctx, query, args...)
			return tag.RowsAffected() > 0, translate(err, "block")
		}
		if sev.Friends, err = deleted(`DELETE FROM friends WHERE (user_id = $1 AND friend_id = $2) OR (user_id = $2 AND friend_id = $1)`,
			string(blocker), string(blocked)); err != nil {
			return err
		}
		if sev.Outgoing, err = deleted(`DELETE FROM friend_requests WHERE from_id = $1 AND to_id = $2`, string(blocker), string(blocked)); err != nil {
			return err
		}
		if sev.Incoming, err = deleted(`DELETE FROM friend_requests WHERE from_id = $1 AND to_id = $2`, string(blocked), string(blocker)); err != nil {
			return err
		}
		rows, err := tx.Query(ctx,
			`DELETE FROM invites WHERE inviter_id = $1 AND invitee_id = $2 AND state = 'pending' RETURNING `+sqlrow.InviteRefCols,
			string(blocked), string(blocker))
		if sev.Invites, err = collect(rows, err, "invites", sqlrow.ScanInviteRef); err != nil {
			return err
		}
		// Only a conversation the blocker is in: a request they never
		// accepted goes on looking to its opener as it did. The pair's lock
		// orders this against the blocker joining it (AddMembers).
		_, err = tx.Exec(ctx, `UPDATE members SET blocked = true
			WHERE room_id = (SELECT id FROM rooms WHERE direct_key = $1) AND user_id = $2
			  AND EXISTS (SELECT 1 FROM members b WHERE b.room_id = members.room_id AND b.user_id = $3)`,
			key, string(blocked), string(blocker))
		return translate(err, "member")
	})
	return sev, err
}

// markDirectBlocks flags, in a new direct room, the member whom the other has
// blocked; the caller holds the pair's lock (lockPair), so no block of the
// two can be committing unseen.
func markDirectBlocks(ctx context.Context, tx pgx.Tx, room chat.RoomID) error {
	_, err := tx.Exec(ctx, `
		UPDATE members m SET blocked = true WHERE m.room_id = $1 AND EXISTS (
			SELECT 1 FROM members o JOIN blocks b ON b.blocker_id = o.user_id
			WHERE o.room_id = m.room_id AND o.user_id <> m.user_id AND b.blocked_id = m.user_id)`,
		string(room))
	return translate(err, "member")
}

func (s *Store) Unblock(ctx context.Context, blocker, blocked chat.UserID) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		key := chat.DirectKey(blocker, blocked)
		if err := lockPair(ctx, tx, key); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2`, string(blocker), string(blocked))
		if err := changedOne(tag, err, "block"); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE members SET blocked = false
			WHERE room_id = (SELECT id FROM rooms WHERE direct_key = $1) AND user_id = $2`, key, string(blocked))
		return translate(err, "member")
	})
}

func (s *Store) Blocks(ctx context.Context, blocker chat.UserID) ([]chat.BlockedUser, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT `+sqlrow.PublicUserCols+`, b.created_at FROM blocks b JOIN users u ON u.id = b.blocked_id
		WHERE b.blocker_id = $1 ORDER BY b.created_at DESC, u.username COLLATE "C"`, string(blocker))
	return collect(rows, err, "blocks", sqlrow.ScanBlockedUser)
}

func (s *Store) BlockedBy(ctx context.Context, user chat.UserID, among []chat.UserID) ([]chat.UserID, error) {
	if len(among) == 0 {
		return nil, nil
	}
	ids := make([]string, len(among))
	for i, u := range among {
		ids[i] = string(u)
	}
	return s.userIDs(ctx, "blocks", `SELECT blocker_id FROM blocks WHERE blocked_id = $1 AND blocker_id = ANY($2)`, string(user), ids)
}

func (s *Store) userIDs(ctx context.Context, what, query string, args ...any) ([]chat.UserID, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	return collect(rows, err, what, sqlrow.ScanUserID)
}

func (s *Store) Contacts(ctx context.Context, user chat.UserID) (chat.Contacts, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT friend_id, false FROM friends WHERE user_id = $1
		UNION ALL SELECT blocked_id, true FROM blocks WHERE blocker_id = $1
		UNION ALL SELECT blocker_id, true FROM blocks WHERE blocked_id = $1`, string(user))
	return read(rows, err, "contacts", sqlrow.Contacts)
}

func (s *Store) RoomSizes(ctx context.Context, user chat.UserID) ([]chat.RoomSize, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT r.id, r.kind, r.member_count, COALESCE(pm.user_id, '')
		FROM members m
		JOIN rooms r ON r.id = m.room_id
		LEFT JOIN members pm ON pm.room_id = (CASE WHEN r.kind = 'direct' THEN r.id END) AND pm.user_id <> m.user_id
		WHERE m.user_id = $1`, string(user))
	return collect(rows, err, "rooms", sqlrow.ScanRoomSize)
}

func (s *Store) MemberIDs(ctx context.Context, room chat.RoomID) ([]chat.UserID, error) {
	return s.userIDs(ctx, "members", `SELECT user_id FROM members WHERE room_id = $1`, string(room))
}
