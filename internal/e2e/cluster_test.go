package e2e

import (
	"testing"

	"parley/client"
	"parley/internal/testserver"
)

// Every kind of live event crosses nodes: room membership, messages, read
// positions, receipts, removals and logouts.
func TestLiveEventsCrossNodes(t *testing.T) {
	nodes := testserver.StartCluster(t, 2)
	a, b := nodes[0], nodes[1]
	alice := a.NewUser(t, "alice")
	bobA := a.NewUser(t, "bob")
	carolA := a.NewUser(t, "carol")
	bob, carol := bobA.On(b), carolA.On(b)
	ctx := ctxT(t)

	bc, cc := bob.Connect(t), carol.Connect(t) // both on node B
	ac := alice.Connect(t)                     // on node A
	bobOnA := bobA.Connect(t)                  // bob's second device, on node A

	room := newRoom(t, alice, "across", bobA)
	if ev := next(t, bc, isType("room_added")); ev.Room.ID != room.ID {
		t.Fatalf("bob's room_added on node B = %+v", ev.Room)
	}
	if _, err := ac.Send(ctx, room.ID, "m1", "hello from A"); err != nil {
		t.Fatal(err)
	}
	next(t, bc, isMessage(room.ID, "hello from A"))

	// Invite: carol (node B) sees the room and its next messages.
	if _, err := alice.Invite(ctx, room.ID, "carol"); err != nil {
		t.Fatal(err)
	}
	next(t, cc, isType("room_added"))
	if _, err := ac.Send(ctx, room.ID, "m2", "welcome carol"); err != nil {
		t.Fatal(err)
	}
	next(t, cc, isMessage(room.ID, "welcome carol"))

	// Read positions: bob reads on B; his device on A and alice's receipts on A hear it.
	base, err := alice.Receipts(ctx, room.ID)
	if err != nil {
		t.Fatal(err)
	}
	m2 := next(t, bc, isMessage(room.ID, "welcome carol")).Message
	if _, err := bc.MarkRead(ctx, room.ID, m2.Seq); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, bobOnA, isType("read")); ev.Read.LastReadSeq != m2.Seq {
		t.Fatalf("bob's device on A got read position %d", ev.Read.LastReadSeq)
	}
	applyReceipts(t, ac, room.ID, base, func(h []client.ReadCount) bool {
		return client.UnreadBy(h, m2.Seq) == 1 // only carol has not read it
	})

	// Removal on A stops delivery to carol on B.
	if err := alice.RemoveMember(ctx, room.ID, carol.ID); err != nil {
		t.Fatal(err)
	}
	next(t, cc, isType("room_removed"))
	if _, err := ac.Send(ctx, room.ID, "m3", "after carol left"); err != nil {
		t.Fatal(err)
	}
	next(t, bc, isMessage(room.ID, "after carol left"))
	marker := newRoom(t, alice, "marker", carolA)
	if _, err := alice.SendMessage(ctx, marker.ID, "", "marker", 0); err != nil {
		t.Fatal(err)
	}
	for {
		ev := next(t, cc, isType("message"))
		if ev.Message.Text == "after carol left" {
			t.Fatal("carol received a message of a room she was removed from")
		}
		if ev.Message.Text == "marker" {
			break
		}
	}

	// Logout on node A ends bob's session on node B at once.
	if err := bobA.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	for range bc.Events() {
	}
	if !containsCode(bc.Err(), "4500") {
		t.Fatalf("bob's connection on B ended with %v, want 4500", bc.Err())
	}
	_, err = bob.Rooms(ctx)
	mustCode(t, err, "unauthorized")
}
