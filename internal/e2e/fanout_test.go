package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"parley/client"
	"parley/internal/server"
	"parley/internal/testserver"
)

// rawConn reads a user's WebSocket without the Go client, which would hide
// a server's duplicates and gaps: it records every message event's seq per
// room exactly as the server sent it.
type rawConn struct {
	t  testing.TB
	ws *websocket.Conn

	mu   sync.Mutex
	seqs map[client.RoomID][]int64
	done chan struct{}
}

func dialRaw(t testing.TB, srv *testserver.Server, u *testserver.User) *rawConn {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+srv.Addr+"/api/v1/ws?token="+u.Token(), nil)
	if err != nil {
		t.Fatal(err)
	}
	rc := &rawConn{t: t, ws: ws, seqs: map[client.RoomID][]int64{}, done: make(chan struct{})}
	go rc.read()
	t.Cleanup(func() { ws.Close(); <-rc.done })
	return rc
}

func (rc *rawConn) read() {
	defer close(rc.done)
	for {
		_, data, err := rc.ws.ReadMessage()
		if err != nil {
			return
		}
		testserver.CheckFrames(rc.t, data)
		for line := range bytes.SplitSeq(data, []byte{'\n'}) {
			var f struct {
				Type string         `json:"type"`
				Data client.Message `json:"data"`
			}
			if json.Unmarshal(line, &f) == nil && f.Type == "message" {
				rc.mu.Lock()
				rc.seqs[f.Data.RoomID] = append(rc.seqs[f.Data.RoomID], f.Data.Seq)
				rc.mu.Unlock()
			}
		}
	}
}

// waitSeq waits until the connection has seen seq in room and returns
// everything it saw there.
func (rc *rawConn) waitSeq(t testing.TB, room client.RoomID, seq int64) []int64 {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		rc.mu.Lock()
		got := slices.Clone(rc.seqs[room])
		rc.mu.Unlock()
		if slices.Contains(got, seq) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("seq %d never arrived; saw %d messages: %s", seq, len(got), diff(got, nil))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// In a room whose events are batched per window, membership changes in the
// middle of a burst still apply at their seq: the member who stays sees every
// message once, the one invited mid-burst sees exactly what follows the
// invitation, the one removed sees exactly what precedes the removal.
func TestBatchedFanOutAppliesMembershipAtItsSeq(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) {
		c.Delivery.FanoutWindow = 30 * time.Millisecond
		c.Delivery.FanoutBatchConns = 2
	})
	alice, bob, carol, dave := srv.NewUser(t, "alice"), srv.NewUser(t, "bob"), srv.NewUser(t, "carol"), srv.NewUser(t, "dave")
	room := newRoom(t, alice, "busy", bob, carol)
	rb, rcarol, rd := dialRaw(t, srv, bob), dialRaw(t, srv, carol), dialRaw(t, srv, dave)
	ac := alice.Connect(t)
	ctx := ctxT(t)

	var invitedAt, removedAt, last int64
	for i := range 300 {
		m, err := ac.Send(context.Background(), room.ID, fmt.Sprint("m", i), "x")
		if err != nil {
			t.Fatal(err)
		}
		last = m.Seq
		switch i {
		case 100:
			sys, err := alice.Invite(ctx, room.ID, "dave")
			if err != nil {
				t.Fatal(err)
			}
			invitedAt = sys.Message.Seq
		case 200:
			if err := alice.RemoveMember(ctx, room.ID, carol.ID); err != nil {
				t.Fatal(err)
			}
			rs, err := alice.Room(ctx, room.ID)
			if err != nil {
				t.Fatal(err)
			}
			removedAt = rs.LastSeq
		}
	}
	if got, want := rb.waitSeq(t, room.ID, last), seqRange(2, last); !slices.Equal(got, want) {
		t.Errorf("bob: %s", diff(got, want))
	}
	if got, want := rd.waitSeq(t, room.ID, last), seqRange(invitedAt, last); !slices.Equal(got, want) {
		t.Errorf("dave, invited at %d: got %d messages from %v: %s", invitedAt, len(got), head(got), diff(got, want))
	}
	got := rcarol.waitSeq(t, room.ID, removedAt)
	time.Sleep(100 * time.Millisecond) // anything wrongly sent after the removal would be here by now
	rcarol.mu.Lock()
	got = slices.Clone(rcarol.seqs[room.ID])
	rcarol.mu.Unlock()
	if want := seqRange(2, removedAt); !slices.Equal(got, want) {
		t.Errorf("carol, removed at %d: %s (last seen %d)", removedAt, diff(got, want), got[len(got)-1])
	}
}
