package e2e

import (
	"testing"

	"parley/client"
	"parley/internal/chat"
	"parley/internal/testserver"
)

// System lines never count as unread (docs/protocol.md, "Unread"): a
// rename, a member added, a role change and a pin leave the other member's
// count at 0 in the room list, the room, the ready frame and the answer to
// a read; only real messages count.
func TestSystemLinesAreNotUnread(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob, carol := srv.NewUser(t, "alice"), srv.NewUser(t, "bob"), srv.NewUser(t, "carol")
	befriend(t, alice, carol)
	room := newRoom(t, alice, "unread", bob)
	ctx := ctxT(t)
	bc := bob.Connect(t)

	// systemLine waits until bob has seen a system line of type typ live.
	systemLine := func(typ chat.SystemType) client.Message {
		t.Helper()
		return *next(t, bc, func(ev client.Event) bool {
			return ev.Type == "message" && ev.Message.RoomID == room.ID && ev.Message.System != nil && ev.Message.System.Type == typ
		}).Message
	}
	// everywhere checks bob's count in GET /rooms, GET /rooms/{id} and a
	// fresh connection's ready frame.
	everywhere := func(step string, want int64) {
		t.Helper()
		if got := unreadOf(t, bob, room.ID); got != want {
			t.Errorf("%s: bob's room list says %d unread, want %d", step, got, want)
		}
		if r, err := bob.Room(ctx, room.ID); err != nil || r.Unread != want {
			t.Errorf("%s: bob's room says %d unread (%v), want %d", step, r.Unread, err, want)
		}
		ready := next(t, bob.Connect(t), isType("ready")).Ready
		for _, r := range ready.Rooms {
			if r.ID == room.ID && r.Unread != want {
				t.Errorf("%s: bob's ready frame says %d unread, want %d", step, r.Unread, want)
			}
		}
	}

	name := "renamed"
	if _, err := alice.UpdateRoom(ctx, room.ID, &name, nil); err != nil {
		t.Fatal(err)
	}
	systemLine(chat.RoomRenamed)
	if res, err := alice.Invite(ctx, room.ID, carol.Username); err != nil || len(res.Added) != 1 {
		t.Fatalf("invite carol = %+v, %v; want her added", res, err)
	}
	systemLine(chat.MembersAdded)
	if _, err := alice.SetRole(ctx, room.ID, carol.ID, chat.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	systemLine(chat.RoleChanged)
	everywhere("after a rename, an invite and a role change", 0)

	msg, err := alice.SendMessage(ctx, room.ID, "", "hello", 0)
	if err != nil {
		t.Fatal(err)
	}
	next(t, bc, isMessage(room.ID, "hello"))
	if _, err := alice.Pin(ctx, room.ID, msg.Seq); err != nil {
		t.Fatal(err)
	}
	pinLine := systemLine(chat.MessagePinned)
	everywhere("after a message and a pin", 1)

	// Reading the message leaves only the pin after it: nothing unread.
	pos, err := bob.MarkRead(ctx, room.ID, msg.Seq)
	if err != nil || pos.Unread != 0 || pos.LastSeq != pinLine.Seq {
		t.Fatalf("bob reads the message = %+v, %v; want unread 0 as of seq %d", pos, err, pinLine.Seq)
	}
	everywhere("after reading the message", 0)

	for _, text := range []string{"two", "three"} {
		if _, err := alice.SendMessage(ctx, room.ID, "", text, 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := alice.UpdateRoom(ctx, room.ID, new("again"), nil); err != nil {
		t.Fatal(err)
	}
	everywhere("after two messages and a rename", 2)
	if pos, err := bob.MarkRead(ctx, room.ID, pinLine.Seq+1); err != nil || pos.Unread != 1 {
		t.Fatalf("bob reads the first of two = %+v, %v; want unread 1", pos, err)
	}
	everywhere("after reading one of two", 1)
}
