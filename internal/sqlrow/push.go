package sqlrow

import (
	"strings"

	"parley/internal/chat"
)

// PushSubscriptionCols are what ScanPushSubscription reads, and a
// subscription's insert.
const PushSubscriptionCols = `token_hash, user_id, endpoint, p256dh, auth, created_at`

func ScanPushSubscription(sc Scanner) (chat.PushSubscription, error) {
	var (
		p  chat.PushSubscription
		at Time
	)
	err := sc.Scan(&p.TokenHash, &p.UserID, &p.Endpoint, &p.P256dh, &p.Auth, &at)
	p.CreatedAt = at.Time
	return p, err
}

// ScanPushOutboxEntry reads room_id, seq, created_at: what a claim returns.
func ScanPushOutboxEntry(sc Scanner) (chat.PushOutboxEntry, error) {
	var (
		e  chat.PushOutboxEntry
		at Time
	)
	err := sc.Scan(&e.RoomID, &e.Seq, &at)
	e.CreatedAt = at.Time
	return e, err
}

// ComparePushOutboxEntries orders entries as they were written: an UPDATE's
// RETURNING does not keep its subquery's order.
func ComparePushOutboxEntries(a, b chat.PushOutboxEntry) int {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	if a.RoomID != b.RoomID {
		return strings.Compare(string(a.RoomID), string(b.RoomID))
	}
	return int(a.Seq - b.Seq)
}
