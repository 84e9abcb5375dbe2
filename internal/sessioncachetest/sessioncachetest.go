// Package sessioncachetest is the conformance suite of a session cache: a
// chat.Store put in front of the store to answer sessions without it. Every
// cache (internal/redis, and internal/inmem's "none") runs it, so a cache
// never changes what a session lookup answers on any node: above all, a
// session deleted on one node is refused on every node at once.
//
// The store behind is SQLite in a temporary folder: the authority the cache
// must agree with, not a fake that could agree with a wrong cache.
package sessioncachetest

import (
	"crypto/rand"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"parley/internal/chat"
	"parley/internal/sqlite"
)

// Cache puts the cache under test in front of store. Called again with the
// same store within a test it returns another node's cache, sharing what
// the nodes of a cluster share.
type Cache func(t *testing.T, store chat.Store) chat.Store

// Run runs the suite.
func Run(t *testing.T, cache Cache) {
	t.Run("EverySessionFieldReadsBackOnEveryNode", func(t *testing.T) { readBack(t, cache) })
	t.Run("UnknownSessionsAreNotRemembered", func(t *testing.T) { unknown(t, cache) })
	t.Run("DeletedSessionIsRefusedOnEveryNode", func(t *testing.T) { deleted(t, cache) })
	t.Run("EveryDeletionOfManyIsRefusedOnEveryNode", func(t *testing.T) { deletedMany(t, cache) })
	t.Run("TouchIsSeenOnEveryNodeAndNeverRevives", func(t *testing.T) { touch(t, cache) })
}

type fixture struct {
	t      *testing.T
	store  chat.Store
	nodes  []chat.Store
	base   time.Time
	nusers int
}

func open(t *testing.T, cache Cache) *fixture {
	t.Helper()
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "sessions.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &fixture{
		t: t, store: store,
		nodes: []chat.Store{cache(t, store), cache(t, store)},
		base:  time.Now().UTC().Truncate(time.Millisecond),
	}
}

func (f *fixture) user() chat.UserID {
	f.t.Helper()
	f.nusers++
	id := chat.UserID(fmt.Sprintf("user%d", f.nusers))
	if _, err := f.store.CreateUser(f.t.Context(), chat.NewUser{ID: id, Username: string(id), DisplayName: string(id),
		PasswordHash: "x", CreatedAt: f.base}); err != nil {
		f.t.Fatal(err)
	}
	return id
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// session creates a session of user on node 0, used age ago, and reads
// it on every node so that each has what it would cache.
func (f *fixture) session(user chat.UserID, id string, age time.Duration) chat.Session {
	f.t.Helper()
	s := chat.Session{ID: id, TokenHash: randomBytes(f.t, 32), UserID: user, CreatedAt: f.base.Add(-time.Hour),
		ExpiresAt: f.base.Add(time.Hour), LastSeenAt: f.base.Add(-age), UserAgent: "agent/1", Addr: "192.0.2.1",
		DeviceHash: randomBytes(f.t, 32)}
	if err := f.nodes[0].CreateSession(f.t.Context(), s); err != nil {
		f.t.Fatal(err)
	}
	for i := range f.nodes {
		f.accepted(i, s)
	}
	return s
}

// accepted fails unless node i answers s as the store does.
func (f *fixture) accepted(i int, s chat.Session) {
	f.t.Helper()
	want, err := f.store.SessionByTokenHash(f.t.Context(), s.TokenHash)
	if err != nil {
		f.t.Fatalf("the store: %v", err)
	}
	got, err := f.nodes[i].SessionByTokenHash(f.t.Context(), s.TokenHash)
	if err != nil {
		f.t.Fatalf("node %d refused session %s: %v", i, s.ID, err)
	}
	if !same(got, want) {
		f.t.Fatalf("node %d answered %+v, the store %+v", i, got, want)
	}
}

// refused fails unless every node answers NotFound for s.
func (f *fixture) refused(s chat.Session) {
	f.t.Helper()
	for i, n := range f.nodes {
		if _, err := n.SessionByTokenHash(f.t.Context(), s.TokenHash); chat.ErrorCode(err) != chat.NotFound {
			f.t.Fatalf("node %d on deleted session %s: err %v, want not_found", i, s.ID, err)
		}
	}
}

func same(a, b chat.Session) bool {
	return a.ID == b.ID && string(a.TokenHash) == string(b.TokenHash) && a.UserID == b.UserID &&
		a.CreatedAt.Equal(b.CreatedAt) && a.ExpiresAt.Equal(b.ExpiresAt) && a.LastSeenAt.Equal(b.LastSeenAt) &&
		a.UserAgent == b.UserAgent && a.Addr == b.Addr && string(a.DeviceHash) == string(b.DeviceHash)
}

func readBack(t *testing.T, cache Cache) {
	f := open(t, cache)
	s := f.session(f.user(), "s1", 0)
	for i := range f.nodes { // again: now from whatever each node kept
		f.accepted(i, s)
	}
}

// A lookup of an unknown session is not remembered: the session created
// right after (by a node without the cache, or whose cache write was lost)
// works at once.
func unknown(t *testing.T, cache Cache) {
	f := open(t, cache)
	s := chat.Session{ID: "late", TokenHash: randomBytes(t, 32), UserID: f.user(), CreatedAt: f.base, ExpiresAt: f.base.Add(time.Hour), LastSeenAt: f.base}
	for i, n := range f.nodes {
		if _, err := n.SessionByTokenHash(t.Context(), s.TokenHash); chat.ErrorCode(err) != chat.NotFound {
			t.Fatalf("node %d on an unknown session: err %v, want not_found", i, err)
		}
	}
	if err := f.store.CreateSession(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	for i := range f.nodes {
		f.accepted(i, s)
	}
}

func deleted(t *testing.T, cache Cache) {
	f := open(t, cache)
	u := f.user()
	s, other := f.session(u, "s1", 0), f.session(u, "s2", 0)
	if err := f.nodes[0].DeleteSession(t.Context(), s.TokenHash); err != nil {
		t.Fatal(err)
	}
	f.refused(s)
	f.accepted(1, other)
	if err := f.nodes[1].DeleteSession(t.Context(), s.TokenHash); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
}

// Each store call that deletes sessions: what it returns is refused on
// every node at once, and only that.
func deletedMany(t *testing.T, cache Cache) {
	cases := []struct {
		name string
		del  func(f *fixture, n chat.Store, u chat.UserID) ([]chat.Session, error)
		want []string // of the sessions s1 (used now), s2 (1 min ago), s3 (2 h ago)
	}{
		{"DeleteUserSession", func(f *fixture, n chat.Store, u chat.UserID) ([]chat.Session, error) {
			s, err := n.DeleteUserSession(f.t.Context(), u, "s2")
			return []chat.Session{s}, err
		}, []string{"s2"}},
		{"DeleteOtherSessions", func(f *fixture, n chat.Store, u chat.UserID) ([]chat.Session, error) {
			return n.DeleteOtherSessions(f.t.Context(), u, "s1")
		}, []string{"s2", "s3"}},
		{"ChangePassword", func(f *fixture, n chat.Store, u chat.UserID) ([]chat.Session, error) {
			return n.ChangePassword(f.t.Context(), u, "new hash", "s2")
		}, []string{"s1", "s3"}},
		{"TrimSessions", func(f *fixture, n chat.Store, u chat.UserID) ([]chat.Session, error) {
			return n.TrimSessions(f.t.Context(), u, 1)
		}, []string{"s2", "s3"}},
		{"DeleteExpiredSessions", func(f *fixture, n chat.Store, u chat.UserID) ([]chat.Session, error) {
			return n.DeleteExpiredSessions(f.t.Context(), f.base, f.base.Add(-time.Hour), 100)
		}, []string{"s3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := open(t, cache)
			u := f.user()
			all := []chat.Session{f.session(u, "s1", 0), f.session(u, "s2", time.Minute), f.session(u, "s3", 2*time.Hour)}
			gone, err := c.del(f, f.nodes[0], u)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, s := range gone {
				ids = append(ids, s.ID)
			}
			slices.Sort(ids)
			if !slices.Equal(ids, c.want) {
				t.Fatalf("deleted %v, want %v", ids, c.want)
			}
			for _, s := range all {
				if slices.Contains(c.want, s.ID) {
					f.refused(s)
				} else {
					f.accepted(1, s)
				}
			}
		})
	}
}

// A touch on one node is what every node then reads; a touch of a session
// deleted meanwhile does not bring it back.
func touch(t *testing.T, cache Cache) {
	f := open(t, cache)
	s := f.session(f.user(), "s1", time.Hour)
	if err := f.nodes[0].TouchSession(t.Context(), s.TokenHash, f.base); err != nil {
		t.Fatal(err)
	}
	for i := range f.nodes {
		f.accepted(i, s)
		got, _ := f.nodes[i].SessionByTokenHash(t.Context(), s.TokenHash)
		if !got.LastSeenAt.Equal(f.base) {
			t.Fatalf("node %d reads last seen %v after the touch, want %v", i, got.LastSeenAt, f.base)
		}
	}
	if err := f.nodes[0].DeleteSession(t.Context(), s.TokenHash); err != nil {
		t.Fatal(err)
	}
	if err := f.nodes[1].TouchSession(t.Context(), s.TokenHash, f.base.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	f.refused(s)
}
