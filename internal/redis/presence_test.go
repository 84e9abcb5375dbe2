package redis

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"parley/internal/chat"
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

func (r *expiredRecorder) users() []chat.UserID {
	r.mu.Lock()
	defer r.mu.Unlock()
	var all []chat.UserID
	for _, c := range r.calls {
		all = append(all, c...)
	}
	slices.Sort(all)
	return all
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

func TestPresenceTransitionsAcrossNodes(t *testing.T) {
	t.Parallel()
	client := presenceClient(t)
	prefix := presencePrefix(t, client)
	left := time.UnixMilli(1_700_000_000_123)
	optsA := fastOpts(prefix, "a")
	optsA.Now = func() time.Time { return left }
	a := newTestPresence(t, client, optsA)
	b := newTestPresence(t, client, fastOpts(prefix, "b"))

	connect(t, a, "u", true)
	connect(t, b, "u", false)
	connect(t, a, "u", false)
	if st := status(t, b, "u")["u"]; !st.Online {
		t.Fatalf("Status on b = %+v, want online", st)
	}
	disconnect(t, a, "u", false)
	disconnect(t, b, "u", false) // a still has one
	disconnect(t, a, "u", true)
	disconnect(t, a, "u", false) // unbalanced: ignored
	for _, p := range []*Presence{a, b} {
		if st := status(t, p, "u")["u"]; st.Online || !st.LastSeen.Equal(left) {
			t.Fatalf("Status on %s = %+v, want offline, last seen %v", p.nodeID, st, left)
		}
	}
	// Back online from b, offline again from b.
	connect(t, b, "u", true)
	disconnect(t, b, "u", true)
	if st := status(t, a, "u")["u"]; st.Online || !st.LastSeen.After(left) {
		t.Fatalf("Status = %+v, want offline, last seen now", st)
	}
}

func TestPresenceStatusAcrossNodes(t *testing.T) {
	t.Parallel()
	client := presenceClient(t)
	prefix := presencePrefix(t, client)
	a := newTestPresence(t, client, fastOpts(prefix, "a"))
	b := newTestPresence(t, client, fastOpts(prefix, "b"))
	before := time.Now().Add(-time.Second)

	connect(t, a, "onA", true)
	connect(t, b, "onB", true)
	connect(t, a, "left", true)
	disconnect(t, a, "left", true)
	for _, p := range []*Presence{a, b} {
		st := status(t, p, "onA", "onB", "left", "never")
		if !st["onA"].Online || !st["onB"].Online {
			t.Errorf("from %s: onA %+v, onB %+v; want both online", p.nodeID, st["onA"], st["onB"])
		}
		if l := st["left"]; l.Online || l.LastSeen.Before(before) || l.LastSeen.After(time.Now()) {
			t.Errorf("from %s: left %+v, want offline, last seen just now", p.nodeID, l)
		}
		if n := st["never"]; n.Online || !n.LastSeen.IsZero() {
			t.Errorf("from %s: never %+v, want offline with zero LastSeen", p.nodeID, n)
		}
	}
	if st, err := a.Status(t.Context(), nil); err != nil || len(st) != 0 {
		t.Fatalf("Status(nil) = %v, %v", st, err)
	}
}

func TestPresenceStatusManyUsers(t *testing.T) {
	t.Parallel()
	client := presenceClient(t)
	prefix := presencePrefix(t, client)
	a := newTestPresence(t, client, fastOpts(prefix, "a"))
	users := make([]chat.UserID, 2500) // three batches
	for i := range users {
		users[i] = chat.UserID(fmt.Sprintf("user-%d", i))
	}
	for _, u := range users[:10] {
		connect(t, a, u, true)
	}
	connect(t, a, users[2499], true)
	st := status(t, a, users...)
	for i, u := range users {
		if want := i < 10 || i == 2499; st[u].Online != want {
			t.Fatalf("%s online = %v, want %v", u, st[u].Online, want)
		}
	}
}

func TestPresenceConcurrentAcrossNodes(t *testing.T) {
	t.Parallel()
	client := presenceClient(t)
	prefix := presencePrefix(t, client)
	nodes := []*Presence{
		newTestPresence(t, client, fastOpts(prefix, "a")),
		newTestPresence(t, client, fastOpts(prefix, "b")),
	}
	const perNode = 20
	var came, went atomic.Int32
	var wg sync.WaitGroup
	run := func(f func(*Presence) (bool, error), hits *atomic.Int32) {
		for _, p := range nodes {
			for range perNode {
				wg.Go(func() {
					ok, err := f(p)
					if err != nil {
						t.Error(err)
					}
					if ok {
						hits.Add(1)
					}
				})
			}
		}
		wg.Wait()
	}
	ctx := t.Context()
	run(func(p *Presence) (bool, error) { return p.Connected(ctx, "u") }, &came)
	if st := status(t, nodes[0], "u")["u"]; !st.Online {
		t.Fatal("not online after the connections")
	}
	run(func(p *Presence) (bool, error) { return p.Disconnected(ctx, "u") }, &went)
	if came.Load() != 1 || went.Load() != 1 {
		t.Fatalf("came online %d times, went offline %d times; want 1 and 1", came.Load(), went.Load())
	}
	if st := status(t, nodes[1], "u")["u"]; st.Online {
		t.Fatal("online after every disconnection")
	}
}

func TestPresenceNodeDeath(t *testing.T) {
	t.Parallel()
	client := presenceClient(t)
	prefix := presencePrefix(t, client)
	a := newTestPresence(t, client, fastOpts(prefix, "a"))
	c := newTestPresence(t, client, fastOpts(prefix, "c"))
	b := newTestPresence(t, client, fastOpts(prefix, "b"))
	ra, rc := recordExpired(a), recordExpired(c)

	connect(t, b, "onlyB", true)
	connect(t, b, "both", true)
	connect(t, a, "both", false)
	connect(t, b, "twice", true)
	connect(t, b, "twice", false)
	deadMember := b.member
	b.kill()
	killed := time.Now()

	deadline := time.After(2500 * time.Millisecond)
	for ra.count()+rc.count() == 0 {
		select {
		case <-ra.more:
		case <-rc.more:
		case <-deadline:
			t.Fatal("no OnExpired call within 2.5 s of the crash")
		}
	}
	took := time.Since(killed)
	time.Sleep(400 * time.Millisecond) // two more heartbeats: no second report
	if ra.count()+rc.count() != 1 {
		t.Fatalf("OnExpired called %d times on a, %d on c; want once in all", ra.count(), rc.count())
	}
	got := append(ra.users(), rc.users()...)
	if want := []chat.UserID{"onlyB", "twice"}; !slices.Equal(got, want) {
		t.Fatalf("expired users %v, want %v", got, want)
	}
	t.Logf("dead node reported %v after the crash", took.Round(time.Millisecond))

	st := status(t, a, "onlyB", "both", "twice")
	if !st["both"].Online {
		t.Error("user connected on a live node went offline")
	}
	for _, u := range []chat.UserID{"onlyB", "twice"} {
		if s := st[u]; s.Online || s.LastSeen.Before(killed.Add(-time.Second)) || s.LastSeen.After(time.Now()) {
			t.Errorf("%s: %+v, want offline, last seen about the crash", u, s)
		}
	}
	// The dead node's records are gone.
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
	connect(t, a, "onlyB", true)
}

func TestPresenceClose(t *testing.T) {
	t.Parallel()
	client := presenceClient(t)
	prefix := presencePrefix(t, client)
	a := newTestPresence(t, client, fastOpts(prefix, "a"))
	b := newTestPresence(t, client, fastOpts(prefix, "b"))
	ra := recordExpired(a)
	rb := recordExpired(b)
	connect(t, a, "both", true)
	connect(t, b, "both", false)
	connect(t, b, "onlyB", true)
	connect(t, b, "onlyB", false)
	member := b.member
	before := time.Now().Add(-time.Second)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	st := status(t, a, "both", "onlyB")
	if !st["both"].Online {
		t.Error("user still connected on a went offline")
	}
	if s := st["onlyB"]; s.Online || s.LastSeen.Before(before) {
		t.Errorf("onlyB: %+v, want offline, last seen now", s)
	}
	if _, err := b.Connected(t.Context(), "x"); chat.ErrorCode(err) != chat.Unavailable {
		t.Errorf("Connected after Close: %v, want unavailable", err)
	}
	disconnect(t, b, "onlyB", false) // released by Close already
	ctx := t.Context()
	if _, err := client.Do(ctx, client.B().Zscore().Key(a.nodesKey()).Member(member).Build()).ToString(); !rueidis.IsRedisNil(err) {
		t.Errorf("closed node still in the nodes set (err %v)", err)
	}
	time.Sleep(900 * time.Millisecond) // past b's lease: nothing to reap
	if ra.count() != 0 || rb.count() != 0 {
		t.Fatalf("OnExpired called after a Close: %v %v", ra.users(), rb.users())
	}
	disconnect(t, a, "both", true)
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
