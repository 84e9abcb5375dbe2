package redis

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"parley/internal/chat"
	"parley/internal/presencetest"
	"parley/internal/testenv"
)

// presenceClient connects to the test Redis (skipped locally when absent,
// failing with CI=true).
func presenceClient(t *testing.T) rueidis.Client {
	t.Helper()
	c, err := NewClient(testenv.Redis(t))
	requireRedis(t, err)
	t.Cleanup(c.Close)
	return c
}

// presencePrefix is a key prefix private to the test, whose keys are deleted
// when it ends.
func presencePrefix(t *testing.T, client rueidis.Client) string {
	prefix := "parley-test:" + testenv.Random(t) + ":"
	cleanupKeys(t, client, prefix+"*")
	return prefix
}

// fastOpts are options with a short lease, so dead nodes expire quickly.
func fastOpts(prefix, node string) PresenceOptions {
	return PresenceOptions{Prefix: prefix, NodeID: node, Lease: 600 * time.Millisecond, Heartbeat: 200 * time.Millisecond, Log: quietLog()}
}

func newTestPresence(t *testing.T, client rueidis.Client, opts PresenceOptions) *Presence {
	t.Helper()
	p, err := NewPresence(t.Context(), client, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// expiredRecorder collects what OnExpired functions are called with.
type expiredRecorder struct {
	mu    sync.Mutex
	calls [][]chat.UserID
	more  chan struct{}
}

func recordExpired(p *Presence) *expiredRecorder {
	r := &expiredRecorder{more: make(chan struct{}, 1)}
	p.OnExpired(func(users []chat.UserID) {
		r.mu.Lock()
		r.calls = append(r.calls, slices.Clone(users))
		r.mu.Unlock()
		select {
		case r.more <- struct{}{}:
		default:
		}
	})
	return r
}

func (r *expiredRecorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

func connect(t *testing.T, p *Presence, u chat.UserID, want bool) {
	t.Helper()
	got, err := p.Connected(t.Context(), u)
	if err != nil || got != want {
		t.Fatalf("%s: Connected(%s) = %v, %v; want %v", p.nodeID, u, got, err, want)
	}
}

func disconnect(t *testing.T, p *Presence, u chat.UserID, want bool) {
	t.Helper()
	got, err := p.Disconnected(t.Context(), u)
	if err != nil || got != want {
		t.Fatalf("%s: Disconnected(%s) = %v, %v; want %v", p.nodeID, u, got, err, want)
	}
}

func status(t *testing.T, p *Presence, users ...chat.UserID) map[chat.UserID]chat.PresenceStatus {
	t.Helper()
	st, err := p.Status(t.Context(), users)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if len(st) != len(users) {
		t.Fatalf("Status returned %d users, want %d", len(st), len(users))
	}
	return st
}

func TestPresenceConformance(t *testing.T) {
	t.Parallel()
	presencetest.Run(t, presenceHarness(presenceClient(t)))
}

func presenceHarness(client rueidis.Client) presencetest.Harness {
	return presencetest.Harness{
		Nodes: func(t *testing.T, n int, now func() time.Time) []chat.Presence {
			prefix := presencePrefix(t, client)
			nodes := make([]chat.Presence, n)
			for i := range nodes {
				opts := fastOpts(prefix, fmt.Sprintf("n%d", i))
				opts.Now = now
				nodes[i] = newTestPresence(t, client, opts)
			}
			return nodes
		},
		Kill:   func(t *testing.T, p chat.Presence) { p.(*Presence).kill() },
		Expiry: fastOpts("", "").Lease,
	}
}

// TestPresenceNodeDeath: once a dead node is reaped (the suite checks what
// the other nodes report), nothing of it is left in Redis.
func TestPresenceNodeDeath(t *testing.T) {
	t.Parallel()
	client := presenceClient(t)
	prefix := presencePrefix(t, client)
	a := newTestPresence(t, client, fastOpts(prefix, "a"))
	b := newTestPresence(t, client, fastOpts(prefix, "b"))
	ra := recordExpired(a)
	connect(t, b, "onlyB", true)
	connect(t, b, "both", true)
	connect(t, a, "both", false)
	deadMember := b.member
	b.kill()
	deadline := time.After(30 * time.Second)
	for ra.count() == 0 {
		select {
		case <-ra.more:
		case <-deadline:
			t.Fatal("the dead node was never reaped")
		}
	}
	ctx := t.Context()
	if _, err := client.Do(ctx, client.B().Zscore().Key(a.nodesKey()).Member(deadMember).Build()).ToString(); !rueidis.IsRedisNil(err) {
		t.Errorf("dead node still in the nodes set (err %v)", err)
	}
	for _, k := range []string{a.nodeKey(deadMember), a.claimKey(deadMember), a.userKey("onlyB")} {
		if n, err := client.Do(ctx, client.B().Exists().Key(k).Build()).AsInt64(); err != nil || n != 0 {
			t.Errorf("%s still exists (%d, %v)", k, n, err)
		}
	}
	fields, err := client.Do(ctx, client.B().Hkeys().Key(a.userKey("both")).Build()).AsStrSlice()
	if err != nil || !slices.Equal(fields, []string{a.member}) {
		t.Errorf("hash of both = %v, %v; want only a's field", fields, err)
	}
	// A dead node's Close (a process that did not really die) is harmless.
	if err := b.Close(); err != nil {
		t.Errorf("Close of a reaped node: %v", err)
	}
}

// TestPresenceClose: a closed node leaves the nodes set at once (the suite
// checks what the other nodes report).
func TestPresenceClose(t *testing.T) {
	t.Parallel()
	client := presenceClient(t)
	prefix := presencePrefix(t, client)
	a := newTestPresence(t, client, fastOpts(prefix, "a"))
	b := newTestPresence(t, client, fastOpts(prefix, "b"))
	connect(t, b, "u", true)
	member := b.member
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Do(t.Context(), client.B().Zscore().Key(a.nodesKey()).Member(member).Build()).ToString(); !rueidis.IsRedisNil(err) {
		t.Errorf("closed node still in the nodes set (err %v)", err)
	}
}

// TestPresenceReRegisters: a node that finds itself reaped or forgotten (a
// long pause, Redis losing its data) registers again with its counts.
func TestPresenceReRegisters(t *testing.T) {
	t.Parallel()
	client := presenceClient(t)
	prefix := presencePrefix(t, client)
	a := newTestPresence(t, client, fastOpts(prefix, "a"))
	b := newTestPresence(t, client, fastOpts(prefix, "b"))
	ctx := t.Context()

	connect(t, a, "u", true)
	connect(t, a, "v", true)
	old := a.member
	forget := func() {
		t.Helper()
		if err := client.Do(ctx, client.B().Zrem().Key(a.nodesKey()).Member(a.member).Build()).Error(); err != nil {
			t.Fatal(err)
		}
	}
	forget()
	if st := status(t, b, "u")["u"]; st.Online {
		t.Fatal("online with its node forgotten")
	}
	// The heartbeat notices and writes the counts under a new name.
	deadline := time.Now().Add(2 * time.Second)
	for !status(t, b, "u", "v")["v"].Online {
		if time.Now().After(deadline) {
			t.Fatal("not online again 2 s after the node was forgotten")
		}
		time.Sleep(50 * time.Millisecond)
	}
	a.inc.RLock()
	renamed := a.member != old
	a.inc.RUnlock()
	if !renamed {
		t.Fatal("node kept its name")
	}
	// A write notices too, and is retried under the new name.
	forget()
	connect(t, a, "u", false)
	disconnect(t, a, "u", false)
	disconnect(t, a, "u", true)
	if st := status(t, b, "u", "v"); st["u"].Online || !st["v"].Online {
		t.Fatalf("status %+v, want u offline and v online", st)
	}
}

func TestPresenceKeysExpire(t *testing.T) {
	t.Parallel()
	client := presenceClient(t)
	prefix := presencePrefix(t, client)
	a := newTestPresence(t, client, fastOpts(prefix, "a"))
	connect(t, a, "on", true)
	connect(t, a, "off", true)
	disconnect(t, a, "off", true)
	ctx := t.Context()
	for _, k := range []string{a.nodesKey(), a.nodeKey(a.member), a.userKey("on"), a.seenKey("off")} {
		pttl, err := client.Do(ctx, client.B().Pttl().Key(k).Build()).AsInt64()
		if err != nil || pttl <= 0 {
			t.Errorf("PTTL %s = %d, %v; want an expiry", k, pttl, err)
		}
	}
	a.refreshUsers()
	if pttl, _ := client.Do(ctx, client.B().Pttl().Key(a.userKey("on")).Build()).AsInt64(); pttl < (recordTTL - time.Minute).Milliseconds() {
		t.Errorf("PTTL after refresh = %d", pttl)
	}
}

func TestNewPresenceOptions(t *testing.T) {
	t.Parallel()
	client := presenceClient(t)
	prefix := presencePrefix(t, client)
	if _, err := NewPresence(t.Context(), client, PresenceOptions{Prefix: prefix, Lease: time.Second, Heartbeat: time.Second}); err == nil {
		t.Fatal("heartbeat as long as the lease accepted")
	}
	p := newTestPresence(t, client, PresenceOptions{Prefix: prefix, Log: quietLog()})
	if p.lease != defaultLease || p.heartbeat != defaultLease/3 || p.nodeID == "" {
		t.Fatalf("defaults: lease %v, heartbeat %v, node %q", p.lease, p.heartbeat, p.nodeID)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := NewPresence(ctx, client, fastOpts(prefix, "x")); err == nil {
		t.Fatal("registered with a cancelled context")
	}
}

// TestPresenceCatchesUp: a Disconnected whose Redis write failed still
// uncounts the connection, and the next heartbeat writes the count.
func TestPresenceCatchesUp(t *testing.T) {
	t.Parallel()
	client := presenceClient(t)
	prefix := presencePrefix(t, client)
	a := newTestPresence(t, client, fastOpts(prefix, "a"))
	connect(t, a, "u", true)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := a.Disconnected(ctx, "u"); chat.ErrorCode(err) != chat.Unavailable {
		t.Fatalf("Disconnected with a cancelled context: %v, want unavailable", err)
	}
	if !status(t, a, "u")["u"].Online {
		t.Fatal("the failed write reached Redis")
	}
	deadline := time.Now().Add(2 * time.Second)
	for st := status(t, a, "u")["u"]; st.Online || st.LastSeen.IsZero(); st = status(t, a, "u")["u"] {
		if time.Now().After(deadline) {
			t.Fatalf("still %+v 2 s after the failed write", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
	connect(t, a, "u", true) // the local count is 0 again
}
