package push

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"parley/internal/chat"
	"parley/internal/outage"
)

// outboxStore is a store whose outbox holds n entries of messages that
// notify nobody; the rest of chat.Store is left nil, as the sender's pass
// must not need it.
type outboxStore struct {
	chat.Store
	mu      sync.Mutex
	waiting []chat.PushOutboxEntry
	queued  int
}

func (f *outboxStore) ClaimPushOutbox(_ context.Context, _ string, _, _ time.Time, limit int) ([]chat.PushOutboxEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := min(limit, len(f.waiting))
	claimed := f.waiting[:n]
	f.waiting = f.waiting[n:]
	return claimed, nil
}

func (f *outboxStore) Message(context.Context, chat.RoomID, int64) (chat.Message, error) {
	return chat.Message{}, chat.Errorf(chat.NotFound, "message not found")
}

func (f *outboxStore) QueuePushDeliveries(context.Context, chat.PushOutboxEntry, string, []chat.PushDelivery) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queued++
	return true, nil
}

func (f *outboxStore) ClaimPushDeliveries(context.Context, string, time.Time, time.Time, int) ([]chat.PushDelivery, error) {
	return nil, nil
}

// One pass empties an outbox longer than a claim: a node keeps up with
// more than one claim's worth of messages per tick.
func TestPassDrainsTheOutbox(t *testing.T) {
	const n = 2*claimBatch + 37
	f := &outboxStore{}
	for seq := range n {
		f.waiting = append(f.waiting, chat.PushOutboxEntry{RoomID: "r", Seq: int64(seq + 1), CreatedAt: time.Now()})
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &Service{store: f, log: log, cfg: Config{}.withDefaults(), now: time.Now, outages: outage.NewSet(log)}
	s.pass(t.Context())
	if f.queued != n || len(f.waiting) != 0 {
		t.Fatalf("one pass handled %d of %d entries, %d left waiting", f.queued, n, len(f.waiting))
	}
}
