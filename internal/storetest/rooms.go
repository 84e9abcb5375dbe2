package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"parley/internal/chat"
)

func (f *fixture) systemIn(room chat.RoomID, ev chat.SystemEvent) chat.NewMessage {
	m := f.system(ev)
	m.RoomID = room
	return m
}

func checkRoom(t *testing.T, what string, got, want chat.Room) {
	t.Helper()
	checkTime(t, what+".CreatedAt", got.CreatedAt.Time, want.CreatedAt.Time)
	checkTime(t, what+".LastMessageAt", got.LastMessageAt.Time, want.LastMessageAt.Time)
	got.CreatedAt, want.CreatedAt = chat.Time{}, chat.Time{}
	got.LastMessageAt, want.LastMessageAt = chat.Time{}, chat.Time{}
	if got != want {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
}

// membersByName returns the room's members sorted by username, so tests do
// not depend on the store's order.
func (f *fixture) membersByName(room chat.RoomID) []chat.Member {
	f.t.Helper()
	ms, err := f.s.Members(f.ctx, room)
	if err != nil {
		f.t.Fatalf("Members: %v", err)
	}
	slices.SortFunc(ms, func(a, b chat.Member) int { return strings.Compare(a.Username, b.Username) })
	return ms
}

func checkMembers(t *testing.T, got, want []chat.Member) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d members %+v, want %d %+v", len(got), got, len(want), want)
	}
	for i := range want {
		checkTime(t, "JoinedAt of "+want[i].Username, got[i].JoinedAt.Time, want[i].JoinedAt.Time)
		g := got[i]
		g.JoinedAt = want[i].JoinedAt
		if g != want[i] {
			t.Errorf("member %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func memberOf(room chat.RoomID, u chat.User, role chat.Role, readSeq int64, joined time.Time) chat.Member {
	return chat.Member{
		RoomID: room, UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName,
		Role: role, LastReadSeq: readSeq, JoinedAt: chat.TimeOf(joined),
	}
}

func testCreateGroupRoom(t *testing.T, f *fixture) {
	alice, bob, carol := f.user("alice"), f.user("bob"), f.user("carol")
	nr := f.newGroup(alice, "friends", bob, carol)
	room, msg := f.create(nr)

	wantRoom := chat.Room{
		ID: nr.ID, Kind: chat.Group, Name: "friends", CreatedAt: chat.TimeOf(nr.CreatedAt),
		LastSeq: 1, LastMessageAt: chat.TimeOf(nr.Message.CreatedAt), MemberCount: 3, Visibility: chat.Private,
	}
	checkRoom(t, "CreateRoom", room, wantRoom)
	checkRoom(t, "Room", f.room(nr.ID), wantRoom)

	wantMsg := asStored(nr.Message, 1)
	wantMsg.RoomID = nr.ID
	checkMessage(t, "CreateRoom message", msg, wantMsg)
	checkMessage(t, "Message(1)", f.message(nr.ID, 1), wantMsg)

	// Everyone's read position starts at the RoomCreated message: a new room
	// has nothing unread.
	want := []chat.Member{
		memberOf(nr.ID, alice, chat.RoleOwner, 1, nr.CreatedAt),
		memberOf(nr.ID, bob, chat.RoleMember, 1, nr.CreatedAt),
		memberOf(nr.ID, carol, chat.RoleMember, 1, nr.CreatedAt),
	}
	checkMembers(t, f.membersByName(nr.ID), want)
	checkMembers(t, []chat.Member{f.member(nr.ID, alice.ID)}, want[:1])
}

func testDirectKeyIsUnique(t *testing.T, f *fixture) {
	alice, bob, carol := f.user("alice"), f.user("bob"), f.user("carol")
	nr := newDirect(alice, bob, f.tick())
	f.create(nr)

	got, err := f.s.DirectRoom(f.ctx, nr.DirectKey)
	if err != nil {
		t.Fatal(err)
	}
	checkRoom(t, "DirectRoom", got, chat.Room{
		ID: nr.ID, Kind: chat.Direct, CreatedAt: chat.TimeOf(nr.CreatedAt), LastSeq: 1, LastMessageAt: chat.TimeOf(nr.CreatedAt), MemberCount: 2,
		Visibility: chat.Private, DirectKey: nr.DirectKey,
	})

	// The peer opening the same pair at the same moment loses, atomically.
	again := newDirect(bob, alice, f.tick())
	if again.DirectKey != nr.DirectKey {
		t.Fatalf("test bug: keys %q and %q differ", again.DirectKey, nr.DirectKey)
	}
	_, _, err = f.s.CreateRoom(f.ctx, again)
	wantCode(t, "second CreateRoom of the pair", err, chat.Conflict)
	_, err = f.s.Room(f.ctx, again.ID)
	wantCode(t, "Room of the refused direct room", err, chat.NotFound)
	if n, err := f.s.CountRoomsForUser(f.ctx, bob.ID); err != nil || n != 1 {
		t.Errorf("bob is in %d rooms (err %v), want 1", n, err)
	}

	_, err = f.s.DirectRoom(f.ctx, directKey(alice.ID, carol.ID))
	wantCode(t, "DirectRoom of a pair with no room", err, chat.NotFound)

	// Groups have no key, and any number of them may exist.
	f.group(alice, bob)
	f.group(alice, bob)
	if n, err := f.s.CountRoomsForUser(f.ctx, alice.ID); err != nil || n != 3 {
		t.Errorf("alice is in %d rooms (err %v), want 3", n, err)
	}
}

func testRoomNotFound(t *testing.T, f *fixture) {
	alice := f.user("alice")
	f.group(alice)
	missing := chat.RoomID(newID())
	_, err := f.s.Room(f.ctx, missing)
	wantCode(t, "Room", err, chat.NotFound)
	_, err = f.s.Member(f.ctx, missing, alice.ID)
	wantCode(t, "Member of a missing room", err, chat.NotFound)
}

func testUpdateRoom(t *testing.T, f *fixture) {
	alice := f.user("alice")
	room, _ := f.create(f.newGroup(alice, "before"))
	str := func(s string) *string { return &s }

	steps := []struct {
		name     string
		update   chat.RoomUpdate
		wantName string
		wantAnn  string
	}{
		{"rename", chat.RoomUpdate{Name: str("after")}, "after", ""},
		{"announce", chat.RoomUpdate{Announcement: str("hello")}, "after", "hello"},
		{"nil fields change nothing", chat.RoomUpdate{}, "after", "hello"},
		{"empty announcement clears", chat.RoomUpdate{Announcement: str("")}, "after", ""},
		{"both", chat.RoomUpdate{Name: str("x"), Announcement: str("y")}, "x", "y"},
	}
	for i, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			nm := f.systemIn(room.ID, chat.SystemEvent{Type: chat.RoomRenamed, Actor: alice.ID, Name: s.wantName, Text: s.wantAnn})
			got, msg, err := f.s.UpdateRoom(f.ctx, room.ID, s.update, nm)
			if err != nil {
				t.Fatal(err)
			}
			seq := int64(i + 2)
			checkMessage(t, "UpdateRoom message", msg, asStored(nm, seq))
			checkMessage(t, "Message", f.message(room.ID, seq), asStored(nm, seq))
			want := room
			want.Name, want.Announcement, want.LastSeq, want.LastMessageAt = s.wantName, s.wantAnn, seq, chat.TimeOf(nm.CreatedAt)
			checkRoom(t, "UpdateRoom", got, want)
			checkRoom(t, "Room", f.room(room.ID), want)
		})
	}

	_, _, err := f.s.UpdateRoom(f.ctx, chat.RoomID(newID()), chat.RoomUpdate{Name: str("z")},
		f.system(chat.SystemEvent{Type: chat.RoomRenamed, Actor: alice.ID, Name: "z"}))
	wantCode(t, "UpdateRoom of a missing room", err, chat.NotFound)
}

func testAddMembers(t *testing.T, f *fixture) {
	alice, bob, carol, dave := f.user("alice"), f.user("bob"), f.user("carol"), f.user("dave")
	nr := f.newGroup(alice, "g", bob)
	f.create(nr)
	f.send(nr.ID, alice.ID, "before carol and dave") // seq 2

	// bob is already a member and is skipped.
	nm := f.systemIn(nr.ID, chat.SystemEvent{Type: chat.MembersAdded, Actor: alice.ID, Users: userIDs([]chat.User{bob, carol, dave})})
	done, err := f.s.AddMembers(f.ctx, chat.Admission{Room: nr.ID, Users: []chat.UserID{bob.ID, carol.ID, dave.ID}, Message: nm})
	if err != nil {
		t.Fatal(err)
	}
	msg := done.Message
	checkMessage(t, "AddMembers message", msg, asStored(nm, 3))
	checkMessage(t, "Message(3)", f.message(nr.ID, 3), asStored(nm, 3))

	r := f.room(nr.ID)
	if r.MemberCount != 4 || r.LastSeq != 3 {
		t.Errorf("room has MemberCount %d, LastSeq %d; want 4, 3", r.MemberCount, r.LastSeq)
	}
	// New members start reading at the message that announced them.
	checkMembers(t, f.membersByName(nr.ID), []chat.Member{
		memberOf(nr.ID, alice, chat.RoleOwner, 2, nr.CreatedAt),
		memberOf(nr.ID, bob, chat.RoleMember, 1, nr.CreatedAt),
		memberOf(nr.ID, carol, chat.RoleMember, 3, nm.CreatedAt),
		memberOf(nr.ID, dave, chat.RoleMember, 3, nm.CreatedAt),
	})

	missing := chat.RoomID(newID())
	_, err = f.s.AddMembers(f.ctx, chat.Admission{Room: missing, Users: []chat.UserID{carol.ID},
		Message: f.systemIn(missing, chat.SystemEvent{Type: chat.MembersAdded, Actor: alice.ID, Users: []chat.UserID{carol.ID}})})
	wantCode(t, "AddMembers to a missing room", err, chat.NotFound)

	// Adding only members adds nobody and appends nothing.
	_, err = f.s.AddMembers(f.ctx, chat.Admission{Room: nr.ID, Users: []chat.UserID{carol.ID},
		Message: f.systemIn(nr.ID, chat.SystemEvent{Type: chat.MembersAdded, Actor: alice.ID, Users: []chat.UserID{carol.ID}})})
	wantCode(t, "AddMembers of a member", err, chat.Conflict)
	if r := f.room(nr.ID); r.LastSeq != 3 {
		t.Errorf("a refused AddMembers left LastSeq %d, want 3", r.LastSeq)
	}
}

func testRemoveMember(t *testing.T, f *fixture) {
	alice, bob, carol := f.user("alice"), f.user("bob"), f.user("carol")
	nr := f.newGroup(alice, "g", bob, carol)
	f.create(nr)

	nm := f.systemIn(nr.ID, chat.SystemEvent{Type: chat.MemberRemoved, Actor: alice.ID, Users: []chat.UserID{carol.ID}})
	msg, err := f.s.RemoveMember(f.ctx, nr.ID, carol.ID, nm)
	if err != nil {
		t.Fatal(err)
	}
	checkMessage(t, "RemoveMember message", msg, asStored(nm, 2))
	checkMessage(t, "Message(2)", f.message(nr.ID, 2), asStored(nm, 2))
	_, err = f.s.Member(f.ctx, nr.ID, carol.ID)
	wantCode(t, "Member(carol) after removal", err, chat.NotFound)
	checkMembers(t, f.membersByName(nr.ID), []chat.Member{
		memberOf(nr.ID, alice, chat.RoleOwner, 1, nr.CreatedAt),
		memberOf(nr.ID, bob, chat.RoleMember, 1, nr.CreatedAt),
	})
	if r := f.room(nr.ID); r.MemberCount != 2 || r.LastSeq != 2 {
		t.Errorf("room has MemberCount %d, LastSeq %d; want 2, 2", r.MemberCount, r.LastSeq)
	}
	if n, err := f.s.CountRoomsForUser(f.ctx, carol.ID); err != nil || n != 0 {
		t.Errorf("carol is in %d rooms (err %v), want 0", n, err)
	}

	// Removing a non-member changes nothing.
	_, err = f.s.RemoveMember(f.ctx, nr.ID, carol.ID,
		f.systemIn(nr.ID, chat.SystemEvent{Type: chat.MemberRemoved, Actor: alice.ID, Users: []chat.UserID{carol.ID}}))
	wantCode(t, "RemoveMember of a non-member", err, chat.NotFound)
	if r := f.room(nr.ID); r.MemberCount != 2 || r.LastSeq != 2 {
		t.Errorf("after the refused removal: MemberCount %d, LastSeq %d; want 2, 2", r.MemberCount, r.LastSeq)
	}
}

func testSetRole(t *testing.T, f *fixture) {
	alice, bob, carol := f.user("alice"), f.user("bob"), f.user("carol")
	room := f.group(alice, bob)

	nm := f.systemIn(room.ID, chat.SystemEvent{Type: chat.RoleChanged, Actor: alice.ID, Users: []chat.UserID{bob.ID}, Role: chat.RoleAdmin})
	msg, err := f.s.SetRole(f.ctx, room.ID, bob.ID, chat.RoleAdmin, nm)
	if err != nil {
		t.Fatal(err)
	}
	checkMessage(t, "SetRole message", msg, asStored(nm, 2))
	checkMessage(t, "Message(2)", f.message(room.ID, 2), asStored(nm, 2))
	if got := f.member(room.ID, bob.ID).Role; got != chat.RoleAdmin {
		t.Errorf("bob is %q, want admin", got)
	}
	if got := f.member(room.ID, alice.ID).Role; got != chat.RoleOwner {
		t.Errorf("alice is %q, want owner still", got)
	}

	_, err = f.s.SetRole(f.ctx, room.ID, carol.ID, chat.RoleAdmin,
		f.systemIn(room.ID, chat.SystemEvent{Type: chat.RoleChanged, Actor: alice.ID, Users: []chat.UserID{carol.ID}, Role: chat.RoleAdmin}))
	wantCode(t, "SetRole of a non-member", err, chat.NotFound)
	if r := f.room(room.ID); r.LastSeq != 2 {
		t.Errorf("LastSeq %d after the refused SetRole, want 2", r.LastSeq)
	}
}

func testRoomsForUser(t *testing.T, f *fixture) {
	alice, bob, carol, dave := f.user("alice"), f.user("bob"), f.user("carol"), f.user("dave")
	g1, _ := f.create(f.newGroup(alice, "g1", bob))
	dnr := newDirect(alice, carol, f.tick())
	d, dCreated := f.create(dnr)
	g2, g2Created := f.create(f.newGroup(bob, "g2", alice, carol))
	// g1 is the oldest room but the latest active.
	last := f.send(g1.ID, bob.ID, "newest")
	g1 = f.room(g1.ID)

	sum := func(r chat.Room, role chat.Role, read int64, lastMsg chat.Message, peer *chat.User) chat.RoomSummary {
		return chat.RoomSummary{Room: r, Role: role, LastReadSeq: read, Unread: r.LastSeq - read, LastMessage: &lastMsg, Peer: peer,
			NotifyLevel: chat.NotifyLevel("").Or(r.Kind)}
	}
	for _, c := range []struct {
		user chat.User
		want []chat.RoomSummary
	}{
		{alice, []chat.RoomSummary{
			sum(g1, chat.RoleOwner, 1, last, nil), // Unread 1: bob's message
			sum(g2, chat.RoleMember, 1, g2Created, nil),
			sum(d, chat.RoleOwner, 1, dCreated, &carol),
		}},
		{bob, []chat.RoomSummary{
			sum(g1, chat.RoleMember, 2, last, nil), // sending read it
			sum(g2, chat.RoleOwner, 1, g2Created, nil),
		}},
		{carol, []chat.RoomSummary{
			sum(g2, chat.RoleMember, 1, g2Created, nil),
			sum(d, chat.RoleMember, 1, dCreated, &alice),
		}},
		{dave, nil},
	} {
		t.Run(c.user.Username, func(t *testing.T) {
			got, err := f.s.RoomsForUser(f.ctx, c.user.ID)
			if err != nil {
				t.Fatal(err)
			}
			checkSummaries(t, got, c.want)
		})
	}
}

func checkSummaries(t *testing.T, got, want []chat.RoomSummary) {
	t.Helper()
	var gotIDs, wantIDs []chat.RoomID
	for _, s := range got {
		gotIDs = append(gotIDs, s.ID)
	}
	for _, s := range want {
		wantIDs = append(wantIDs, s.ID)
	}
	if !slices.Equal(gotIDs, wantIDs) {
		t.Fatalf("rooms %v, want %v (newest activity first)", gotIDs, wantIDs)
	}
	for i, w := range want {
		g := got[i]
		checkRoom(t, "room "+w.Name, g.Room, w.Room)
		if g.Role != w.Role || g.LastReadSeq != w.LastReadSeq || g.Unread != w.Unread {
			t.Errorf("room %s: role %q, LastReadSeq %d, Unread %d; want %q, %d, %d",
				w.Name, g.Role, g.LastReadSeq, g.Unread, w.Role, w.LastReadSeq, w.Unread)
		}
		if g.LastMessage == nil {
			t.Errorf("room %s: no LastMessage, want seq %d", w.Name, w.LastMessage.Seq)
		} else {
			checkMessage(t, "LastMessage of "+w.Name, *g.LastMessage, *w.LastMessage)
		}
		switch {
		case w.Peer == nil && g.Peer != nil:
			t.Errorf("room %s: Peer %+v, want none", w.Name, *g.Peer)
		case w.Peer != nil && g.Peer == nil:
			t.Errorf("room %s: no Peer, want %s", w.Name, w.Peer.Username)
		case w.Peer != nil:
			checkTime(t, "Peer.CreatedAt", g.Peer.CreatedAt.Time, w.Peer.CreatedAt.Time)
			p := *g.Peer
			p.CreatedAt = w.Peer.CreatedAt
			if p != *w.Peer {
				t.Errorf("room %s: Peer %+v, want %+v", w.Name, p, *w.Peer)
			}
		}
	}
}

func testRoomsForUserTieBreak(t *testing.T, f *fixture) {
	alice := f.user("alice")
	at := f.tick()
	ids := []string{newID(), newID()}
	slices.Sort(ids)
	// Create the larger id first, so insertion order cannot pass for id order.
	for _, id := range []string{ids[1], ids[0]} {
		nr := f.newGroup(alice, "tie")
		nr.ID, nr.CreatedAt, nr.Message.CreatedAt = chat.RoomID(id), at, at
		f.create(nr)
	}
	got, err := f.s.RoomsForUser(f.ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	var gotIDs []string
	for _, s := range got {
		gotIDs = append(gotIDs, string(s.ID))
	}
	if !slices.Equal(gotIDs, ids) {
		t.Errorf("rooms with equal LastMessageAt in order %v, want by id %v", gotIDs, ids)
	}
}

func testCountRoomsForUser(t *testing.T, f *fixture) {
	alice, bob, carol := f.user("alice"), f.user("bob"), f.user("carol")
	g := f.group(alice, bob)
	f.group(alice)
	f.create(newDirect(alice, bob, f.tick()))
	for _, c := range []struct {
		user chat.User
		want int
	}{{alice, 3}, {bob, 2}, {carol, 0}} {
		if n, err := f.s.CountRoomsForUser(f.ctx, c.user.ID); err != nil || n != c.want {
			t.Errorf("CountRoomsForUser(%s) = %d, %v; want %d", c.user.Username, n, err, c.want)
		}
	}
	if _, err := f.s.RemoveMember(f.ctx, g.ID, bob.ID,
		f.systemIn(g.ID, chat.SystemEvent{Type: chat.MemberLeft, Actor: bob.ID, Users: []chat.UserID{bob.ID}})); err != nil {
		t.Fatal(err)
	}
	if n, err := f.s.CountRoomsForUser(f.ctx, bob.ID); err != nil || n != 1 {
		t.Errorf("CountRoomsForUser(bob) after leaving = %d, %v; want 1", n, err)
	}
}
