package e2e

import (
	"slices"
	"testing"

	"parley/client"
	"parley/internal/testserver"
)

func TestDirectRoomIsOnePerPair(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	ctx := ctxT(t)
	bc := bob.Connect(t)
	a, err := alice.OpenDirect(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind != "direct" || a.Peer == nil || a.Peer.ID != bob.ID {
		t.Fatalf("direct room = %+v, want kind direct with peer bob", a)
	}
	if ev := next(t, bc, isType("room_added")); ev.Room.ID != a.ID || ev.Room.Peer.ID != alice.ID {
		t.Fatalf("bob's room_added = %+v", ev.Room)
	}
	b, err := bob.OpenDirect(ctx, "alice")
	if err != nil || b.ID != a.ID {
		t.Fatalf("bob opened %v (%v), want the same room %v", b.ID, err, a.ID)
	}
	again, _ := alice.OpenDirect(ctx, "bob")
	if again.ID != a.ID {
		t.Fatal("reopening made a new room")
	}
	_, err = alice.Invite(ctx, a.ID, "carol")
	if client.ErrorCode(err) != "forbidden" && client.ErrorCode(err) != "invalid" {
		t.Fatalf("invite into a direct room: %v", err)
	}
}

func TestRoomListAndManagement(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob, carol, dave := srv.NewUser(t, "alice"), srv.NewUser(t, "bob"), srv.NewUser(t, "carol"), srv.NewUser(t, "dave")
	ctx := ctxT(t)
	older := newRoom(t, alice, "older", bob)
	room := newRoom(t, alice, "team", bob)
	bc := bob.Connect(t)
	cc := carol.Connect(t)

	// Invite: carol sees the room appear live; bob sees the system message.
	if _, err := bob.Invite(ctx, room.ID, "carol"); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, cc, isType("room_added")); ev.Room.ID != room.ID || ev.Room.Name != "team" {
		t.Fatalf("carol's room_added = %+v", ev.Room)
	}
	if ev := next(t, bc, isMessage(room.ID, "")); ev.Message.System == nil || ev.Message.System.Type != "members_added" {
		t.Fatalf("bob got %+v, want a members_added system message", ev.Message)
	}
	// Carol now gets the room's messages live.
	if _, err := alice.SendMessage(ctx, room.ID, "", "welcome carol", 0); err != nil {
		t.Fatal(err)
	}
	next(t, cc, isMessage(room.ID, "welcome carol"))

	// Room list: most recent activity first, with preview, unread, members.
	if _, err := alice.SendMessage(ctx, older.ID, "", "bump", 0); err != nil {
		t.Fatal(err)
	}
	rooms, err := bob.Rooms(ctx)
	if err != nil || len(rooms) != 2 || rooms[0].ID != older.ID || rooms[1].ID != room.ID {
		t.Fatalf("bob's rooms = %+v, %v; want older (bumped) first", rooms, err)
	}
	if rooms[0].LastMessage == nil || rooms[0].LastMessage.Text != "bump" || rooms[0].Unread != 1 || rooms[0].MemberCount != 2 {
		t.Fatalf("older summary = %+v", rooms[0])
	}
	if rooms[1].MemberCount != 3 {
		t.Fatalf("team has %d members, want 3", rooms[1].MemberCount)
	}

	// Management, as everyone sees it (who may do what: internal/chat
	// TestGroupRoles).
	name := "renamed"
	if _, err := alice.SetRole(ctx, room.ID, bob.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	ann := "standup at 10"
	sum, err := bob.UpdateRoom(ctx, room.ID, &name, &ann)
	if err != nil || sum.Name != "renamed" || sum.Announcement != "standup at 10" {
		t.Fatalf("admin update = %+v, %v", sum, err)
	}
	if ev := next(t, cc, isType("room_updated")); ev.RoomInfo.Announcement != "standup at 10" {
		t.Fatalf("carol's room_updated = %+v", ev.RoomInfo)
	}
	clear := ""
	if sum, _ := alice.UpdateRoom(ctx, room.ID, nil, &clear); sum.Announcement != "" || sum.Name != "renamed" {
		t.Fatalf("clearing the announcement: %+v", sum)
	}
	if _, err := bob.SetRole(ctx, room.ID, carol.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Invite(ctx, room.ID, "dave"); err != nil {
		t.Fatal(err)
	}
	if err := bob.RemoveMember(ctx, room.ID, dave.ID); err != nil {
		t.Fatalf("admin removing a member: %v", err)
	}
	members, _ := alice.Members(ctx, room.ID)
	roles := map[string]string{}
	for _, m := range members {
		roles[m.Username] = string(m.Role)
	}
	if len(members) != 3 || roles["alice"] != "owner" || roles["bob"] != "admin" || roles["carol"] != "admin" {
		t.Fatalf("members = %v", roles)
	}

	// The owner leaves: the longest-standing admin becomes owner.
	if err := alice.Leave(ctx, room.ID); err != nil {
		t.Fatal(err)
	}
	members, _ = bob.Members(ctx, room.ID)
	roles = map[string]string{}
	for _, m := range members {
		roles[m.Username] = string(m.Role)
	}
	if roles["bob"] != "owner" {
		t.Fatalf("after the owner left: %v, want bob owner", roles)
	}

	// Every change is in history as a system message, in seq order.
	hist, _ := bob.History(ctx, room.ID, client.Page{Asc: true, Limit: 100})
	var kinds []string
	for _, m := range hist {
		if m.System != nil {
			kinds = append(kinds, string(m.System.Type))
		}
	}
	want := []string{"room_created", "members_added", "role_changed", "room_renamed", "announcement_changed",
		"announcement_changed", "role_changed", "members_added", "member_removed", "member_left", "role_changed"}
	if !slices.Equal(kinds, want) {
		t.Fatalf("system messages = %v\nwant %v", kinds, want)
	}
}
