package e2e

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"parley/client"
	"parley/internal/testserver"
)

// ctxT bounds a test's requests generously: many tests share one for all
// their calls, and a busy 2-core machine runs them slowly.
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// next waits for the first event matching pred, failing after 30 s.
func next(t testing.TB, c *client.Conn, pred func(client.Event) bool) client.Event {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("connection ended: %v", c.Err())
			}
			if pred(ev) {
				return ev
			}
		case <-timeout:
			t.Fatal("timed out waiting for an event")
		}
	}
}

func isMessage(room client.RoomID, text string) func(client.Event) bool {
	return func(ev client.Event) bool {
		return ev.Type == "message" && ev.Message.RoomID == room && (text == "" || ev.Message.Text == text)
	}
}

func isType(typ string) func(client.Event) bool {
	return func(ev client.Event) bool { return ev.Type == typ }
}

// collectSeqs reads message events of room until want messages arrived or
// the timeout passes, returning the seqs in arrival order.
func collectSeqs(t testing.TB, c *client.Conn, room client.RoomID, want int, timeout time.Duration) []int64 {
	t.Helper()
	var seqs []int64
	deadline := time.After(timeout)
	for len(seqs) < want {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("connection ended after %d messages: %v", len(seqs), c.Err())
			}
			if ev.Type == "message" && ev.Message.RoomID == room {
				seqs = append(seqs, ev.Message.Seq)
			}
		case <-deadline:
			return seqs
		}
	}
	return seqs
}

func seqRange(from, to int64) []int64 {
	var out []int64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

// diff describes how got differs from want: missing and repeated seqs.
func diff(got, want []int64) string {
	seen := map[int64]int{}
	for _, s := range got {
		seen[s]++
	}
	var missing, dup []int64
	for _, s := range want {
		if seen[s] == 0 {
			missing = append(missing, s)
		}
	}
	for s, n := range seen {
		if n > 1 {
			dup = append(dup, s)
		}
	}
	slices.Sort(dup)
	return fmt.Sprintf("missing %v, duplicated %v", head(missing), head(dup))
}

func head(s []int64) []int64 {
	if len(s) > 10 {
		return s[:10]
	}
	return s
}

func mustCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := client.ErrorCode(err); got != code {
		t.Fatalf("error = %v, want code %q", err, code)
	}
}

func newRoom(t testing.TB, owner *testserver.User, name string, members ...*testserver.User) client.RoomSummary {
	t.Helper()
	var names []string
	for _, m := range members {
		names = append(names, m.Username)
	}
	r, err := owner.CreateRoom(ctxT(t), name, names...)
	if err != nil {
		t.Fatalf("create room: %v", err)
	}
	return r
}
