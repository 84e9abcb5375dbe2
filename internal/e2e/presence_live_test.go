package e2e

import (
	"testing"
	"time"

	"parley/client"
	"parley/internal/testserver"
)

func isPresence(user client.UserID, online bool) func(client.Event) bool {
	return func(ev client.Event) bool {
		return ev.Type == "presence" && ev.Presence.UserID == user && ev.Presence.Online == online
	}
}

func isRoomPresence(room client.RoomID, online int) func(client.Event) bool {
	return func(ev client.Event) bool {
		return ev.Type == "room_presence" && ev.RoomPresence.RoomID == room && ev.RoomPresence.Online == online
	}
}

// Coming online and going offline reach, live, the user's friends and the
// members of the small rooms they share; a big room gets its online count
// instead; everyone else hears nothing.
func testLivePresence(t *testing.T, nodes []*testserver.Server) {
	n0, n1, n2 := nodes[0], nodes[1], nodes[2]
	alice, bob, carol, dave, erin := n0.NewUser(t, "alice"), n0.NewUser(t, "bob"), n0.NewUser(t, "carol"),
		n0.NewUser(t, "dave"), n0.NewUser(t, "erin")
	fill1, fill2 := n0.NewUser(t, "fill1"), n0.NewUser(t, "fill2")
	newRoom(t, alice, "small", bob)                     // 2 members: per-member presence
	big := newRoom(t, alice, "big", erin, fill1, fill2) // 4 members: above the limit of 3
	befriend(t, alice, carol)
	ctx := ctxT(t)

	bc := bob.On(n1).Connect(t)
	cc := carol.On(n2).Connect(t)
	dc := dave.On(n1).Connect(t)
	ec := erin.On(n2).Connect(t)

	before := time.Now().Add(-time.Second)
	phone := alice.Connect(t)
	if ev := next(t, bc, isPresence(alice.ID, true)); ev.Presence.LastSeen.Before(before) {
		t.Errorf("online event's last_seen = %v, want about now", ev.Presence.LastSeen)
	}
	next(t, cc, isPresence(alice.ID, true)) // a friend, no room shared
	next(t, ec, isRoomPresence(big.ID, 2))  // erin and alice
	if p, err := erin.RoomPresence(ctx, big.ID); err != nil || p.Online != 2 {
		t.Errorf("RoomPresence = %+v, %v; want 2 online", p, err)
	}

	// A second device changes nothing; the last one closing is "offline".
	laptop := alice.On(n2).Connect(t)
	phone.Close()
	before = time.Now().Add(-time.Second)
	laptop.Close()
	var ev client.Event
	noneBefore(t, bc, func(e client.Event) bool { ev = e; return isPresence(alice.ID, false)(e) },
		isPresence(alice.ID, true))
	if ev.Presence.LastSeen.Before(before) {
		t.Errorf("offline event's last_seen = %v, want about now", ev.Presence.LastSeen)
	}
	noneBefore(t, cc, isPresence(alice.ID, false), isPresence(alice.ID, true))
	next(t, ec, isRoomPresence(big.ID, 1))

	// The big room never got per-member presence; dave, who shares nothing
	// with alice, got nothing at all.
	noneBefore(t, ec, marker(t, bob, erin), func(e client.Event) bool {
		return e.Type == "presence" && e.Presence.UserID == alice.ID
	})
	noneBefore(t, dc, marker(t, bob, dave), anyOf("presence", "room_presence"))

	// Friends come with their presence.
	fs, err := carol.Friends(ctx)
	if err != nil || len(fs) != 1 || fs[0].Online || fs[0].LastSeen == nil || fs[0].LastSeen.Before(before) {
		t.Errorf("carol's friends = %+v, %v; want alice offline, last seen just now", fs, err)
	}
}

func TestLivePresenceOneNode(t *testing.T) { testLivePresence(t, oneNode(t, smallRooms)) }

func TestLivePresenceThreeNodes(t *testing.T) { testLivePresence(t, threeNodes(t, smallRooms)) }

func TestRoomPresenceNotMember(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "private")
	_, err := bob.RoomPresence(ctxT(t), room.ID)
	mustCode(t, err, "not_found")
}
