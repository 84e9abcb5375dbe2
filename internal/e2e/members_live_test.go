package e2e

import (
	"slices"
	"testing"

	"parley/client"
	"parley/internal/testserver"
)

func isMembers(room client.RoomID) func(client.Event) bool {
	return func(ev client.Event) bool { return ev.Type == "members" && ev.Members.RoomID == room }
}

func isRoomUpdated(room client.RoomID, members int) func(client.Event) bool {
	return func(ev client.Event) bool {
		return ev.Type == "room_updated" && ev.RoomInfo.ID == room && ev.RoomInfo.MemberCount == members
	}
}

// A member's list and room-list entry stay right without refetching: every
// join, leave, removal and role change arrives live with the entries it
// changed, names and presence included, and the room's new member count.
func testMemberListLive(t *testing.T, nodes []*testserver.Server) {
	n0, n1, n2 := nodes[0], nodes[1], nodes[2]
	alice, bob, carol, dave, eve := n0.NewUser(t, "alice"), n0.NewUser(t, "bob"), n0.NewUser(t, "carol"),
		n0.NewUser(t, "dave"), n0.NewUser(t, "eve")
	status := "new here"
	if _, err := carol.UpdateProfile(ctxT(t), nil, &status); err != nil {
		t.Fatal(err)
	}
	room := newRoom(t, alice, "live", bob)
	ctx := ctxT(t)
	bc := bob.On(n1).Connect(t)
	ec := eve.On(n2).Connect(t)
	carol.On(n2).Connect(t) // online, so her entry will say so
	side := newRoom(t, eve, "side", carol)
	waitOnline(t, eve, side.ID, carol.ID, true)

	// Join: the entry comes with the event.
	msg, err := alice.Invite(ctx, room.ID, "carol", "dave")
	if err != nil {
		t.Fatal(err)
	}
	ev := next(t, bc, isMembers(room.ID))
	if ev.Members.Seq != msg.Message.Seq || len(ev.Members.Members) != 2 || len(ev.Members.Removed) != 0 {
		t.Fatalf("members event after the invite = %+v", ev.Members)
	}
	byName := map[string]client.Member{}
	for _, m := range ev.Members.Members {
		byName[m.Username] = m
	}
	if c := byName["carol"]; c.UserID != carol.ID || c.DisplayName != carol.DisplayName || c.StatusMessage != status ||
		c.Role != "member" || !c.Online || c.LastReadSeq != msg.Message.Seq {
		t.Errorf("carol's entry = %+v", c)
	}
	if d := byName["dave"]; d.UserID != dave.ID || d.Online {
		t.Errorf("dave's entry = %+v", d)
	}
	next(t, bc, isRoomUpdated(room.ID, 4))

	// Role change.
	if _, err := alice.SetRole(ctx, room.ID, carol.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	ev = next(t, bc, isMembers(room.ID))
	if len(ev.Members.Members) != 1 || ev.Members.Members[0].UserID != carol.ID || ev.Members.Members[0].Role != "admin" {
		t.Errorf("members event after the promotion = %+v", ev.Members)
	}

	// Removal and leave.
	if err := carol.RemoveMember(ctx, room.ID, dave.ID); err != nil {
		t.Fatal(err)
	}
	ev = next(t, bc, isMembers(room.ID))
	if !slices.Equal(ev.Members.Removed, []client.UserID{dave.ID}) || len(ev.Members.Members) != 0 {
		t.Errorf("members event after the removal = %+v", ev.Members)
	}
	next(t, bc, isRoomUpdated(room.ID, 3))
	if err := carol.Leave(ctx, room.ID); err != nil {
		t.Fatal(err)
	}
	ev = next(t, bc, isMembers(room.ID))
	if !slices.Equal(ev.Members.Removed, []client.UserID{carol.ID}) {
		t.Errorf("members event after leaving = %+v", ev.Members)
	}
	next(t, bc, isRoomUpdated(room.ID, 2))

	// The owner leaving hands the room on: the heir's new role arrives too.
	if err := alice.Leave(ctx, room.ID); err != nil {
		t.Fatal(err)
	}
	ev = next(t, bc, isMembers(room.ID))
	if !slices.Equal(ev.Members.Removed, []client.UserID{alice.ID}) {
		t.Errorf("members event after the owner left = %+v", ev.Members)
	}
	ev = next(t, bc, isMembers(room.ID))
	if len(ev.Members.Members) != 1 || ev.Members.Members[0].UserID != bob.ID || ev.Members.Members[0].Role != "owner" {
		t.Errorf("members event of the hand-over = %+v", ev.Members)
	}

	// Room list entries: the announcement arrives as room_updated.
	note := "stand-up at 11"
	if _, err := bob.UpdateRoom(ctx, room.ID, nil, &note); err != nil {
		t.Fatal(err)
	}
	next(t, bc, func(ev client.Event) bool { return ev.Type == "room_updated" && ev.RoomInfo.Announcement == note })

	// Eve was never a member and heard none of it.
	noneBefore(t, ec, marker(t, bob, eve), func(ev client.Event) bool {
		return ev.Type == "members" || ev.Type == "room_updated" && ev.RoomInfo.ID == room.ID ||
			ev.Type == "message" && ev.Message.RoomID == room.ID
	})
}

func TestMemberListLiveOneNode(t *testing.T) { testMemberListLive(t, oneNode(t)) }

func TestMemberListLiveThreeNodes(t *testing.T) { testMemberListLive(t, threeNodes(t)) }
