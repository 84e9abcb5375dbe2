// Package presencetest is the conformance suite of chat.Presence: the
// in-process presence (internal/inmem) and the Redis one (internal/redis)
// run it, so "came online", "went offline" and last-seen mean the same on
// one node and on many.
package presencetest

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parley/internal/chat"
)

// Harness opens the implementation under test.
type Harness struct {
	// Nodes returns n nodes of one cluster sharing presence, each taking
	// last-seen times from now. A single-node implementation returns the
	// same Presence n times. The suite closes nothing: the harness cleans up.
	Nodes func(t *testing.T, n int, now func() time.Time) []chat.Presence
	// Kill stops a node as a crash would: nothing released, its lease left
	// to run out. Nil for an implementation whose nodes cannot die apart
	// from the process that asks (its OnExpired functions are never called).
	Kill func(t *testing.T, p chat.Presence)
	// Expiry bounds how long after a Kill the other nodes report the dead
	// node's users offline.
	Expiry time.Duration
}

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	t.Run("OnlineAndOfflineOnceAcrossNodes", func(t *testing.T) { transitions(t, h) })
	t.Run("StatusAnswersEveryUserAsked", func(t *testing.T) { statusAll(t, h) })
	t.Run("ConcurrentConnectionsComeOnlineOnce", func(t *testing.T) { concurrent(t, h) })
	t.Run("CloseReleasesThisNodesConnections", func(t *testing.T) { closeNode(t, h) })
	t.Run("DeadNodesUsersExpireOnce", func(t *testing.T) { nodeDeath(t, h) })
	t.Run("FocusMakesActiveUntilItLapsesOrEnds", func(t *testing.T) { focus(t, h) })
}

func active(t *testing.T, p chat.Presence, users ...chat.UserID) map[chat.UserID]bool {
	t.Helper()
	got, err := p.Active(t.Context(), users)
	if err != nil {
		t.Fatalf("Active: %v", err)
	}
	return got
}

func setFocus(t *testing.T, p chat.Presence, u chat.UserID, conn string, until time.Time) {
	t.Helper()
	if err := p.Focus(t.Context(), u, conn, until); err != nil {
		t.Fatalf("Focus(%s, %s): %v", u, conn, err)
	}
}

// A focus report makes its user active on every node until it lapses, or
// until its connection reports the focus lost; another connection's report
// keeps the user active meanwhile.
func focus(t *testing.T, h Harness) {
	c := NewClock()
	ns := h.Nodes(t, 2, c.Now)
	a, b := ns[0], ns[1]
	const ttl = time.Minute
	setFocus(t, a, "u", "a1", c.Now().Add(ttl))
	for i, p := range ns {
		if got := active(t, p, "u", "v", "never"); !got["u"] || got["v"] || got["never"] {
			t.Fatalf("node %d: Active = %v, want u alone", i, got)
		}
	}
	c.Advance(ttl - time.Millisecond)
	if !active(t, b, "u")["u"] {
		t.Fatal("u inactive before the report lapsed")
	}
	c.Advance(time.Millisecond)
	if active(t, b, "u")["u"] {
		t.Fatal("u still active when the report lapsed")
	}
	// Two connections on two nodes: the one that loses focus leaves the
	// other's report standing.
	setFocus(t, a, "u", "a1", c.Now().Add(ttl))
	setFocus(t, b, "u", "b1", c.Now().Add(ttl))
	setFocus(t, a, "u", "a1", time.Time{})
	if !active(t, a, "u")["u"] {
		t.Fatal("u inactive while b1 is focused")
	}
	setFocus(t, b, "u", "b1", time.Time{})
	if active(t, a, "u")["u"] {
		t.Fatal("u active after both connections lost focus")
	}
	setFocus(t, b, "u", "gone", time.Time{}) // never reported: nothing to end
	if active(t, b, "u")["u"] {
		t.Fatal("u active after unfocusing an unknown connection")
	}
}

// Clock is a settable clock, to the millisecond (what a shared store keeps).
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

func NewClock() *Clock { return &Clock{t: time.UnixMilli(1_700_000_000_123)} }

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

func connect(t *testing.T, p chat.Presence, node string, u chat.UserID, want bool) {
	t.Helper()
	got, err := p.Connected(t.Context(), u)
	if err != nil || got != want {
		t.Fatalf("node %s: Connected(%s) = %v, %v; want %v", node, u, got, err, want)
	}
}

func disconnect(t *testing.T, p chat.Presence, node string, u chat.UserID, want bool) {
	t.Helper()
	got, err := p.Disconnected(t.Context(), u)
	if err != nil || got != want {
		t.Fatalf("node %s: Disconnected(%s) = %v, %v; want %v", node, u, got, err, want)
	}
}

func status(t *testing.T, p chat.Presence, users ...chat.UserID) map[chat.UserID]chat.PresenceStatus {
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

// A user comes online with their first connection on any node and goes
// offline with their last one anywhere, last seen then.
func transitions(t *testing.T, h Harness) {
	c := NewClock()
	ns := h.Nodes(t, 2, c.Now)
	a, b := ns[0], ns[1]
	connect(t, a, "a", "u", true)
	connect(t, b, "b", "u", false)
	connect(t, a, "a", "u", false)
	if st := status(t, b, "u")["u"]; !st.Online || !st.LastSeen.Equal(c.Now()) {
		t.Fatalf("Status on b = %+v, want online, last seen now (%v)", st, c.Now())
	}
	disconnect(t, a, "a", "u", false)
	disconnect(t, b, "b", "u", false) // a still has one
	left := c.Advance(time.Minute)
	disconnect(t, a, "a", "u", true)
	disconnect(t, a, "a", "u", false) // unbalanced: ignored
	c.Advance(time.Minute)
	for i, p := range ns {
		if st := status(t, p, "u")["u"]; st.Online || !st.LastSeen.Equal(left) {
			t.Fatalf("Status on node %d = %+v, want offline, last seen %v", i, st, left)
		}
	}
	connect(t, b, "b", "u", true)
	again := c.Advance(time.Minute)
	disconnect(t, b, "b", "u", true)
	if st := status(t, a, "u")["u"]; st.Online || !st.LastSeen.Equal(again) {
		t.Fatalf("Status = %+v, want offline, last seen %v", st, again)
	}
}

// Status answers for every user asked, in batches however many: never
// seen users are offline with a zero LastSeen.
func statusAll(t *testing.T, h Harness) {
	c := NewClock()
	ns := h.Nodes(t, 2, c.Now)
	a, b := ns[0], ns[1]
	connect(t, a, "a", "onA", true)
	connect(t, b, "b", "onB", true)
	connect(t, a, "a", "left", true)
	left := c.Advance(time.Second)
	disconnect(t, a, "a", "left", true)
	for i, p := range ns {
		st := status(t, p, "onA", "onB", "left", "never")
		if !st["onA"].Online || !st["onB"].Online {
			t.Errorf("from node %d: onA %+v, onB %+v; want both online", i, st["onA"], st["onB"])
		}
		if l := st["left"]; l.Online || !l.LastSeen.Equal(left) {
			t.Errorf("from node %d: left %+v, want offline, last seen %v", i, l, left)
		}
		if n := st["never"]; n.Online || !n.LastSeen.IsZero() {
			t.Errorf("from node %d: never %+v, want offline with zero LastSeen", i, n)
		}
	}
	if st, err := a.Status(t.Context(), nil); err != nil || len(st) != 0 {
		t.Fatalf("Status(nil) = %v, %v", st, err)
	}
	users := make([]chat.UserID, 2500)
	for i := range users {
		users[i] = chat.UserID(fmt.Sprintf("many-%d", i))
	}
	for _, u := range users[:10] {
		connect(t, a, "a", u, true)
	}
	connect(t, b, "b", users[2499], true)
	st := status(t, a, users...)
	for i, u := range users {
		if want := i < 10 || i == 2499; st[u].Online != want {
			t.Fatalf("%s online = %v, want %v", u, st[u].Online, want)
		}
	}
}

// However many connections open and close at once on however many nodes,
// the user comes online once and goes offline once.
func concurrent(t *testing.T, h Harness) {
	ns := h.Nodes(t, 2, time.Now)
	const perNode = 20
	var came, went atomic.Int32
	var wg sync.WaitGroup
	run := func(f func(chat.Presence) (bool, error), hits *atomic.Int32) {
		for _, p := range ns {
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
	run(func(p chat.Presence) (bool, error) { return p.Connected(ctx, "u") }, &came)
	if st := status(t, ns[1], "u")["u"]; !st.Online {
		t.Fatal("not online after the connections")
	}
	run(func(p chat.Presence) (bool, error) { return p.Disconnected(ctx, "u") }, &went)
	if came.Load() != 1 || went.Load() != 1 {
		t.Fatalf("came online %d times, went offline %d times; want 1 and 1", came.Load(), went.Load())
	}
	if st := status(t, ns[0], "u")["u"]; st.Online {
		t.Fatal("online after every disconnection")
	}
}

// Close ends this node's connections as if each disconnected, last seen
// then; it reports nobody through OnExpired, and the node takes no new
// connections. Users connected on other nodes stay online.
func closeNode(t *testing.T, h Harness) {
	c := NewClock()
	ns := h.Nodes(t, 2, c.Now)
	other, closing := ns[0], ns[1]
	cluster := other != closing
	var expired atomic.Int32
	for _, p := range ns {
		p.OnExpired(func([]chat.UserID) { expired.Add(1) })
	}
	if cluster {
		connect(t, other, "other", "both", true)
		connect(t, closing, "closing", "both", false)
	}
	connect(t, closing, "closing", "mine", true)
	connect(t, closing, "closing", "mine", false)
	closed := c.Advance(time.Hour)
	if err := closing.Close(); err != nil {
		t.Fatal(err)
	}
	st := status(t, other, "both", "mine")
	if cluster && !st["both"].Online {
		t.Error("a user still connected on another node went offline")
	}
	if s := st["mine"]; s.Online || !s.LastSeen.Equal(closed) {
		t.Errorf("mine after Close: %+v, want offline, last seen %v", s, closed)
	}
	if _, err := closing.Connected(t.Context(), "x"); chat.ErrorCode(err) != chat.Unavailable {
		t.Errorf("Connected after Close: %v, want unavailable", err)
	}
	disconnect(t, closing, "closing", "mine", false) // released by Close already
	if h.Expiry > 0 {
		time.Sleep(2 * h.Expiry) // past the closed node's lease: nothing to report
	}
	if n := expired.Load(); n != 0 {
		t.Fatalf("OnExpired called %d times after a Close", n)
	}
	if cluster {
		disconnect(t, other, "other", "both", true)
	}
}

// A node that dies without closing: exactly one live node reports, once,
// the users it alone had; they are offline, last seen about the crash.
func nodeDeath(t *testing.T, h Harness) {
	if h.Kill == nil {
		t.Skip("nodes of this implementation cannot die apart from the process")
	}
	ns := h.Nodes(t, 3, time.Now)
	a, c, b := ns[0], ns[1], ns[2]
	var mu sync.Mutex
	var calls [][]chat.UserID
	more := make(chan struct{}, 1)
	for _, p := range []chat.Presence{a, c} {
		p.OnExpired(func(users []chat.UserID) {
			mu.Lock()
			calls = append(calls, slices.Clone(users))
			mu.Unlock()
			select {
			case more <- struct{}{}:
			default:
			}
		})
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(calls) }

	connect(t, b, "b", "onlyB", true)
	connect(t, b, "b", "both", true)
	connect(t, a, "a", "both", false)
	connect(t, b, "b", "twice", true)
	connect(t, b, "b", "twice", false)
	killed := time.Now()
	h.Kill(t, b)

	deadline := time.After(h.Expiry + 30*time.Second) // generous: a busy machine
	for count() == 0 {
		select {
		case <-more:
		case <-deadline:
			t.Fatal("the dead node's users were never reported")
		}
	}
	t.Logf("dead node reported %v after the crash", time.Since(killed).Round(time.Millisecond))
	time.Sleep(h.Expiry) // a second report would come within another lease
	mu.Lock()
	got := slices.Concat(calls...)
	n := len(calls)
	mu.Unlock()
	slices.Sort(got)
	if n != 1 {
		t.Fatalf("OnExpired called %d times in all; want once", n)
	}
	if want := []chat.UserID{"onlyB", "twice"}; !slices.Equal(got, want) {
		t.Fatalf("expired users %v, want %v", got, want)
	}
	st := status(t, a, "onlyB", "both", "twice")
	if !st["both"].Online {
		t.Error("a user connected on a live node went offline")
	}
	for _, u := range []chat.UserID{"onlyB", "twice"} {
		if s := st[u]; s.Online || s.LastSeen.Before(killed.Add(-time.Second)) || s.LastSeen.After(time.Now()) {
			t.Errorf("%s: %+v, want offline, last seen about the crash", u, s)
		}
	}
	connect(t, a, "a", "onlyB", true)
}
