package client

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"

	"parley/internal/chat"
)

// The people layer's types, under the client's name.
type (
	UserHit              = chat.UserHit
	Relation             = chat.Relation
	Friend               = chat.Friend
	FriendRequest        = chat.FriendRequest
	FriendRequestLists   = chat.FriendRequestLists
	FriendRequestResult  = chat.FriendRequestResult
	FriendRequestRemoved = chat.FriendRequestRemovedData
	BlockedUser          = chat.BlockedUser
	Presence             = chat.PresenceData
	RoomPresence         = chat.RoomPresenceData
	Typing               = chat.TypingData
	MembersChange        = chat.MembersData
)

// decodePeopleEvent fills the field of ev that matches its type; unknown
// types are left as Raw only.
func decodePeopleEvent(ev *Event, data json.RawMessage) error {
	var dest any
	switch ev.Type {
	case "profile_updated":
		ev.Profile = new(User)
		dest = ev.Profile
	case "presence":
		ev.Presence = new(Presence)
		dest = ev.Presence
	case "room_presence":
		ev.RoomPresence = new(RoomPresence)
		dest = ev.RoomPresence
	case "typing":
		ev.Typing = new(Typing)
		dest = ev.Typing
	case "members":
		ev.Members = new(MembersChange)
		dest = ev.Members
	case "friend_request":
		ev.FriendRequest = new(FriendRequest)
		dest = ev.FriendRequest
	case "friend_request_removed":
		ev.RequestGone = new(FriendRequestRemoved)
		dest = ev.RequestGone
	case "friend_added":
		ev.Friend = new(Friend)
		dest = ev.Friend
	case "block_added":
		ev.Blocked = new(BlockedUser)
		dest = ev.Blocked
	case "friend_removed", "block_removed":
		var ref chat.UserRef
		if err := json.Unmarshal(data, &ref); err != nil {
			return err
		}
		ev.UserID = ref.UserID
		return nil
	default:
		return nil
	}
	return json.Unmarshal(data, dest)
}

// UpdateProfile changes the caller's display name and/or status message; nil
// leaves a field alone, "" clears the status.
func (c *Client) UpdateProfile(ctx context.Context, displayName, statusMessage *string) (User, error) {
	var u User
	return u, c.Do(ctx, "PATCH", "/api/v1/me", map[string]*string{"display_name": displayName, "status_message": statusMessage}, &u)
}

// SearchUsers finds users by username or display-name prefix; limit 0 = the
// server's default.
func (c *Client) SearchUsers(ctx context.Context, q string, limit int) ([]UserHit, error) {
	v := url.Values{"q": {q}}
	if limit != 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	var r struct{ Users []UserHit }
	return r.Users, c.Do(ctx, "GET", "/api/v1/users?"+v.Encode(), nil, &r)
}

func userPath(prefix string, id UserID, rest ...string) string {
	p := prefix + "/" + url.PathEscape(string(id))
	for _, s := range rest {
		p += s
	}
	return p
}

func (c *Client) Friends(ctx context.Context) ([]Friend, error) {
	var r struct{ Friends []Friend }
	return r.Friends, c.Do(ctx, "GET", "/api/v1/friends", nil, &r)
}

func (c *Client) RemoveFriend(ctx context.Context, id UserID) error {
	return c.Do(ctx, "DELETE", userPath("/api/v1/friends", id), nil, nil)
}

func (c *Client) FriendRequests(ctx context.Context) (FriendRequestLists, error) {
	var r FriendRequestLists
	return r, c.Do(ctx, "GET", "/api/v1/friends/requests", nil, &r)
}

// RequestFriend asks username to be friends; Status "friends" means they had
// asked first.
func (c *Client) RequestFriend(ctx context.Context, username string) (FriendRequestResult, error) {
	var r FriendRequestResult
	return r, c.Do(ctx, "POST", "/api/v1/friends/requests", map[string]string{"username": username}, &r)
}

func (c *Client) AcceptFriend(ctx context.Context, from UserID) (Friend, error) {
	var f Friend
	return f, c.Do(ctx, "POST", userPath("/api/v1/friends/requests", from, "/accept"), nil, &f)
}

func (c *Client) DeclineFriend(ctx context.Context, from UserID) error {
	return c.Do(ctx, "POST", userPath("/api/v1/friends/requests", from, "/decline"), nil, nil)
}

func (c *Client) CancelFriendRequest(ctx context.Context, to UserID) error {
	return c.Do(ctx, "DELETE", userPath("/api/v1/friends/requests", to), nil, nil)
}

func (c *Client) Blocks(ctx context.Context) ([]BlockedUser, error) {
	var r struct{ Blocks []BlockedUser }
	return r.Blocks, c.Do(ctx, "GET", "/api/v1/blocks", nil, &r)
}

func (c *Client) Block(ctx context.Context, username string) (BlockedUser, error) {
	var b BlockedUser
	return b, c.Do(ctx, "POST", "/api/v1/blocks", map[string]string{"username": username}, &b)
}

func (c *Client) Unblock(ctx context.Context, id UserID) error {
	return c.Do(ctx, "DELETE", userPath("/api/v1/blocks", id), nil, nil)
}

// SetTyping says over REST that the caller started or stopped typing in room.
func (c *Client) SetTyping(ctx context.Context, room RoomID, typing bool) error {
	return c.Do(ctx, "POST", roomPath(room, "/typing"), map[string]bool{"typing": typing}, nil)
}

// RoomPresence returns how many of the room's members are online.
func (c *Client) RoomPresence(ctx context.Context, room RoomID) (RoomPresence, error) {
	var p RoomPresence
	return p, c.Do(ctx, "GET", roomPath(room, "/presence"), nil, &p)
}

// Typing says over the live connection that the user started or stopped
// typing in room.
func (cn *Conn) Typing(ctx context.Context, room RoomID, typing bool) error {
	_, err := cn.Request(ctx, "typing", map[string]any{"room_id": room, "typing": typing})
	return err
}
