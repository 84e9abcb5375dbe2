package e2e

import (
	"context"
	"testing"
	"time"

	"parley/client"
	"parley/internal/chat"
	"parley/internal/server"
	"parley/internal/testserver"
)

// A session revoked without its session_ended event — here its row deleted
// straight from the store, as a lost bus event would leave it — still ends
// its open WebSocket and poll session within the check interval.
func TestRevokedSessionEndsWithoutItsEvent(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) { c.SessionCheckInterval = 200 * time.Millisecond })
	alice := srv.NewUser(t, "alice")
	ws := alice.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	poll, err := alice.Client.Connect(ctx, client.ConnectOptions{LongPoll: true, PollWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { poll.Close() })

	store, err := server.OpenStore(ctx, srv.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.DeleteSession(ctx, chat.TokenHash(alice.Token())); err != nil {
		t.Fatal(err)
	}
	endedWith(t, ws, "4500")
	endedWith(t, poll, "unauthorized")
}
