package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"parley/internal/bustest"
	"parley/internal/chat"
	"parley/internal/testenv"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newTestBus starts a bus on channels private to the test (prefix).
func newTestBus(t *testing.T, prefix string, opts ...Option) *Bus {
	t.Helper()
	return newTestBusAt(t, testURL(), prefix, opts...)
}

func newTestBusAt(t *testing.T, url, prefix string, opts ...Option) *Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	b, err := NewBus(ctx, url, quietLog(), append([]Option{WithChannelPrefix(prefix)}, opts...)...)
	requireRedis(t, err)
	t.Cleanup(b.Close)
	return b
}

func syncBus(t *testing.T, b *Bus) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := b.Sync(ctx); err != nil {
		t.Fatalf("sync: %v", err)
	}
}

// recorder collects the seqs of the events it is given.
type recorder struct {
	mu   sync.Mutex
	seqs []int64
	more chan struct{}
}

func newRecorder() *recorder { return &recorder{more: make(chan struct{}, 1)} }

func (r *recorder) fn(ev chat.Event) {
	r.mu.Lock()
	r.seqs = append(r.seqs, ev.Seq)
	r.mu.Unlock()
	select {
	case r.more <- struct{}{}:
	default:
	}
}

func (r *recorder) got() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int64(nil), r.seqs...)
}

func (r *recorder) waitFor(t *testing.T, n int) []int64 {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if got := r.got(); len(got) >= n {
			return got
		}
		select {
		case <-r.more:
		case <-deadline:
			t.Fatalf("got %d events, want %d", len(r.got()), n)
		}
	}
}

func event(seq int64) chat.Event {
	return chat.Event{Type: chat.EvMessage, Room: "r1", Seq: seq, Data: json.RawMessage(fmt.Sprintf(`{"seq":%d}`, seq))}
}

func publish(t *testing.T, b *Bus, topic string, seq int64) {
	t.Helper()
	if err := b.Publish(t.Context(), topic, event(seq)); err != nil {
		t.Fatalf("publish %d: %v", seq, err)
	}
}

func TestBusConformance(t *testing.T) {
	t.Parallel()
	bustest.Run(t, busHarness(testURL()))
}

// busHarness runs the suite on the Redis at url.
func busHarness(url string) bustest.Harness {
	nodes := func(opts ...Option) bustest.Nodes {
		return func(t *testing.T, n int) []chat.Bus {
			prefix := "parley:test:" + uniq(t) + ":"
			nodes := make([]chat.Bus, n)
			for i := range nodes {
				nodes[i] = newTestBusAt(t, url, prefix, opts...)
			}
			return nodes
		}
	}
	return bustest.Harness{
		Nodes:    nodes(),
		QueueOf4: nodes(WithQueueSize(4)),
		Cut:      cutPubSub,
	}
}

// cutPubSub kills the bus's pub/sub connections only (CLIENT KILL ID on
// each server they go to): other tests, and other runs, share the servers.
// On a cluster the first kill ends the bus's session, which closes the
// connections to the other masters itself: those may be gone already.
func cutPubSub(t *testing.T, b chat.Bus) {
	t.Helper()
	bus := b.(*Bus)
	live := bus.pubsubClients()
	killed := int64(0)
	for addr, id := range live {
		opt := bus.opt
		opt.InitAddress, opt.ForceSingleClient = []string{addr}, true
		admin, err := rueidis.NewClient(opt)
		if err != nil {
			t.Fatal(err)
		}
		// Not TYPE pubsub: Redis 7.0 does not count a connection with
		// shard channels only as a pub/sub client.
		n, err := admin.Do(t.Context(), admin.B().ClientKill().Id(id).Build()).AsInt64()
		admin.Close()
		if err != nil {
			t.Fatalf("CLIENT KILL ID %d on %s: %v", id, addr, err)
		}
		killed += n
	}
	if killed == 0 {
		t.Fatalf("none of the bus's pub/sub connections %v was killed", live)
	}
}

// The counters count each event once per node, however many subscribers
// (the suite checks the events themselves).
func TestBusStatsCountEachEventOncePerNode(t *testing.T) {
	t.Parallel()
	prefix := "parley:test:" + uniq(t) + ":"
	node1, node2 := newTestBus(t, prefix), newTestBus(t, prefix)
	const topic, n = "room.r1", 200
	r1, r2 := newRecorder(), newRecorder()
	node2.Subscribe(topic, r1.fn)
	node2.Subscribe(topic, r2.fn)
	node1.Subscribe(topic, newRecorder().fn) // node1 gets its own events back from Redis
	syncBus(t, node1)
	syncBus(t, node2)
	for seq := int64(1); seq <= n; seq++ {
		publish(t, node1, topic, seq)
	}
	r1.waitFor(t, n)
	r2.waitFor(t, n)
	deadline := time.Now().Add(30 * time.Second)
	// Publishing is asynchronous: its counter moves when Redis has taken
	// the pipeline, which may be after the events came back.
	for s := node1.Stats(); (s.Received < n || s.Published < n) && time.Now().Before(deadline); s = node1.Stats() {
		time.Sleep(10 * time.Millisecond) // polling a counter, with a deadline
	}
	if s := node1.Stats(); s.Published != n || s.Received != n {
		t.Errorf("node1 stats %+v, want %d published and received", s, n)
	}
	if s := node2.Stats(); s.Received != n || s.Published != 0 {
		t.Errorf("node2 stats %+v, want %d received (decoded once for both subscribers)", s, n)
	}
}

func numsub(t *testing.T, channel string) int64 {
	t.Helper()
	c := testClient(t)
	m, err := c.Do(t.Context(), c.B().PubsubNumsub().Channel(channel).Build()).AsIntMap()
	if err != nil {
		t.Fatal(err)
	}
	return m[channel]
}

func TestBusCancel(t *testing.T) {
	t.Parallel()
	prefix := "parley:test:" + uniq(t) + ":"
	pub, node := newTestBus(t, prefix), newTestBus(t, prefix)
	const topic = "room.r1"
	r1, r2 := newRecorder(), newRecorder()
	cancel1 := node.Subscribe(topic, r1.fn)
	cancel2 := node.Subscribe(topic, r2.fn)
	syncBus(t, node)
	if n := numsub(t, prefix+topic); n != 1 {
		t.Fatalf("numsub = %d, want 1 (one Redis subscription for two local subscribers)", n)
	}
	publish(t, pub, topic, 1)
	r1.waitFor(t, 1)
	r2.waitFor(t, 1)

	cancel1()
	cancel1() // idempotent
	publish(t, pub, topic, 2)
	r2.waitFor(t, 2)
	if got := r1.got(); len(got) != 1 {
		t.Fatalf("cancelled subscriber got %v", got)
	}
	if n := numsub(t, prefix+topic); n != 1 {
		t.Fatalf("numsub = %d with one local subscriber left, want 1", n)
	}

	cancel2()
	syncBus(t, node)
	if n := numsub(t, prefix+topic); n != 0 {
		t.Fatalf("numsub = %d after the last cancel, want 0", n)
	}
	before := node.Stats().Received
	publish(t, pub, topic, 3)
	time.Sleep(100 * time.Millisecond)
	if got := r2.got(); len(got) != 2 {
		t.Fatalf("cancelled subscriber got %v", got)
	}
	if after := node.Stats().Received; after != before {
		t.Fatalf("node still receives the channel: %d → %d", before, after)
	}

	// Subscribing again works.
	r3 := newRecorder()
	node.Subscribe(topic, r3.fn)
	syncBus(t, node)
	publish(t, pub, topic, 4)
	if got := r3.waitFor(t, 1); got[0] != 4 {
		t.Fatalf("resubscribed subscriber got %v", got)
	}
}

func TestBusPublishAfterCloseFails(t *testing.T) {
	t.Parallel()
	b := newTestBus(t, "parley:test:"+uniq(t)+":")
	b.Close()
	if err := b.Publish(t.Context(), "room.r1", event(1)); err == nil {
		t.Fatal("publish on a closed bus succeeded")
	}
	if err := b.Sync(t.Context()); err == nil {
		t.Fatal("sync on a closed bus succeeded")
	}
}

func TestNewBusUnreachable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if b, err := NewBus(ctx, "redis://127.0.0.1:1/0", quietLog()); err == nil {
		b.Close()
		t.Fatal("NewBus to a closed port succeeded")
	}
}

// A frozen Redis (the process stopped: connections open, nothing answers)
// costs publishers nothing: Publish returns at once, this node's subscribers
// still get every event, and publishing to other nodes resumes on its own
// when Redis does.
func TestBusFrozenRedisDoesNotStallPublishers(t *testing.T) {
	t.Parallel()
	srv := testenv.StartRedis(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	pub, err := NewBus(ctx, srv.URL(), quietLog())
	requireRedis(t, err)
	defer pub.Close()
	other, err := NewBus(ctx, srv.URL(), quietLog())
	requireRedis(t, err)
	defer other.Close()
	const topic = "room.frozen"
	local, remote := bustest.NewRecorder(), bustest.NewRecorder()
	pub.Subscribe(topic, local.Fn)
	other.Subscribe(topic, remote.Fn)
	syncBus(t, pub)
	syncBus(t, other)

	srv.Freeze()
	defer srv.Thaw()
	start := time.Now()
	for seq := int64(1); seq <= 200; seq++ {
		publish(t, pub, topic, seq)
	}
	if took := time.Since(start); took > defaultPublishTimeout {
		// Structural, not a speed claim: a Publish that waited on Redis would
		// take publishTimeout for the first one alone.
		t.Fatalf("200 publishes to a frozen Redis took %s", took)
	}
	if got := local.Seqs(); len(got) != 200 {
		t.Fatalf("this node's subscriber got %d of 200 events while Redis was frozen", len(got))
	}

	srv.Thaw()
	// Events queued or tried while frozen may be lost to the other node (it
	// backfills messages from the store); new ones get through again.
	deadline := time.Now().Add(30 * time.Second)
	for seq := int64(1000); ; seq++ {
		publish(t, pub, topic, seq)
		if slices.Contains(remote.Seqs(), seq-1) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("publishing did not recover after Redis resumed: %+v", pub.Stats())
		}
		select {
		case <-time.After(50 * time.Millisecond): // pacing the probe, not waiting for a result
		case <-t.Context().Done():
		}
	}
}

// A room's newest message that could not be published while Redis was frozen
// — its batch timed out, or the publish queue was full — reaches the other
// nodes once Redis answers again, with no new publish to carry it: their hubs
// repair the gap up to it from the store, and a room's last message does not
// wait for ever.
func TestBusRepublishesTheNewestUnpublishedMessage(t *testing.T) {
	t.Parallel()
	srv := testenv.StartRedis(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	pub, err := NewBus(ctx, srv.URL(), quietLog(), WithPublishQueue(1), withPublishTimeout(300*time.Millisecond))
	requireRedis(t, err)
	defer pub.Close()
	other, err := NewBus(ctx, srv.URL(), quietLog())
	requireRedis(t, err)
	defer other.Close()
	rooms := []string{"room.a", "room.b"}
	recs := make([]*bustest.Recorder, len(rooms))
	for i, topic := range rooms {
		recs[i] = bustest.NewRecorder()
		other.Subscribe(topic, recs[i].Fn)
	}
	syncBus(t, other)

	srv.Freeze()
	defer srv.Thaw()
	const last = 100
	for seq := int64(1); seq <= last; seq++ {
		for _, topic := range rooms {
			publish(t, pub, topic, seq)
		}
	}
	// A later event of another type must not hide the room's newest message.
	receipts := chat.Event{Type: chat.EvReceipts, Room: "a", Data: json.RawMessage(`{}`)}
	if err := pub.Publish(t.Context(), rooms[0], receipts); err != nil {
		t.Fatal(err)
	}
	// Wait until every event failed (the queued ones by timing out), so
	// nothing queued is left to carry the retry once Redis answers.
	const all = last*2 + 1
	deadline := time.Now().Add(30 * time.Second)
	for pub.Stats().PublishFailed < all {
		if time.Now().After(deadline) {
			t.Fatalf("events failed: %+v, want %d", pub.Stats(), all)
		}
		select {
		case <-time.After(20 * time.Millisecond): // polling a counter
		case <-t.Context().Done():
		}
	}
	srv.Thaw()

	for _, r := range recs {
		r.WaitForSeq(t, last)
	}
	// The counter moves when Redis's reply comes back, which may be after
	// the subscriber got the message.
	deadline = time.Now().Add(30 * time.Second)
	for pub.Stats().Republished < uint64(len(rooms)) {
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v: want %d republished", pub.Stats(), len(rooms))
		}
		select {
		case <-time.After(20 * time.Millisecond): // polling a counter
		case <-t.Context().Done():
		}
	}
}
