package chat

import (
	"context"
	"time"
)

// Presence tracks who is online, across every node. A user is online while
// any of their connections is open on any live node; a node that dies stops
// heartbeating and its users go offline when its lease expires (~30 s).
type Presence interface {
	// Connected records one more connection of user on this node and reports
	// whether the user just came online (had no connection anywhere).
	Connected(ctx context.Context, user UserID) (cameOnline bool, err error)
	// Disconnected records one connection fewer and reports whether that was
	// the user's last connection anywhere; then their last-seen time is now.
	Disconnected(ctx context.Context, user UserID) (wentOffline bool, err error)
	// Status returns the presence of each user (missing users are offline
	// with a zero LastSeen).
	Status(ctx context.Context, users []UserID) (map[UserID]PresenceStatus, error)
	// Focus records that connection conn of user (a name unique in the
	// cluster) reported focus good until until, or with a zero until that
	// it lost focus or closed.
	Focus(ctx context.Context, user UserID, conn string, until time.Time) error
	// Active reports which of users have a connection whose focus report
	// is good now (missing users are not active).
	Active(ctx context.Context, users []UserID) (map[UserID]bool, error)
	// OnExpired registers fn, called with the users that went offline because
	// the node holding their connections died. Exactly one live node calls it
	// for each expired node.
	OnExpired(fn func(users []UserID))
	// Close stops heartbeating and releases this node's connections, as if
	// they all disconnected; it does not call OnExpired functions.
	Close() error
}

// PresenceStatus is one user's presence.
// It is never sent as it is: clients get PresenceData, and member and
// friend lists their own fields.
type PresenceStatus struct {
	Online   bool
	LastSeen time.Time
}

// seenAt is LastSeen as the API gives times, in UTC to the millisecond, or
// nil when never recorded: backends report an online user as seen at the
// moment they are asked, to the nanosecond.
func (p PresenceStatus) seenAt() *Time {
	if p.LastSeen.IsZero() {
		return nil
	}
	t := TimeOf(p.LastSeen)
	return &t
}
