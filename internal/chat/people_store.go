package chat

import (
	"context"
	"time"
)

// PeopleStore is the durable half of the people layer: profiles, user
// search, friends and blocks, and the lists that say who hears about a user's
// presence and profile changes. Both stores pass internal/storetest.
//
// Friendships are symmetric and kept as two rows (one per side); a friend
// request is directed, from → to. Blocks are directed: blocker → blocked.
type PeopleStore interface {
	// UpdateProfile applies the non-nil fields and returns the user after the
	// change; NotFound for an unknown user.
	UpdateProfile(ctx context.Context, id UserID, p ProfileUpdate) (User, error)
	// SearchUsers returns up to limit users whose username or SearchKey'd
	// display name starts with prefix (already SearchKey'd by the caller),
	// ordered by username. It leaves out the caller and every user who
	// blocked the caller, and says how each hit relates to the caller.
	SearchUsers(ctx context.Context, caller UserID, prefix string, limit int) ([]UserHit, error)

	// RequestFriend records a request from → to, or, when to had already
	// asked from, makes them friends at once (accepted = true). Conflict when
	// they are friends already or the same request is pending; Forbidden when
	// either has blocked the other. The check and the write are one
	// transaction, so a block and a request cannot cross.
	RequestFriend(ctx context.Context, from, to UserID, at time.Time) (accepted bool, err error)
	// AcceptFriend turns the pending request from → user into a friendship;
	// NotFound when there is no such request.
	AcceptFriend(ctx context.Context, user, from UserID, at time.Time) error
	// DeleteFriendRequest removes the pending request from → to (declined by
	// to, or cancelled by from); NotFound when there is none.
	DeleteFriendRequest(ctx context.Context, from, to UserID) error
	// RemoveFriend ends the friendship of a and b; NotFound if there is none.
	RemoveFriend(ctx context.Context, a, b UserID) error
	// Friends lists user's friends ordered by username (presence not filled).
	Friends(ctx context.Context, user UserID) ([]Friend, error)
	// Friend returns user's friend other; NotFound if they are not friends.
	Friend(ctx context.Context, user, other UserID) (Friend, error)
	// FriendRequests lists the pending requests to and from user, oldest first.
	FriendRequests(ctx context.Context, user UserID) ([]FriendRequest, error)

	// Block records that blocker blocks blocked, and in the same transaction
	// ends their friendship and deletes the requests between them and the
	// pending invites from blocked to blocker (reported in Severed), and marks
	// blocked's membership of their direct room, if the blocker is in it too,
	// so blocked's sends there are refused (a request the blocker never
	// accepted stays unmarked: it looks to its opener as it did). Conflict if
	// already blocked.
	Block(ctx context.Context, blocker, blocked UserID, at time.Time) (Severed, error)
	// Unblock lifts the block and its mark on the direct room; NotFound if
	// there was none.
	Unblock(ctx context.Context, blocker, blocked UserID) error
	// Blocks lists the users blocker has blocked, most recent first.
	Blocks(ctx context.Context, blocker UserID) ([]BlockedUser, error)
	// BlockedBy returns those of among who have blocked user.
	BlockedBy(ctx context.Context, user UserID, among []UserID) ([]UserID, error)

	// Contacts returns user's friends and everyone with a block between them
	// and user (either direction).
	Contacts(ctx context.Context, user UserID) (Contacts, error)
	// RoomSizes lists the rooms user belongs to with their member counts.
	RoomSizes(ctx context.Context, user UserID) ([]RoomSize, error)
	// MemberIDs lists the ids of a room's members, in no particular order.
	MemberIDs(ctx context.Context, room RoomID) ([]UserID, error)
}

// ProfileUpdate names the profile fields to change; nil leaves one alone.
type ProfileUpdate struct {
	DisplayName   *string
	StatusMessage *string
}

// Relation is how a user stands to the caller, in search results.
type Relation string

const (
	RelNone     Relation = "none"
	RelFriend   Relation = "friend"
	RelOutgoing Relation = "outgoing" // the caller asked them to be friends
	RelIncoming Relation = "incoming" // they asked the caller
	RelBlocked  Relation = "blocked"  // the caller blocked them
)

// UserHit is one user search result.
type UserHit struct {
	User
	Relation Relation `json:"relation"`
}

// Friend is one entry of a friend list: the friend's public profile, when the
// friendship began, and the friend's presence.
type Friend struct {
	User
	Since    Time  `json:"since"`
	Online   bool  `json:"online"`
	LastSeen *Time `json:"last_seen,omitempty"`
}

// FriendRequest is a pending request from one user to another.
type FriendRequest struct {
	From      User `json:"from"`
	To        User `json:"to"`
	CreatedAt Time `json:"created_at"`
}

// BlockedUser is one entry of the caller's block list.
type BlockedUser struct {
	User
	BlockedAt Time `json:"blocked_at"`
}

// Severed is what a block ended, as seen from the blocker.
type Severed struct {
	Friends  bool        // they were friends
	Outgoing bool        // the blocker's request to the blocked user was pending
	Incoming bool        // the blocked user's request to the blocker was pending
	Invites  []InviteRef // the blocked user's pending invites to the blocker, deleted
}

// Contacts are the people a user's presence and profile events are about:
// friends hear them; people with a block between them and the user do not,
// not even through their direct room.
type Contacts struct {
	Friends []UserID
	Blocked []UserID // either direction
}

// RoomSize is one of a user's rooms, with what decides how presence reaches it.
type RoomSize struct {
	ID      RoomID
	Kind    RoomKind
	Members int
	Peer    UserID // the other member of a direct room
}
