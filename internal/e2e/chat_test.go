package e2e

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"parley/client"
	"parley/internal/testserver"
)

func TestTwoUsersChatLive(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "general", bob)
	ac, bc := alice.Connect(t), bob.Connect(t)
	ctx := ctxT(t)

	ack, err := ac.Send(ctx, room.ID, "c-1", "hello bob")
	if err != nil {
		t.Fatal(err)
	}
	if ack.Seq != 2 || ack.ClientID != "c-1" || ack.ID == "" || ack.CreatedAt.IsZero() {
		t.Fatalf("ack = %+v, want seq 2 (after the room_created message), client_id, id, created_at", ack)
	}
	got := next(t, bc, isMessage(room.ID, "hello bob")).Message
	if got.ID != ack.ID || got.SenderID != alice.ID {
		t.Fatalf("bob got %+v, want the acked message from alice", got)
	}
	if _, err := bc.Send(ctx, room.ID, "c-1", "hi alice"); err != nil { // same client_id, other sender: a new message
		t.Fatal(err)
	}
	if m := next(t, ac, isMessage(room.ID, "hi alice")).Message; m.Seq != 3 {
		t.Fatalf("alice got seq %d, want 3", m.Seq)
	}
}

func TestThreeUsersSeeEveryMessageInOrder(t *testing.T) {
	srv := testserver.Start(t)
	users := []*testserver.User{srv.NewUser(t, "ann"), srv.NewUser(t, "ben"), srv.NewUser(t, "cat")}
	room := newRoom(t, users[0], "trio", users[1], users[2])
	conns := make([]*client.Conn, len(users))
	for i, u := range users {
		conns[i] = u.Connect(t)
	}
	const each = 30
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range each {
				if _, err := c.Send(context.Background(), room.ID, fmt.Sprintf("%d-%d", i, n), "hi"); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	want := seqRange(2, 1+each*int64(len(users)))
	for i, c := range conns {
		if got := collectSeqs(t, c, room.ID, len(want), time.Minute); !slices.Equal(got, want) {
			t.Errorf("%s saw %d messages: %s", users[i].Username, len(got), diff(got, want))
		}
	}
}

func TestReconnectMidBurstLosesNothing(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "burst", bob)
	ac, bc := alice.Connect(t), bob.Connect(t)

	const total = 1000
	sent := make(chan error, 1)
	go func() {
		for i := range total {
			if _, err := ac.Send(context.Background(), room.ID, fmt.Sprint("m", i), fmt.Sprint("message ", i)); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	want := seqRange(2, total+1)
	var got []int64
	drops := 0
	deadline := time.After(60 * time.Second)
	for len(got) < total {
		select {
		case ev, ok := <-bc.Events():
			if !ok {
				t.Fatalf("bob's connection ended: %v", bc.Err())
			}
			if ev.Type != "message" {
				continue
			}
			got = append(got, ev.Message.Seq)
			if len(got) == 200 || len(got) == 600 { // cut the network twice mid-burst
				bc.Drop()
				drops++
			}
		case <-deadline:
			t.Fatalf("bob saw %d of %d messages: %s", len(got), total, diff(got, want))
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("bob saw %d messages: %s", len(got), diff(got, want))
	}
	if n := bc.GapFills(); n != 0 {
		t.Fatalf("bob's client repaired %d live seq gaps; the server must deliver none", n)
	}
	if bc.Connects() < 1+drops {
		t.Fatalf("bob connected %d times, want at least %d (the drops must have reconnected)", bc.Connects(), 1+drops)
	}
}

func TestResendWithSameClientIDYieldsOneMessage(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "idem", bob)
	ctx := ctxT(t)
	first, err := alice.SendMessage(ctx, room.ID, "same", "once", 0)
	if err != nil {
		t.Fatal(err)
	}
	again, err := alice.SendMessage(ctx, room.ID, "same", "once", 0)
	if err != nil {
		t.Fatal(err)
	}
	ac := alice.Connect(t)
	viaWS, err := ac.Send(ctx, room.ID, "same", "once")
	if err != nil {
		t.Fatal(err)
	}
	// Concurrent repeats race to the store; still one message.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m, err := alice.SendMessage(ctx, room.ID, "racy", "racy", 0)
			if err != nil {
				t.Error(err)
			}
			_ = m
		}()
	}
	wg.Wait()
	if again.ID != first.ID || again.Seq != first.Seq || viaWS.ID != first.ID {
		t.Fatalf("repeats returned %v/%v and %v/%v, want the original %v/%v", again.ID, again.Seq, viaWS.ID, viaWS.Seq, first.ID, first.Seq)
	}
	hist, err := alice.History(ctx, room.ID, client.Page{Asc: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 { // room_created, "once", "racy"
		t.Fatalf("history has %d messages, want 3", len(hist))
	}
}

func TestHistoryPages(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.NewUser(t, "alice")
	room := newRoom(t, alice, "pages")
	ctx := ctxT(t)
	for i := range 120 {
		if _, err := alice.SendMessage(ctx, room.ID, fmt.Sprint(i), fmt.Sprint("n", i), 0); err != nil {
			t.Fatal(err)
		}
	}
	seqs := func(ms []client.Message) []int64 {
		var out []int64
		for _, m := range ms {
			out = append(out, m.Seq)
		}
		return out
	}
	newest, err := alice.History(ctx, room.ID, client.Page{Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if got := seqs(newest); !slices.Equal(got, []int64{121, 120, 119, 118, 117}) {
		t.Fatalf("newest page = %v", got)
	}
	older, _ := alice.History(ctx, room.ID, client.Page{Before: 117, Limit: 3})
	if got := seqs(older); !slices.Equal(got, []int64{116, 115, 114}) {
		t.Fatalf("before 117 = %v", got)
	}
	after, _ := alice.History(ctx, room.ID, client.Page{After: 10, Limit: 3, Asc: true})
	if got := seqs(after); !slices.Equal(got, []int64{11, 12, 13}) {
		t.Fatalf("after 10 asc = %v", got)
	}
	all, _ := alice.History(ctx, room.ID, client.Page{Limit: 100})
	if len(all) != 100 {
		t.Fatalf("limit 100 returned %d", len(all))
	}
}

func TestReplyEditDelete(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "edits", bob)
	bc := bob.Connect(t)
	ctx := ctxT(t)
	orig, _ := alice.SendMessage(ctx, room.ID, "o", "original", 0)
	reply, err := bob.SendMessage(ctx, room.ID, "r", "a reply", orig.Seq)
	if err != nil || reply.ReplyTo != orig.Seq {
		t.Fatalf("reply = %+v, %v", reply, err)
	}

	edited, err := alice.EditMessage(ctx, room.ID, orig.Seq, "edited")
	if err != nil || edited.Text != "edited" || edited.EditedAt == nil {
		t.Fatalf("edit = %+v, %v", edited, err)
	}
	if ev := next(t, bc, isType("message_updated")); ev.Message.Text != "edited" {
		t.Fatalf("bob's update = %+v", ev.Message)
	}
	del, err := alice.DeleteMessage(ctx, room.ID, orig.Seq)
	if err != nil || !del.Deleted || del.Text != "" {
		t.Fatalf("delete = %+v, %v", del, err)
	}
	if ev := next(t, bc, isType("message_updated")); !ev.Message.Deleted {
		t.Fatalf("bob's update = %+v", ev.Message)
	}
	hist, _ := bob.History(ctx, room.ID, client.Page{Asc: true})
	if len(hist) != 3 || !hist[1].Deleted || hist[1].Seq != orig.Seq {
		t.Fatalf("history keeps no tombstone in seq %d: %+v", orig.Seq, hist)
	}
}
