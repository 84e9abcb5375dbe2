package chat_test

import (
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"parley/internal/chat"
	"parley/internal/inmem"
	"parley/internal/password"
	"parley/internal/ratelimit"
	"parley/internal/sqlite"
)

// The domain tests drive chat.Service and chat.Accounts directly — SQLite in
// a temp dir, the in-process bus, no HTTP — so that every rule and limit is
// one row of a table and the whole file runs in seconds. The e2e suite keeps
// what needs a transport (decision 0025).

// fakeClock is the time of a domain: it moves only when a test moves it, so
// a rate limit's refill is a step, not a sleep.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// domain is one node's services over a fresh SQLite file.
type domain struct {
	t     *testing.T
	store chat.Store
	svc   *chat.Service
	clock *fakeClock
	cfg   chat.Config
	accts *chat.Accounts
}

// cheapHashes makes the domain tests' password hashes cost microseconds
// instead of tens of milliseconds; internal/password tests the real ones.
func cheapHashes() password.Params { return password.Params{MemoryKiB: 64, Passes: 1} }

func newDomain(t *testing.T, limits chat.Limits) *domain {
	t.Helper()
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clock := newFakeClock()
	c := chat.Config{Store: store, Bus: inmem.NewBus(), Limits: limits, Now: clock.Now,
		RateLimiters: ratelimit.Local(clock.Now), Passwords: password.New(limits, cheapHashes()), Presence: inmem.NewPresence(clock.Now)}
	d := &domain{t: t, store: store, svc: chat.NewService(c), clock: clock, cfg: c}
	t.Cleanup(d.svc.Close)
	return d
}

// accounts is made on first use: it hashes a dummy password (argon2, slow
// under -race) that most tests never need.
func (d *domain) accounts() *chat.Accounts {
	if d.accts == nil {
		d.accts = chat.NewAccounts(d.cfg)
	}
	return d.accts
}

// user makes an account that anyone may add to a room (so invites add at
// once; consent has its own tests).
func (d *domain) user(name string) chat.UserID {
	d.t.Helper()
	u, err := d.store.CreateUser(d.t.Context(), chat.NewUser{ID: chat.UserID(name + "-id"), Username: name,
		DisplayName: name, PasswordHash: "x", CreatedAt: d.clock.Now(), WhoMayAdd: chat.AddAnyone})
	if err != nil {
		d.t.Fatal(err)
	}
	return u.ID
}

// must fails the test on err.
func (d *domain) must(err error) {
	d.t.Helper()
	if err != nil {
		d.t.Fatal(err)
	}
}

func (d *domain) send(from chat.UserID, room chat.RoomID, text string) chat.Message {
	d.t.Helper()
	m, err := d.svc.Send(d.t.Context(), from, chat.SendRequest{RoomID: room, Text: text})
	d.must(err)
	return m
}

// wantCode fails unless err carries code ("" for none).
func wantCode(t *testing.T, what string, err error, code chat.Code) {
	t.Helper()
	if got := chat.ErrorCode(err); got != code {
		t.Errorf("%s: got %q (%v), want %q", what, got, err, code)
	}
}
