package e2e

import (
	"testing"

	"parley/client"
	"parley/internal/testserver"
)

func unreadOf(t testing.TB, u *testserver.User, room client.RoomID) int64 {
	t.Helper()
	rooms, err := u.Rooms(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rooms {
		if r.ID == room {
			return r.Unread
		}
	}
	t.Fatalf("%s does not have room %s", u.Username, room)
	return 0
}

func TestReadCountsMoveAsMembersRead(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob, carol := srv.NewUser(t, "alice"), srv.NewUser(t, "bob"), srv.NewUser(t, "carol")
	room := newRoom(t, alice, "reads", bob, carol)
	ctx := ctxT(t)
	ac := alice.Connect(t)
	var last client.Message
	for range 3 {
		m, err := ac.Send(ctx, room.ID, "", "msg")
		if err != nil {
			t.Fatal(err)
		}
		last = m
	}
	// Every message is unread by bob and carol; alice read what she sent.
	hist, _ := alice.History(ctx, room.ID, client.Page{After: 1, Asc: true})
	for _, m := range hist {
		if m.Unread == nil || *m.Unread != 2 {
			t.Fatalf("seq %d unread = %v, want 2", m.Seq, m.Unread)
		}
	}
	if got := unreadOf(t, bob, room.ID); got != 3 {
		t.Fatalf("bob's unread = %d, want 3", got)
	}
	if got := unreadOf(t, alice, room.ID); got != 0 {
		t.Fatalf("alice's unread = %d, want 0", got)
	}

	// Bob reads up to the second message: alice sees receipts, counts drop.
	bc := bob.Connect(t)
	bobPhone := bob.Connect(t) // bob's other device hears his read position
	base, err := alice.Receipts(ctx, room.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bc.MarkRead(ctx, room.ID, last.Seq-1); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, bobPhone, isType("read")); ev.Read.LastReadSeq != last.Seq-1 {
		t.Fatalf("bob's other device got read position %d, want %d", ev.Read.LastReadSeq, last.Seq-1)
	}
	hist2 := applyReceipts(t, ac, room.ID, base, func(h []client.ReadCount) bool {
		return client.UnreadBy(h, last.Seq-1) == 1 && client.UnreadBy(h, last.Seq) == 2
	})
	if client.UnreadBy(hist2, last.Seq) != 2 {
		t.Fatalf("last message unread by %d, want 2", client.UnreadBy(hist2, last.Seq))
	}
	if got := unreadOf(t, bob, room.ID); got != 1 {
		t.Fatalf("bob's unread = %d, want 1", got)
	}
	// Positions never move back, and are capped at the last seq.
	pos, err := bob.MarkRead(ctx, room.ID, 1)
	if err != nil || pos.LastReadSeq != last.Seq-1 {
		t.Fatalf("mark read backwards = %+v, %v", pos, err)
	}
	pos, _ = bob.MarkRead(ctx, room.ID, 1_000_000)
	if pos.LastReadSeq != last.Seq {
		t.Fatalf("mark read past the end = %d, want %d", pos.LastReadSeq, last.Seq)
	}
	if _, err := carol.MarkRead(ctx, room.ID, last.Seq); err != nil {
		t.Fatal(err)
	}
	applyReceipts(t, ac, room.ID, hist2, func(h []client.ReadCount) bool { return client.UnreadBy(h, last.Seq) == 0 })
	hist, _ = alice.History(ctx, room.ID, client.Page{After: 1, Asc: true})
	for _, m := range hist {
		if *m.Unread != 0 {
			t.Fatalf("seq %d unread = %d after everyone read", m.Seq, *m.Unread)
		}
	}
}

// applyReceipts applies live receipts events on top of base until ok holds:
// base is taken before the reads, so only the live path can satisfy ok.
func applyReceipts(t testing.TB, c *client.Conn, room client.RoomID, base []client.ReadCount, ok func([]client.ReadCount) bool) []client.ReadCount {
	t.Helper()
	state := map[int64]int{}
	for _, h := range base {
		state[h.Seq] = h.Count
	}
	flat := func() []client.ReadCount {
		var out []client.ReadCount
		for s, n := range state {
			out = append(out, client.ReadCount{Seq: s, Count: n})
		}
		return out
	}
	for !ok(flat()) {
		ev := next(t, c, func(ev client.Event) bool { return ev.Type == "receipts" && ev.Receipts.RoomID == room })
		for _, rc := range ev.Receipts.Counts {
			state[rc.Seq] = rc.Count
		}
	}
	return flat()
}

// Sending reads everything up to the message sent (docs/protocol.md, "send"):
// each of the sender's connections, the sending one included, gets a read
// event at the new seq with no mentions left, and the room's histogram holds
// the sender there.
func TestSendingMovesYourReadPosition(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "sends", bob)
	ctx := ctxT(t)
	ac, phone := alice.Connect(t), alice.Connect(t)
	if _, err := bob.SendMessage(ctx, room.ID, "", "@alice look", 0); err != nil {
		t.Fatal(err)
	}
	if got := mentionsOf(t, alice, room.ID); got != 1 {
		t.Fatalf("alice's mentions before she sends = %d, want 1", got)
	}
	m, err := ac.Send(ctx, room.ID, "reply-1", "looking")
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*client.Conn{"sending connection": ac, "other device": phone} {
		ev := next(t, c, func(ev client.Event) bool { return ev.Type == "read" && ev.Read.RoomID == room.ID })
		if r := ev.Read; r.UserID != alice.ID || r.LastReadSeq != m.Seq || r.LastSeq != m.Seq || r.Mentions != 0 {
			t.Errorf("%s: read event %+v, want alice at %d with 0 mentions up to %d", name, *r, m.Seq, m.Seq)
		}
	}
	if got := mentionsOf(t, alice, room.ID); got != 0 {
		t.Errorf("alice's mentions after sending = %d, want 0", got)
	}
	if got := unreadOf(t, alice, room.ID); got != 0 {
		t.Errorf("alice's unread after sending = %d, want 0", got)
	}
	h, err := alice.Receipts(ctx, room.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := client.UnreadBy(h, m.Seq); got != 1 {
		t.Errorf("alice's message is unread by %d, want 1 (bob)", got)
	}
}
