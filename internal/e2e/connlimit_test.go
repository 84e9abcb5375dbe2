package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"parley/internal/server"
	"parley/internal/testserver"
)

// One user holds at most --max-conns-per-user WebSockets and poll sessions
// on a node. The place is taken before a connection is admitted, so ten
// opened at once get exactly the cap; the rest are closed with 4003, a poll
// session is answered 429, and a closed connection frees its place.
func TestConnectionsPerUserAreCapped(t *testing.T) {
	const max = 3
	srv := testserver.Start(t, func(c *server.Config) { c.Realtime.MaxConnsPerUser = max })
	alice := srv.NewUser(t, "alice")
	url := "ws://" + srv.Addr + "/api/v1/ws?token=" + alice.Token()

	var (
		mu      sync.Mutex
		open    []*websocket.Conn
		refused int
		wg      sync.WaitGroup
	)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws, _, err := websocket.DefaultDialer.Dial(url, nil)
			if err != nil {
				t.Error(err)
				return
			}
			ws.SetReadDeadline(time.Now().Add(30 * time.Second))
			_, _, err = ws.ReadMessage()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil: // ready
				open = append(open, ws)
			case websocket.IsCloseError(err, 4003):
				refused++
				ws.Close()
			default:
				t.Errorf("connection ended with %v, want ready or close 4003", err)
				ws.Close()
			}
		}()
	}
	wg.Wait()
	if len(open) != max || refused != 10-max {
		t.Fatalf("%d open and %d refused, want %d and %d", len(open), refused, max, 10-max)
	}
	status, e := rawVia(t, http.DefaultClient, srv, alice.Token(), "POST", "/api/v1/poll/over-the-cap-0001", "")
	if status != http.StatusTooManyRequests || e.Code != "rate_limited" {
		t.Fatalf("poll session over the cap: %d %q, want 429 rate_limited", status, e.Code)
	}

	open[0].WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	open[0].Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ws, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			t.Fatal(err)
		}
		ws.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, _, err = ws.ReadMessage()
		ws.Close()
		if err == nil {
			break
		}
		if !websocket.IsCloseError(err, 4003) || time.Now().After(deadline) {
			t.Fatalf("after closing one: %v", err)
		}
	}
	for _, ws := range open[1:] {
		ws.Close()
	}
}

// A poll session's queued and unconfirmed events together are bounded by
// --max-queue-bytes: a client that keeps polling without ever confirming
// (its cursor stays 0) is answered closed 4001, as a WebSocket that never
// reads is closed as too slow, instead of holding its backlog for ever.
func TestUnconfirmedPollBacklogIsBounded(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) { c.Realtime.MaxQueueBytes = 16 << 10 })
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, bob, "busy", alice)
	const id = "never-confirms-0001"
	if status, e := rawVia(t, http.DefaultClient, srv, alice.Token(), "POST", "/api/v1/poll/"+id, ""); status != http.StatusCreated {
		t.Fatalf("open poll session: %d %v", status, e)
	}
	text := strings.Repeat("x", 1000)
	deadline := time.Now().Add(30 * time.Second)
	for sent := 0; ; sent++ {
		if sent < 100 {
			if _, err := bob.SendMessage(ctxT(t), room.ID, "", text, 0); err != nil {
				t.Fatal(err)
			}
		}
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/poll/"+id+"?cursor=0&wait=1", nil)
		req.Header.Set("Authorization", "Bearer "+alice.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b struct {
			Closed *struct{ Code int }
		}
		err = json.NewDecoder(resp.Body).Decode(&b)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("poll: %d %v", resp.StatusCode, err)
		}
		if b.Closed != nil {
			if b.Closed.Code != 4001 {
				t.Fatalf("closed with %d, want 4001", b.Closed.Code)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("after 100 KiB of events never confirmed the session is still open")
		}
	}
}
