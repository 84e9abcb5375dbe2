package storetest

import (
	"bytes"
	"testing"
	"time"

	"parley/internal/chat"
)

func testCreateUser(t *testing.T, f *fixture) {
	nu := chat.NewUser{
		ID: chat.UserID(newID()), Username: "alice", DisplayName: "Alice Liddell",
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", CreatedAt: f.tick(),
	}
	want := chat.User{ID: nu.ID, Username: nu.Username, DisplayName: nu.DisplayName, CreatedAt: chat.TimeOf(nu.CreatedAt)}
	check := func(what string, got chat.User) {
		t.Helper()
		checkTime(t, what+".CreatedAt", got.CreatedAt.Time, want.CreatedAt.Time)
		got.CreatedAt = want.CreatedAt
		if got != want {
			t.Errorf("%s = %+v, want %+v", what, got, want)
		}
	}

	u, err := f.s.CreateUser(f.ctx, nu)
	if err != nil {
		t.Fatal(err)
	}
	check("CreateUser", u)

	u, err = f.s.UserByID(f.ctx, nu.ID)
	if err != nil {
		t.Fatal(err)
	}
	check("UserByID", u)

	u, hash, err := f.s.UserByUsername(f.ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	check("UserByUsername", u)
	if hash != nu.PasswordHash {
		t.Errorf("UserByUsername hash = %q, want %q", hash, nu.PasswordHash)
	}
}

func testDuplicateUsername(t *testing.T, f *fixture) {
	first := f.user("alice")
	_, err := f.s.CreateUser(f.ctx, chat.NewUser{
		ID: chat.UserID(newID()), Username: "alice", DisplayName: "Impostor", PasswordHash: "x", CreatedAt: f.tick(),
	})
	wantCode(t, "second CreateUser(alice)", err, chat.Conflict)

	u, _, err := f.s.UserByUsername(f.ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != first.ID || u.DisplayName != first.DisplayName {
		t.Errorf("alice is now %+v, want the first account %+v", u, first)
	}
}

func testUnknownUser(t *testing.T, f *fixture) {
	f.user("alice")
	for _, c := range []struct {
		name string
		call func() error
	}{
		{"UserByID", func() error { _, err := f.s.UserByID(f.ctx, chat.UserID(newID())); return err }},
		{"UserByUsername", func() error { _, _, err := f.s.UserByUsername(f.ctx, "bob"); return err }},
		{"UserByUsernameIsExact", func() error { _, _, err := f.s.UserByUsername(f.ctx, "alic"); return err }},
	} {
		t.Run(c.name, func(t *testing.T) { wantCode(t, c.name, c.call(), chat.NotFound) })
	}
}

func testSessions(t *testing.T, f *fixture) {
	alice := f.user("alice")
	now := f.tick()
	a := chat.Session{ID: newID(), TokenHash: bytes.Repeat([]byte{0xa1}, 32), UserID: alice.ID, CreatedAt: now, ExpiresAt: now.Add(30 * 24 * time.Hour),
		LastSeenAt: now, UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", Addr: "192.0.2.7", DeviceHash: bytes.Repeat([]byte{0xd4}, 32)}
	b := chat.Session{ID: newID(), TokenHash: bytes.Repeat([]byte{0xb2}, 32), UserID: alice.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour), LastSeenAt: now}
	for _, s := range []chat.Session{a, b} {
		if err := f.s.CreateSession(f.ctx, s); err != nil {
			t.Fatal(err)
		}
	}

	got, err := f.s.SessionByTokenHash(f.ctx, a.TokenHash)
	if err != nil {
		t.Fatal(err)
	}
	checkSession(t, "SessionByTokenHash", got, a)

	_, err = f.s.SessionByTokenHash(f.ctx, bytes.Repeat([]byte{0xc3}, 32))
	wantCode(t, "unknown token", err, chat.NotFound)

	if err := f.s.DeleteSession(f.ctx, a.TokenHash); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.SessionByTokenHash(f.ctx, a.TokenHash)
	wantCode(t, "deleted session", err, chat.NotFound)
	if _, err := f.s.SessionByTokenHash(f.ctx, b.TokenHash); err != nil {
		t.Errorf("the other session went with it: %v", err)
	}
}

func checkSession(t *testing.T, what string, got, want chat.Session) {
	t.Helper()
	if got.ID != want.ID || !bytes.Equal(got.TokenHash, want.TokenHash) || got.UserID != want.UserID ||
		got.UserAgent != want.UserAgent || got.Addr != want.Addr || !bytes.Equal(got.DeviceHash, want.DeviceHash) {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
	checkTime(t, what+".CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTime(t, what+".ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	checkTime(t, what+".LastSeenAt", got.LastSeenAt, want.LastSeenAt)
}

func testPing(t *testing.T, f *fixture) {
	if err := f.s.Ping(f.ctx); err != nil {
		t.Fatal(err)
	}
}
