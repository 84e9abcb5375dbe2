package chat_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parley/internal/chat"
	"parley/internal/inmem"
	"parley/internal/password"
	"parley/internal/ratelimit"
	"parley/internal/sqlite"
)

// touchCounter counts the last-seen writes that reach the store.
type touchCounter struct {
	chat.Store
	n atomic.Int32
}

func (c *touchCounter) TouchSession(ctx context.Context, hash []byte, at time.Time) error {
	c.n.Add(1)
	return c.Store.TouchSession(ctx, hash, at)
}

// A session in use has its last-seen written at most once a minute, however
// many requests it makes, concurrent ones included.
func TestLastSeenIsWrittenAtMostOncePerInterval(t *testing.T) {
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	counted := &touchCounter{Store: store}
	var clock atomic.Int64
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	clock.Store(start.UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
	accounts := chat.NewAccounts(chat.Config{Store: counted, Bus: inmem.NewBus(), Now: now,
		RateLimiters: ratelimit.Local(now), Passwords: password.New(chat.Limits{}, cheapHashes())})
	u, err := store.CreateUser(t.Context(), chat.NewUser{ID: "u1", Username: "alice", DisplayName: "a", PasswordHash: "x", CreatedAt: start})
	if err != nil {
		t.Fatal(err)
	}
	token, err := accounts.IssueToken(t.Context(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	burst := func() {
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				if _, err := accounts.Authenticate(t.Context(), token); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	for _, step := range []struct {
		after time.Duration
		want  int32
	}{
		{10 * time.Second, 0},  // used within the minute of its login
		{61 * time.Second, 1},  // a minute on: one write for 50 requests
		{90 * time.Second, 1},  // within the minute of that write
		{122 * time.Second, 2}, // the next minute
	} {
		clock.Store(start.Add(step.after).UnixNano())
		burst()
		if got := counted.n.Load(); got != step.want {
			t.Fatalf("at +%v: %d last-seen writes, want %d", step.after, got, step.want)
		}
	}
}
