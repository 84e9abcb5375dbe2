package sqlrow

import "parley/internal/chat"

// UserCols are what ScanUser reads; MeCols what ScanMe reads.
const (
	UserCols = `id, username, display_name, created_at, password_hash, status_message, avatar_id`
	MeCols   = UserCols + `, who_may_add, storage_used`
)

// ScanUser reads UserCols: the user and their password hash.
func ScanUser(sc Scanner) (chat.User, string, error) {
	return scanUser(sc)
}

// ScanMe reads MeCols: the user with their private settings.
func ScanMe(sc Scanner) (chat.Me, error) {
	var me chat.Me
	u, _, err := scanUser(sc, &me.WhoMayAdd, &me.StorageUsed)
	if err != nil {
		return chat.Me{}, err
	}
	me.User = u
	return me, nil
}

func scanUser(sc Scanner, more ...any) (chat.User, string, error) {
	var (
		u       chat.User
		created Time
		hash    string
		avatar  NullString
	)
	dest := append([]any{&u.ID, &u.Username, &u.DisplayName, &created, &hash, &u.StatusMessage, &avatar}, more...)
	if err := sc.Scan(dest...); err != nil {
		return chat.User{}, "", err
	}
	u.CreatedAt = created.At()
	u.AvatarURL = avatarURL(avatar)
	return u, hash, nil
}

func avatarURL(id NullString) string {
	if !id.Valid {
		return ""
	}
	return chat.AttachmentURL(id.String)
}

// PublicUserCols are a user's public profile (users as u), in the order
// PublicUser reads.
const PublicUserCols = `u.id, u.username, u.display_name, u.status_message, u.created_at, u.avatar_id`

// PublicUser appends to dest the targets of PublicUserCols and returns the
// user they hold once scanned, so one row can carry several users among
// other columns.
func PublicUser(dest []any) (func() chat.User, []any) {
	var (
		u       chat.User
		created Time
		avatar  NullString
	)
	dest = append(dest, &u.ID, &u.Username, &u.DisplayName, &u.StatusMessage, &created, &avatar)
	return func() chat.User {
		u.CreatedAt = created.At()
		u.AvatarURL = avatarURL(avatar)
		return u
	}, dest
}

// ScanUserHit reads PublicUserCols and the caller's relation to the user.
func ScanUserHit(sc Scanner) (chat.UserHit, error) {
	var h chat.UserHit
	user, dest := PublicUser(nil)
	if err := sc.Scan(append(dest, &h.Relation)...); err != nil {
		return chat.UserHit{}, err
	}
	h.User = user()
	return h, nil
}

// FriendQuery selects what ScanFriend reads (friends as f).
const FriendQuery = `SELECT ` + PublicUserCols + `, f.since FROM friends f JOIN users u ON u.id = f.friend_id`

func ScanFriend(sc Scanner) (chat.Friend, error) {
	var since Time
	user, dest := PublicUser(nil)
	if err := sc.Scan(append(dest, &since)...); err != nil {
		return chat.Friend{}, err
	}
	return chat.Friend{User: user(), Since: since.At()}, nil
}

// FriendRequestCols are what ScanFriendRequest reads: the sender (u), the
// recipient (t) and the request (r).
const FriendRequestCols = PublicUserCols +
	`, t.id, t.username, t.display_name, t.status_message, t.created_at, t.avatar_id, r.created_at`

func ScanFriendRequest(sc Scanner) (chat.FriendRequest, error) {
	var at Time
	from, dest := PublicUser(nil)
	to, dest := PublicUser(dest)
	if err := sc.Scan(append(dest, &at)...); err != nil {
		return chat.FriendRequest{}, err
	}
	return chat.FriendRequest{From: from(), To: to(), CreatedAt: at.At()}, nil
}

// ScanBlockedUser reads PublicUserCols and when the block was made.
func ScanBlockedUser(sc Scanner) (chat.BlockedUser, error) {
	var at Time
	user, dest := PublicUser(nil)
	if err := sc.Scan(append(dest, &at)...); err != nil {
		return chat.BlockedUser{}, err
	}
	return chat.BlockedUser{User: user(), BlockedAt: at.At()}, nil
}

// ScanUserID reads one user id. Through a string: both drivers scan that
// without reflection.
func ScanUserID(sc Scanner) (chat.UserID, error) {
	var id string
	err := sc.Scan(&id)
	return chat.UserID(id), err
}

// Contacts reads rows of (user id, blocked): a friend, or a user blocked in
// either direction.
func Contacts(rows Rows) (chat.Contacts, error) {
	var c chat.Contacts
	for rows.Next() {
		var (
			id      string
			blocked bool
		)
		if err := rows.Scan(&id, &blocked); err != nil {
			return chat.Contacts{}, err
		}
		if blocked {
			c.Blocked = append(c.Blocked, chat.UserID(id))
		} else {
			c.Friends = append(c.Friends, chat.UserID(id))
		}
	}
	return c, rows.Err()
}

// ScanRoomSize reads a room's id, kind, member count and peer (” for none).
func ScanRoomSize(sc Scanner) (chat.RoomSize, error) {
	var (
		r              chat.RoomSize
		id, kind, peer string
	)
	if err := sc.Scan(&id, &kind, &r.Members, &peer); err != nil {
		return chat.RoomSize{}, err
	}
	r.ID, r.Kind, r.Peer = chat.RoomID(id), chat.RoomKind(kind), chat.UserID(peer)
	return r, nil
}
