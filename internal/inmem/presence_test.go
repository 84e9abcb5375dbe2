package inmem

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parley/internal/chat"
)

// clock is a settable clock for last-seen times.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func TestPresenceTransitions(t *testing.T) {
	ctx := t.Context()
	p := NewPresence(nil)
	step := func(what string, got bool, err error, want bool) {
		t.Helper()
		if err != nil || got != want {
			t.Fatalf("%s = %v, %v; want %v", what, got, err, want)
		}
	}
	on, err := p.Connected(ctx, "u")
	step("first Connected", on, err, true)
	on, err = p.Connected(ctx, "u")
	step("second Connected", on, err, false)
	on, err = p.Connected(ctx, "v")
	step("other user's Connected", on, err, true)
	off, err := p.Disconnected(ctx, "u")
	step("first Disconnected", off, err, false)
	off, err = p.Disconnected(ctx, "u")
	step("last Disconnected", off, err, true)
	off, err = p.Disconnected(ctx, "u")
	step("unbalanced Disconnected", off, err, false)
	on, err = p.Connected(ctx, "u")
	step("Connected again", on, err, true)
}

func TestPresenceStatusLastSeen(t *testing.T) {
	ctx := t.Context()
	c := &clock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	p := NewPresence(c.now)
	p.Connected(ctx, "on")
	p.Connected(ctx, "gone")
	c.set(c.now().Add(time.Minute))
	left := c.now()
	p.Disconnected(ctx, "gone")
	c.set(c.now().Add(time.Minute))

	st, err := p.Status(ctx, []chat.UserID{"on", "gone", "never"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[chat.UserID]chat.PresenceStatus{
		"on":    {Online: true, LastSeen: c.now()},
		"gone":  {LastSeen: left},
		"never": {},
	}
	for u, w := range want {
		if g, ok := st[u]; !ok || g.Online != w.Online || !g.LastSeen.Equal(w.LastSeen) {
			t.Errorf("Status[%s] = %+v (present %v), want %+v", u, g, ok, w)
		}
	}
	if len(st) != len(want) {
		t.Errorf("Status has %d entries, want %d", len(st), len(want))
	}
}

func TestPresenceConcurrent(t *testing.T) {
	ctx := t.Context()
	p := NewPresence(nil)
	const n = 64
	var came, went atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			on, err := p.Connected(ctx, "u")
			if err != nil {
				t.Error(err)
			}
			if on {
				came.Add(1)
			}
		})
	}
	wg.Wait()
	for range n {
		wg.Go(func() {
			off, err := p.Disconnected(ctx, "u")
			if err != nil {
				t.Error(err)
			}
			if off {
				went.Add(1)
			}
		})
	}
	wg.Wait()
	if came.Load() != 1 || went.Load() != 1 {
		t.Fatalf("came online %d times, went offline %d times; want 1 and 1", came.Load(), went.Load())
	}
}

func TestPresenceClose(t *testing.T) {
	ctx := t.Context()
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	p := NewPresence(c.now)
	called := false
	p.OnExpired(func([]chat.UserID) { called = true })
	p.Connected(ctx, "u")
	p.Connected(ctx, "u")
	c.set(c.now().Add(time.Hour))
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	st, _ := p.Status(ctx, []chat.UserID{"u"})
	if st["u"].Online || !st["u"].LastSeen.Equal(c.now()) {
		t.Fatalf("after Close: %+v, want offline, last seen %v", st["u"], c.now())
	}
	if off, err := p.Disconnected(ctx, "u"); off || err != nil {
		t.Fatalf("Disconnected after Close = %v, %v; want false, nil", off, err)
	}
	if _, err := p.Connected(ctx, "u"); chat.ErrorCode(err) != chat.Unavailable {
		t.Fatalf("Connected after Close: err %v, want unavailable", err)
	}
	if called {
		t.Fatal("OnExpired function called")
	}
}
