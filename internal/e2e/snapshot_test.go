package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"parley/client"
	"parley/internal/testserver"
)

// A connection opened while others are sending into its room gets that
// room's live messages from exactly ready's last_seq + 1, none twice and none
// skipped (docs/protocol.md, "The ready frame"). The race this guards against
// (a node that had not yet delivered the snapshot's newest seqs handed them to
// the new connection again) showed for about one connection in forty, so
// many connections are opened, in waves, during a steady stream.
func TestConnectDuringStreamStartsAfterSnapshot(t *testing.T) {
	srv := testserver.Start(t)
	checkSnapshotsDuringStream(t, []*testserver.Server{srv})
}

// The same across nodes: the new connection's node learns of messages over
// the bus, the snapshot comes from the store, and the two must line up.
func TestConnectDuringStreamStartsAfterSnapshotAcrossNodes(t *testing.T) {
	checkSnapshotsDuringStream(t, testserver.StartCluster(t, 3))
}

const (
	snapshotWaves      = 8
	snapshotWaveConns  = 30
	snapshotFollowMsgs = 5 // live messages each connection checks after its ready
)

func checkSnapshotsDuringStream(t *testing.T, nodes []*testserver.Server) {
	alice := nodes[0].NewUser(t, "alice")
	bob := nodes[0].NewUser(t, "bob")
	room := newRoom(t, alice, "busy", bob)
	ctx := ctxT(t)

	// A steady stream from one sender per node, each waiting for its ack:
	// commits and publishes of different senders interleave.
	stop := make(chan struct{})
	var senders sync.WaitGroup
	sendErr := make(chan error, len(nodes))
	for i, n := range nodes {
		c := alice.On(n).Connect(t)
		senders.Add(1)
		go func() {
			defer senders.Done()
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := c.Send(ctx, room.ID, "", fmt.Sprintf("node %d message %d", i, k)); err != nil {
					sendErr <- err
					return
				}
			}
		}()
	}
	defer func() { close(stop); senders.Wait() }()

	for wave := range snapshotWaves {
		var wg sync.WaitGroup
		errs := make(chan error, snapshotWaveConns)
		for i := range snapshotWaveConns {
			node := nodes[(wave+i)%len(nodes)]
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := followFromSnapshot(t, node, bob.Token(), room.ID, snapshotFollowMsgs); err != nil {
					errs <- fmt.Errorf("wave %d, connection %d on %s: %w", wave, i, node.Addr, err)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		select {
		case err := <-sendErr:
			t.Fatalf("sender: %v", err)
		default:
		}
		if t.Failed() {
			return
		}
	}
}

// followFromSnapshot opens a raw WebSocket, reads ready and then the room's
// live messages until it has n of them, and checks they run on from the
// snapshot's last_seq without a repeat or a gap.
func followFromSnapshot(t *testing.T, node *testserver.Server, token string, room client.RoomID, n int) error {
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+node.Addr+"/api/v1/ws?token="+token, nil)
	if err != nil {
		return err
	}
	defer ws.Close()
	// Generous: on a loaded machine a wave of connections and three nodes
	// share two cores.
	ws.SetReadDeadline(time.Now().Add(60 * time.Second))
	var snapshot int64 = -1
	var seqs []int64
	for len(seqs) < n {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return fmt.Errorf("after %d messages: %w", len(seqs), err)
		}
		testserver.CheckFrames(t, data)
		for line := range strings.SplitSeq(string(data), "\n") {
			if line == "" {
				continue
			}
			var f struct {
				Type string          `json:"type"`
				Data json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal([]byte(line), &f); err != nil {
				return fmt.Errorf("frame %q: %w", line, err)
			}
			switch {
			case snapshot < 0:
				if f.Type != "ready" {
					return fmt.Errorf("first frame is %q, not ready", f.Type)
				}
				var r client.Ready
				if err := json.Unmarshal(f.Data, &r); err != nil {
					return err
				}
				for _, rs := range r.Rooms {
					if rs.ID == room {
						snapshot = rs.LastSeq
					}
				}
				if snapshot < 0 {
					return fmt.Errorf("room missing from ready")
				}
			case f.Type == "message":
				var m client.Message
				if err := json.Unmarshal(f.Data, &m); err != nil {
					return err
				}
				if m.RoomID != room {
					continue
				}
				if want := snapshot + int64(len(seqs)) + 1; m.Seq != want {
					return fmt.Errorf("ready said last_seq %d; live messages %v then %d (want %d)", snapshot, seqs, m.Seq, want)
				}
				seqs = append(seqs, m.Seq)
			}
		}
	}
	ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	return nil
}
