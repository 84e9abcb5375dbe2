package chat

import (
	"context"
	"time"
)

// PushStore keeps what Web Push needs (internal/push, decision 0028): the
// server's VAPID key pair, one for the whole cluster, and the push
// subscriptions of sessions. A subscription belongs to the session that
// registered it and is deleted with it, whichever way the session ends.
type PushStore interface {
	// PushKeys stores candidate unless a key pair is stored already, then
	// returns the stored pair: nodes starting at once all get the one that
	// was stored first.
	PushKeys(ctx context.Context, candidate VAPIDKeys) (VAPIDKeys, error)
	// SetPushSubscription makes sub the subscription of its session,
	// replacing the session's previous one and taking sub.Endpoint from any
	// other session that had it (a browser has one subscription per
	// origin, whoever is logged in). Then the user's oldest subscriptions
	// beyond maxPerUser are deleted. NotFound if the session is gone.
	SetPushSubscription(ctx context.Context, sub PushSubscription, maxPerUser int) error
	// DeletePushSubscription deletes the session's subscription, if any.
	DeletePushSubscription(ctx context.Context, tokenHash []byte) error
	// PushSubscriptions lists the user's subscriptions, newest first.
	PushSubscriptions(ctx context.Context, user UserID) ([]PushSubscription, error)
	// DeletePushEndpoint deletes the subscription at endpoint, if any: its
	// push service said it is gone.
	DeletePushEndpoint(ctx context.Context, endpoint string) error

	// The outbox: every text message's insert adds an entry in its own
	// transaction. ClaimPushOutbox leases up to limit entries that are not
	// leased at now, oldest first, to claim until leaseUntil; nodes
	// claiming at once get different entries. It never takes an entry
	// behind one of the same room that is leased at now: a claim whose node
	// died holds its room's later entries back until its lease runs out, so
	// a room's notifications still go out in seq order.
	ClaimPushOutbox(ctx context.Context, claim string, now, leaseUntil time.Time, limit int) ([]PushOutboxEntry, error)
	// QueuePushDeliveries deletes the entry and folds ds into the pending
	// deliveries (see PushDelivery) in one transaction, if claim still
	// holds the entry; otherwise it does nothing and returns false.
	// Deliveries for subscriptions that are gone are skipped.
	QueuePushDeliveries(ctx context.Context, e PushOutboxEntry, claim string, ds []PushDelivery) (bool, error)
	// ClaimPushDeliveries leases up to limit deliveries due at now, soonest
	// first, to claim until leaseUntil, each with its subscription.
	ClaimPushDeliveries(ctx context.Context, claim string, now, leaseUntil time.Time, limit int) ([]PushDelivery, error)
	// FinishPushDelivery ends a claimed delivery that was sent (or will
	// never be): it is deleted, unless messages folded into it since the
	// claim; then it keeps those (its count less d.Count) and is due at
	// dueAt. Nothing happens if claim no longer holds it.
	FinishPushDelivery(ctx context.Context, d PushDelivery, claim string, dueAt time.Time) error
	// RetryPushDelivery releases a claimed delivery that failed, one
	// attempt more, due again at dueAt.
	RetryPushDelivery(ctx context.Context, d PushDelivery, claim string, dueAt time.Time) error
}

// PushOutboxEntry is a text message that may notify someone.
type PushOutboxEntry struct {
	RoomID    RoomID
	Seq       int64
	CreatedAt time.Time
}

// PushDelivery is the pending notification of one subscription for one
// room. Queuing one where there is one already folds it in: Count adds
// up, Seq and Payload become the later message's, Urgency the higher;
// DueAt and CreatedAt stay the first's, so a burst waits out the first
// message's coalescing window and is one notification.
type PushDelivery struct {
	TokenHash []byte
	RoomID    RoomID
	Seq       int64
	Count     int
	Payload   string // JSON, without the count, which is added at sending
	Urgency   string // "high" or "normal"
	Attempts  int
	DueAt     time.Time
	CreatedAt time.Time
	// Sub is the subscription, filled by ClaimPushDeliveries.
	Sub PushSubscription
}

// VAPIDKeys is the server's application-server key pair (RFC 8292): P-256,
// both halves base64url without padding, the public one uncompressed (65
// bytes), the private one the 32-byte scalar.
type VAPIDKeys struct {
	Public  string
	Private string
}

// PushSubscription is where a push service accepts messages for one
// browser (RFC 8030) and the keys that encrypt them for it (RFC 8291).
type PushSubscription struct {
	TokenHash []byte // the session that registered it
	UserID    UserID
	Endpoint  string
	P256dh    string // the browser's P-256 public key, base64url
	Auth      string // the 16-byte authentication secret, base64url
	CreatedAt time.Time
}
