package storetest

import (
	"bytes"
	"crypto/rand"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parley/internal/chat"
)

// sessionCases are the SessionStore's part of the suite.
var sessionCases = []struct {
	name string
	fn   func(t *testing.T, f *fixture)
}{
	{"SessionsForUserNewestUseFirst", testSessionsForUser},
	{"DeleteUserSessionIsTheOwnersOnly", testDeleteUserSession},
	{"DeleteOtherSessionsKeepsOne", testDeleteOtherSessions},
	{"ChangePasswordEndsOtherSessions", testChangePassword},
	{"TouchSessionOnlyMovesForward", testTouchSession},
	{"DeleteExpiredSessions", testDeleteExpiredSessions},
	{"TrimSessionsKeepsTheMostRecentlyUsed", testTrimSessions},
	{"KnownDevice", testKnownDevice},
	{"TicketIsConsumedOnce", testTicketConsumedOnce},
	{"TicketExpiresAndDiesWithItsSession", testTicketExpiry},
}

func randomHash() []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

// session creates a session of u created at and last seen at seen.
func (f *fixture) session(u chat.User, seen time.Time) chat.Session {
	f.t.Helper()
	s := chat.Session{ID: newID(), TokenHash: randomHash(), UserID: u.ID, CreatedAt: seen, LastSeenAt: seen,
		ExpiresAt: seen.Add(24 * time.Hour), UserAgent: "agent " + u.Username, Addr: "198.51.100.1"}
	if err := f.s.CreateSession(f.ctx, s); err != nil {
		f.t.Fatal(err)
	}
	return s
}

func sessionIDs(ss []chat.Session) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}

func sortedSessionIDs(ss []chat.Session) []string {
	out := sessionIDs(ss)
	slices.Sort(out)
	return out
}

func testSessionsForUser(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	old, mid, recent := f.session(alice, f.tick()), f.session(alice, f.tick()), f.session(alice, f.tick())
	f.session(bob, f.tick())
	got, err := f.s.SessionsForUser(f.ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{recent.ID, mid.ID, old.ID}; !slices.Equal(sessionIDs(got), want) {
		t.Fatalf("SessionsForUser = %v, want %v (newest use first)", sessionIDs(got), want)
	}
	checkSession(t, "SessionsForUser[0]", got[0], recent)
	// A touch reorders.
	if err := f.s.TouchSession(f.ctx, old.TokenHash, f.tick()); err != nil {
		t.Fatal(err)
	}
	got, _ = f.s.SessionsForUser(f.ctx, alice.ID)
	if len(got) != 3 || got[0].ID != old.ID {
		t.Fatalf("after touching the oldest: %v, want it first", sessionIDs(got))
	}
}

func testDeleteUserSession(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	a := f.session(alice, f.tick())
	_, err := f.s.DeleteUserSession(f.ctx, bob.ID, a.ID)
	wantCode(t, "bob deleting alice's session", err, chat.NotFound)
	gone, err := f.s.DeleteUserSession(f.ctx, alice.ID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkSession(t, "deleted", gone, a)
	_, err = f.s.SessionByTokenHash(f.ctx, a.TokenHash)
	wantCode(t, "deleted session", err, chat.NotFound)
	_, err = f.s.DeleteUserSession(f.ctx, alice.ID, a.ID)
	wantCode(t, "deleting again", err, chat.NotFound)
}

func testDeleteOtherSessions(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	keep, x, y := f.session(alice, f.tick()), f.session(alice, f.tick()), f.session(alice, f.tick())
	b := f.session(bob, f.tick())
	gone, err := f.s.DeleteOtherSessions(f.ctx, alice.ID, keep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := sortedSessionIDs([]chat.Session{x, y}); !slices.Equal(sortedSessionIDs(gone), want) {
		t.Fatalf("deleted %v, want %v", sortedSessionIDs(gone), want)
	}
	left, _ := f.s.SessionsForUser(f.ctx, alice.ID)
	if !slices.Equal(sessionIDs(left), []string{keep.ID}) {
		t.Fatalf("left %v, want only %s", sessionIDs(left), keep.ID)
	}
	if _, err := f.s.SessionByTokenHash(f.ctx, b.TokenHash); err != nil {
		t.Fatalf("bob's session went too: %v", err)
	}
}

func testChangePassword(t *testing.T, f *fixture) {
	alice := f.user("alice")
	keep, other := f.session(alice, f.tick()), f.session(alice, f.tick())
	gone, err := f.s.ChangePassword(f.ctx, alice.ID, "$argon2id$new", keep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sessionIDs(gone), []string{other.ID}) {
		t.Fatalf("deleted %v, want [%s]", sessionIDs(gone), other.ID)
	}
	_, hash, err := f.s.UserByUsername(f.ctx, "alice")
	if err != nil || hash != "$argon2id$new" {
		t.Fatalf("hash = %q, %v", hash, err)
	}
	if _, err := f.s.SessionByTokenHash(f.ctx, keep.TokenHash); err != nil {
		t.Fatalf("the caller's session went: %v", err)
	}
	_, err = f.s.ChangePassword(f.ctx, chat.UserID(newID()), "x", keep.ID)
	wantCode(t, "unknown user", err, chat.NotFound)
}

func testTouchSession(t *testing.T, f *fixture) {
	alice := f.user("alice")
	s := f.session(alice, f.tick())
	later := f.tick()
	if err := f.s.TouchSession(f.ctx, s.TokenHash, later); err != nil {
		t.Fatal(err)
	}
	if err := f.s.TouchSession(f.ctx, s.TokenHash, s.CreatedAt); err != nil { // a late, older touch
		t.Fatal(err)
	}
	got, err := f.s.SessionByTokenHash(f.ctx, s.TokenHash)
	if err != nil {
		t.Fatal(err)
	}
	checkTime(t, "LastSeenAt", got.LastSeenAt, later)
	if err := f.s.TouchSession(f.ctx, randomHash(), later); err != nil {
		t.Fatalf("touching an unknown session: %v, want nil (it may have just ended)", err)
	}
}

func testDeleteExpiredSessions(t *testing.T, f *fixture) {
	alice := f.user("alice")
	now := f.tick()
	idle := f.session(alice, now.Add(-2*time.Hour)) // last seen 2 h ago
	expired := chat.Session{ID: newID(), TokenHash: randomHash(), UserID: alice.ID, CreatedAt: now.Add(-time.Minute),
		LastSeenAt: now, ExpiresAt: now}
	if err := f.s.CreateSession(f.ctx, expired); err != nil {
		t.Fatal(err)
	}
	live := f.session(alice, now)
	gone, err := f.s.DeleteExpiredSessions(f.ctx, now, now.Add(-time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	if want := sortedSessionIDs([]chat.Session{idle, expired}); !slices.Equal(sortedSessionIDs(gone), want) {
		t.Fatalf("deleted %v, want %v", sortedSessionIDs(gone), want)
	}
	left, _ := f.s.SessionsForUser(f.ctx, alice.ID)
	if !slices.Equal(sessionIDs(left), []string{live.ID}) {
		t.Fatalf("left %v, want [%s]", sessionIDs(left), live.ID)
	}
	// The limit bounds one call; concurrent sweepers get each session once.
	for range 6 {
		f.session(alice, now.Add(-2*time.Hour))
	}
	var (
		mu   sync.Mutex
		seen []string
		wg   sync.WaitGroup
		errs atomic.Int32
	)
	for range 3 {
		wg.Go(func() {
			for {
				gone, err := f.s.DeleteExpiredSessions(f.ctx, now, now.Add(-time.Hour), 2)
				if err != nil {
					if chat.ErrorCode(err) != chat.Unavailable {
						errs.Add(1)
					}
					continue
				}
				if len(gone) > 2 {
					errs.Add(1)
				}
				mu.Lock()
				seen = append(seen, sessionIDs(gone)...)
				mu.Unlock()
				if len(gone) == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	if errs.Load() > 0 {
		t.Fatal("a sweep failed or passed its limit")
	}
	slices.Sort(seen)
	if len(seen) != 6 || len(slices.Compact(seen)) != 6 {
		t.Fatalf("concurrent sweeps deleted %d sessions (%d distinct), want 6 once each", len(seen), len(slices.Compact(seen)))
	}
}

func testTrimSessions(t *testing.T, f *fixture) {
	alice := f.user("alice")
	var all []chat.Session
	for range 5 {
		all = append(all, f.session(alice, f.tick()))
	}
	// The oldest is used again: it stays.
	if err := f.s.TouchSession(f.ctx, all[0].TokenHash, f.tick()); err != nil {
		t.Fatal(err)
	}
	gone, err := f.s.TrimSessions(f.ctx, alice.ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	if want := sortedSessionIDs(all[1:3]); !slices.Equal(sortedSessionIDs(gone), want) {
		t.Fatalf("trimmed %v, want the least recently used %v", sortedSessionIDs(gone), want)
	}
	if gone, _ := f.s.TrimSessions(f.ctx, alice.ID, 3); len(gone) != 0 {
		t.Fatalf("trimming again deleted %v", sessionIDs(gone))
	}
}

func testKnownDevice(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	dev := randomHash()
	s := chat.Session{ID: newID(), TokenHash: randomHash(), UserID: alice.ID, CreatedAt: f.tick(), DeviceHash: dev}
	s.LastSeenAt, s.ExpiresAt = s.CreatedAt, s.CreatedAt.Add(time.Hour)
	if err := f.s.CreateSession(f.ctx, s); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		user chat.UserID
		dev  []byte
		want bool
	}{
		{"alice's device", alice.ID, dev, true},
		{"another device", alice.ID, randomHash(), false},
		{"alice's device for bob", bob.ID, dev, false},
	} {
		got, err := f.s.KnownDevice(f.ctx, c.user, c.dev)
		if err != nil || got != c.want {
			t.Errorf("%s: KnownDevice = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
}

func testTicketConsumedOnce(t *testing.T, f *fixture) {
	alice := f.user("alice")
	s := f.session(alice, f.tick())
	tk := chat.Ticket{Hash: randomHash(), TokenHash: s.TokenHash, UserID: alice.ID, ExpiresAt: s.CreatedAt.Add(30 * time.Second)}
	if err := f.s.CreateTicket(f.ctx, tk); err != nil {
		t.Fatal(err)
	}
	var (
		wg  sync.WaitGroup
		won atomic.Int32
	)
	for range 8 {
		wg.Go(func() {
			got, err := f.s.ConsumeTicket(f.ctx, tk.Hash, s.CreatedAt)
			switch {
			case err == nil:
				won.Add(1)
				if !bytes.Equal(got.TokenHash, s.TokenHash) || got.UserID != alice.ID {
					t.Errorf("ConsumeTicket = %+v", got)
				}
			case chat.ErrorCode(err) != chat.NotFound:
				t.Errorf("ConsumeTicket: %v", err)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d concurrent redemptions succeeded, want 1", won.Load())
	}
}

func testTicketExpiry(t *testing.T, f *fixture) {
	alice := f.user("alice")
	s := f.session(alice, f.tick())
	now := s.CreatedAt
	expired := chat.Ticket{Hash: randomHash(), TokenHash: s.TokenHash, UserID: alice.ID, ExpiresAt: now}
	orphan := chat.Ticket{Hash: randomHash(), TokenHash: s.TokenHash, UserID: alice.ID, ExpiresAt: now.Add(time.Minute)}
	for _, tk := range []chat.Ticket{expired, orphan} {
		if err := f.s.CreateTicket(f.ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.s.ConsumeTicket(f.ctx, expired.Hash, now)
	wantCode(t, "expired ticket", err, chat.NotFound)
	if err := f.s.DeleteSession(f.ctx, s.TokenHash); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.ConsumeTicket(f.ctx, orphan.Hash, now)
	wantCode(t, "ticket of a deleted session", err, chat.NotFound)
	err = f.s.CreateTicket(f.ctx, chat.Ticket{Hash: randomHash(), TokenHash: s.TokenHash, UserID: alice.ID, ExpiresAt: now.Add(time.Minute)})
	wantCode(t, "ticket for a deleted session", err, chat.NotFound)
	s2 := f.session(alice, now)
	stale := chat.Ticket{Hash: randomHash(), TokenHash: s2.TokenHash, UserID: alice.ID, ExpiresAt: now.Add(-time.Second)}
	if err := f.s.CreateTicket(f.ctx, stale); err != nil {
		t.Fatal(err)
	}
	n, err := f.s.DeleteExpiredTickets(f.ctx, now)
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpiredTickets = %d, %v; want 1", n, err)
	}
}
