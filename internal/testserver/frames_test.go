package testserver

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"parley/client"
)

// The client hands every frame to the checker, over a WebSocket and over
// long-poll, and the checker reports a frame the schema does not allow.
func TestFrameCheckerSeesEveryFrame(t *testing.T) {
	srv := Start(t)
	u := srv.NewUser(t, "frames")
	rec := &recorder{TB: t}
	check := FrameChecker(rec)
	var mu sync.Mutex
	var seen []string
	hooked := u.Client.WithFrameHook(func(frame []byte, poll bool) {
		mu.Lock()
		seen = append(seen, string(frame))
		mu.Unlock()
		check(frame, poll)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, opts := range []client.ConnectOptions{{}, {LongPoll: true, PollWait: time.Second}} {
		c, err := hooked.Connect(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !opts.LongPoll {
			if _, err := c.Request(ctx, "ping", nil); err != nil {
				t.Fatal(err)
			}
		}
		c.Close()
	}
	mu.Lock()
	got := strings.Join(seen, "\n")
	mu.Unlock()
	if n := strings.Count(got, `"type":"ready"`); n != 2 || !strings.Contains(got, `"type":"ack"`) {
		t.Fatalf("the hook saw %d ready frames (want one per transport) and no ack:\n%s", n, got)
	}
	if len(rec.errors) != 0 {
		t.Fatalf("valid frames reported: %v", rec.errors)
	}
	check([]byte(`{"type":"ack","data":{},"undocumented":true}`), false)
	check([]byte(`{"type":"ack","data":{}}`), true) // a poll session takes no requests
	if len(rec.errors) != 2 || !strings.Contains(rec.errors[0], "'undocumented' not allowed") {
		t.Fatalf("bad frames not reported as such: %v", rec.errors)
	}
}
