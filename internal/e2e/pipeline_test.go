package e2e

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"parley/client"
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
