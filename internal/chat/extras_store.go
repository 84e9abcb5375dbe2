package chat

import (
	"context"
	"time"
)

// ExtrasStore keeps what members add to messages besides text: the mentions
// a message makes and the reactions it gets. Both stores pass
// internal/storetest's cases for it.
type ExtrasStore interface {
	// MembersByUsername maps each of usernames (lowercase) that names a member
	// of room to the member's id; the others are left out.
	MembersByUsername(ctx context.Context, room RoomID, usernames []string) (map[string]UserID, error)
	// UnreadMentions counts the messages of room with after < seq <= through
	// that mention user, where through = min(upTo, the room's last seq), and
	// returns through with the count: both from one snapshot, so a client can
	// tell which later messages the count does not cover. NotFound if the
	// room does not exist.
	UnreadMentions(ctx context.Context, room RoomID, user UserID, after, upTo int64) (n, through int64, err error)

	// SetReaction adds (On) or removes the user's emoji on message Seq and
	// returns how many members have that emoji on it afterwards; changed is
	// false when it was already so. NotFound if there is no such message;
	// Conflict when adding to a system message or a tombstone, or a new emoji
	// to a message that has MaxEmojis different ones already. Concurrent
	// changes of one emoji on one message are serialized, so every count
	// returned is exact as of its change.
	SetReaction(ctx context.Context, r ReactionChange) (count int, changed bool, err error)
	// Reactions returns the reactions on room's messages with after < seq <
	// before, by seq: each emoji with its count, in the order the emojis were
	// first added, Me telling whether viewer is among those who added it.
	Reactions(ctx context.Context, room RoomID, viewer UserID, after, before int64) (map[int64][]ReactionCount, error)
	// Reactors returns the emojis on message seq in the order they were
	// first added, each with its count and the first `limit` users who
	// added it, earliest first. Empty when the message has none.
	Reactors(ctx context.Context, room RoomID, seq int64, limit int) ([]Reactors, error)
}

// ReactionChange is one member adding or removing one emoji.
type ReactionChange struct {
	RoomID    RoomID
	Seq       int64
	UserID    UserID
	Emoji     string
	On        bool
	At        time.Time
	MaxEmojis int // different emojis one message may carry
}
