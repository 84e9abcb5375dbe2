package e2e

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"parley/client"
	"parley/internal/server"
	"parley/internal/testserver"
)

// A client that writes 200 sends without waiting for any ack (more than a
// connection may have in flight, so the server also stops reading it for a
// while) gets 200 acks in the order it sent, with seqs rising in that order,
// and a member sees the messages in that order too. See decision 0041.
func TestPipelinedSendsAreAckedInOrder(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "pipe", bob)
	watcher := bob.Connect(t)

	type ack struct {
		id  string
		seq int64
	}
	acks := make(chan ack, 400)
	hooked := alice.Client.WithFrameHook(func(frame []byte, poll bool) {
		testserver.CheckFrames(t, frame)
		var f struct {
			Type, ID string
			Data     struct{ Seq int64 }
		}
		if json.Unmarshal(frame, &f) == nil && (f.Type == "ack" || f.Type == "error") {
			acks <- ack{f.ID, f.Data.Seq}
		}
	})
	cn, err := hooked.Connect(ctxT(t), client.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cn.Close() })
	next(t, cn, isType("ready"))

	const sends = 200
	for i := 1; i <= sends; i++ {
		frame := fmt.Sprintf(`{"id":"s%d","type":"send","data":{"room_id":%q,"client_id":"pipe-%d","text":"m%d"}}`, i, room.ID, i, i)
		if err := cn.WriteRaw([]byte(frame)); err != nil {
			t.Fatal(err)
		}
	}
	var last int64
	timeout := time.After(2 * time.Minute)
	for i := 1; i <= sends; i++ {
		select {
		case a := <-acks:
			if a.id != fmt.Sprintf("s%d", i) || a.seq <= last {
				t.Fatalf("reply %d: id %q seq %d after seq %d; want the ack of s%d with a higher seq", i, a.id, a.seq, last, i)
			}
			last = a.seq
		case <-timeout:
			t.Fatalf("%d acks of %d after 2 minutes", i-1, sends)
		}
	}
	for i := 1; i <= sends; i++ {
		ev := next(t, watcher, isMessage(room.ID, ""))
		if ev.Message.Text != fmt.Sprintf("m%d", i) {
			t.Fatalf("message %d seen by bob is %q", i, ev.Message.Text)
		}
	}
}

// --max-frames-in-flight holds. With a bound of 2 and the database's write
// lock held by the test (so no send can commit), the node reads two sends,
// answers the ping behind them at once, reads the third send — and then
// reads nothing more of the connection: the ping behind the third send is
// answered only after the first send's reply. Once the lock goes, every
// frame is answered, the sends in the order sent.
func TestFramesInFlightAreBounded(t *testing.T) {
	const bound = 2
	srv := testserver.Start(t, func(c *server.Config) { c.Realtime.MaxInFlight = bound })
	alice := srv.NewUser(t, "alice")
	room := newRoom(t, alice, "bounded")
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+srv.Addr+"/api/v1/ws?token="+alice.Token(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(2 * time.Minute))
	type reply struct{ Type, ID string }
	replies := make(chan reply, 16)
	go func() {
		defer close(replies)
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			for line := range strings.Lines(string(data)) {
				var r reply
				if json.Unmarshal([]byte(line), &r) == nil && (r.Type == "ack" || r.Type == "error") {
					replies <- r
				}
			}
		}
	}()
	nextReply := func() reply {
		t.Helper()
		select {
		case r, ok := <-replies:
			if !ok {
				t.Fatal("the connection ended")
			}
			return r
		case <-time.After(time.Minute):
			t.Fatal("no reply in a minute")
		}
		return reply{}
	}
	const frames = "parley_frames_received_total"
	before := metricValue(t, srv, frames)

	// The lock is taken after the handshake, whose session touch writes.
	db, err := sql.Open("sqlite", "file:"+srv.DB+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lock, err := db.Conn(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(ctxT(t), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	send := func(i int) string {
		return fmt.Sprintf(`{"id":"s%d","type":"send","data":{"room_id":%q,"client_id":"bounded-%d","text":"m%d"}}`, i, room.ID, i, i)
	}
	for _, f := range []string{send(1), send(2), `{"id":"p1","type":"ping"}`, send(3), `{"id":"p2","type":"ping"}`} {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	if r := nextReply(); r.ID != "p1" {
		t.Fatalf("first reply is to %q, want the ping behind the first %d sends", r.ID, bound)
	}
	// The node has read bound+2 frames once it reads the third send, which
	// it takes in only after a reply; without the bound the second ping
	// would follow at once.
	deadline := time.Now().Add(time.Minute)
	read := metricValue(t, srv, frames) - before
	for read < bound+2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		read = metricValue(t, srv, frames) - before
	}
	if read != bound+2 {
		t.Fatalf("the node read %v frames while %d sends waited for their commit, want %d", read, bound, bound+2)
	}
	select {
	case r := <-replies:
		t.Fatalf("a reply to %q while the sends waited", r.ID)
	default:
	}
	if _, err := lock.ExecContext(ctxT(t), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	var order []string
	for range 4 {
		order = append(order, nextReply().ID)
	}
	s1, s2, s3, p2 := slices.Index(order, "s1"), slices.Index(order, "s2"), slices.Index(order, "s3"), slices.Index(order, "p2")
	if s1 != 0 || s2 < s1 || s3 < s2 || p2 < s1 {
		t.Fatalf("replies after the commit: %q; want the sends in order, s1 first, and p2 after s1", order)
	}
}
