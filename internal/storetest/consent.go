package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"parley/internal/chat"
)

// The consent layer's cases: settings, pending invites and their cap,
// message requests, and blocks ending invites (docs/decisions/0020-consent.md).
// The other ways into a room are in joining.go.

func (f *fixture) invite(inviter, invitee chat.User, room chat.RoomID) chat.NewInvite {
	return chat.NewInvite{ID: newID(), Room: room, Inviter: inviter.ID, Invitee: invitee.ID, CreatedAt: f.tick()}
}

func (f *fixture) addInvites(max int, invs ...chat.NewInvite) (added []chat.NewInvite, dropped []chat.InviteRef) {
	f.t.Helper()
	added, dropped, err := f.s.AddInvites(f.ctx, invs, max)
	if err != nil {
		f.t.Fatalf("AddInvites: %v", err)
	}
	return added, dropped
}

func (f *fixture) invites(u chat.User) []chat.Invite {
	f.t.Helper()
	invs, err := f.s.Invites(f.ctx, u.ID)
	if err != nil {
		f.t.Fatalf("Invites(%s): %v", u.Username, err)
	}
	return invs
}

func inviteIDs(invs []chat.Invite) []string {
	var ids []string
	for _, inv := range invs {
		ids = append(ids, inv.ID)
	}
	return ids
}

func newIDs(invs []chat.NewInvite) []string {
	var ids []string
	for _, inv := range invs {
		ids = append(ids, inv.ID)
	}
	return ids
}

func refIDs(refs []chat.InviteRef) []string {
	var ids []string
	for _, r := range refs {
		ids = append(ids, r.ID)
	}
	return ids
}

// joinMsg is a members_added message of users joining room by themselves.
func (f *fixture) joinMsg(room chat.RoomID, users ...chat.UserID) chat.NewMessage {
	return f.systemIn(room, chat.SystemEvent{Type: chat.MembersAdded, Actor: users[0], Users: users})
}

// request opens a 1:1 from opener to peer that peer has not joined: the
// room holds the opener alone, and peer has a pending invite to it.
func (f *fixture) messageRequest(opener, peer chat.User) (chat.Room, chat.NewInvite) {
	f.t.Helper()
	nr := newDirect(opener, peer, f.tick())
	nr.Members = nil
	nr.Message.System.Users = nil
	room, _ := f.create(nr)
	inv := f.invite(opener, peer, room.ID)
	if added, _ := f.addInvites(100, inv); len(added) != 1 {
		f.t.Fatalf("the request's invite was not added")
	}
	return room, inv
}

func testWhoMayAdd(t *testing.T, f *fixture) {
	alice := f.user("alice")
	me, err := f.s.Me(f.ctx, alice.ID)
	if err != nil || me.WhoMayAdd != chat.AddFriends || me.ID != alice.ID || me.Username != "alice" {
		t.Fatalf("Me of a new user = %+v, %v; want the default friends", me, err)
	}
	bob, err := f.s.CreateUser(f.ctx, chat.NewUser{ID: chat.UserID(newID()), Username: "bob", DisplayName: "Bob",
		PasswordHash: "h", CreatedAt: f.tick(), WhoMayAdd: chat.AddAnyone})
	if err != nil {
		t.Fatal(err)
	}
	if me, _ := f.s.Me(f.ctx, bob.ID); me.WhoMayAdd != chat.AddAnyone {
		t.Errorf("created with anyone, Me says %q", me.WhoMayAdd)
	}
	if err := f.s.SetWhoMayAdd(f.ctx, alice.ID, chat.AddAnyone); err != nil {
		t.Fatal(err)
	}
	if me, _ := f.s.Me(f.ctx, alice.ID); me.WhoMayAdd != chat.AddAnyone {
		t.Errorf("after SetWhoMayAdd, Me says %q", me.WhoMayAdd)
	}
	_, err = f.s.Me(f.ctx, chat.UserID(newID()))
	wantCode(t, "Me of nobody", err, chat.NotFound)
	wantCode(t, "SetWhoMayAdd of nobody", f.s.SetWhoMayAdd(f.ctx, chat.UserID(newID()), chat.AddAnyone), chat.NotFound)
}

func testConsentFacts(t *testing.T, f *fixture) {
	inviter, friend, open, blocker, wary, picky := f.user("inviter"), f.user("friend"), f.user("open"), f.user("blocker"), f.user("wary"), f.user("picky")
	mallory := f.user("mallory")
	f.befriend(inviter, friend)
	if err := f.s.SetWhoMayAdd(f.ctx, open.ID, chat.AddAnyone); err != nil {
		t.Fatal(err)
	}
	f.block(blocker, inviter)
	f.block(wary, mallory)  // mallory is in the room
	f.block(picky, mallory) // mallory is named alongside
	room := f.group(inviter, mallory)

	all := []chat.UserID{friend.ID, open.ID, blocker.ID, wary.ID, picky.ID, chat.UserID(newID())}
	got, err := f.s.Consent(f.ctx, inviter.ID, room.ID, nil, all)
	if err != nil {
		t.Fatal(err)
	}
	want := map[chat.UserID]chat.Consent{
		friend.ID:  {Friend: true, Policy: chat.AddFriends},
		open.ID:    {Policy: chat.AddAnyone},
		blocker.ID: {Policy: chat.AddFriends, BlocksInviter: true, BlocksMember: true}, // the inviter is a member
		wary.ID:    {Policy: chat.AddFriends, BlocksMember: true},
		picky.ID:   {Policy: chat.AddFriends, BlocksMember: true},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Consent in the room =\n %v\nwant\n %v", got, want)
	}
	// Without a room, only those named alongside count.
	got, err = f.s.Consent(f.ctx, inviter.ID, "", []chat.UserID{mallory.ID, picky.ID}, []chat.UserID{wary.ID, friend.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !got[wary.ID].BlocksMember || got[friend.ID].BlocksMember {
		t.Errorf("Consent of a new room with mallory named = %v", got)
	}
	got, _ = f.s.Consent(f.ctx, inviter.ID, "", nil, []chat.UserID{wary.ID})
	if got[wary.ID].BlocksMember {
		t.Errorf("Consent with nobody else = %v", got)
	}
}

func testInvites(t *testing.T, f *fixture) {
	alice, bob, carol, dave := f.user("alice"), f.user("bob"), f.user("carol"), f.user("dave")
	g1 := f.group(alice, carol)
	g2 := f.group(carol)
	i1 := f.invite(alice, bob, g1.ID)
	i2 := f.invite(carol, bob, g2.ID)
	already := f.invite(alice, carol, g1.ID) // a member
	added, dropped := f.addInvites(100, i1, i2, already)
	if got := newIDs(added); !slices.Equal(got, []string{i1.ID, i2.ID}) || len(dropped) != 0 {
		t.Fatalf("AddInvites added %v, dropped %v; want the two to bob", got, dropped)
	}
	// One invite per room and invitee, whatever comes later.
	again, _ := f.addInvites(100, f.invite(carol, bob, g1.ID))
	if len(again) != 0 {
		t.Errorf("a second invite to the same room was added: %v", again)
	}

	invs := f.invites(bob)
	if got := inviteIDs(invs); !slices.Equal(got, []string{i2.ID, i1.ID}) {
		t.Fatalf("bob's invites %v, want newest first %v", got, []string{i2.ID, i1.ID})
	}
	first := invs[1]
	checkTime(t, "invite CreatedAt", first.CreatedAt.Time, i1.CreatedAt)
	first.CreatedAt = chat.Time{}
	want := chat.Invite{ID: i1.ID, InviteeID: bob.ID, Inviter: alice,
		Room: chat.InviteRoom{ID: g1.ID, Kind: chat.Group, Name: "group", MemberCount: 2}}
	want.Inviter.StatusMessage = ""
	if fmt.Sprintf("%+v", first) != fmt.Sprintf("%+v", want) {
		t.Errorf("invite =\n %+v\nwant\n %+v", first, want)
	}
	if len(f.invites(dave)) != 0 {
		t.Errorf("dave has invites")
	}
	if inv, err := f.s.Invite(f.ctx, i1.ID); err != nil || inv.ID != i1.ID || inv.InviteeID != bob.ID {
		t.Errorf("Invite(i1) = %+v, %v", inv, err)
	}
	if inv, err := f.s.RoomInvite(f.ctx, g2.ID, bob.ID); err != nil || inv.ID != i2.ID {
		t.Errorf("RoomInvite(g2, bob) = %+v, %v", inv, err)
	}
	_, err := f.s.RoomInvite(f.ctx, g2.ID, dave.ID)
	wantCode(t, "RoomInvite of someone not invited", err, chat.NotFound)

	// Declining: only the invitee, once; gone from the list, and the room
	// cannot invite them again.
	_, err = f.s.DeclineInvite(f.ctx, i1.ID, dave.ID)
	wantCode(t, "someone else declining", err, chat.NotFound)
	ref, err := f.s.DeclineInvite(f.ctx, i1.ID, bob.ID)
	if err != nil || ref != (chat.InviteRef{ID: i1.ID, RoomID: g1.ID, InviteeID: bob.ID}) {
		t.Fatalf("DeclineInvite = %+v, %v", ref, err)
	}
	_, err = f.s.DeclineInvite(f.ctx, i1.ID, bob.ID)
	wantCode(t, "declining twice", err, chat.NotFound)
	_, err = f.s.Invite(f.ctx, i1.ID)
	wantCode(t, "Invite of a declined one", err, chat.NotFound)
	if got := inviteIDs(f.invites(bob)); !slices.Equal(got, []string{i2.ID}) {
		t.Errorf("after declining, bob's invites %v", got)
	}
	if again, _ := f.addInvites(100, f.invite(alice, bob, g1.ID)); len(again) != 0 {
		t.Errorf("re-inviting after a decline added %v", again)
	}

	// Accepting consumes the invite in the transaction that adds the member;
	// a consumed (or someone else's) invite admits nobody.
	done, err := f.s.AddMembers(f.ctx, chat.Admission{Room: g2.ID, Users: []chat.UserID{bob.ID}, Message: f.joinMsg(g2.ID, bob.ID), Invite: i2.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got := refIDs(done.Invites); !slices.Equal(got, []string{i2.ID}) || done.Message.Seq != 2 {
		t.Errorf("accepting reported invites %v, message seq %d", got, done.Message.Seq)
	}
	if f.member(g2.ID, bob.ID).LastReadSeq != 2 {
		t.Errorf("the accepted member does not start at the message")
	}
	if len(f.invites(bob)) != 0 {
		t.Errorf("the accepted invite is still listed")
	}
	_, err = f.s.AddMembers(f.ctx, chat.Admission{Room: g1.ID, Users: []chat.UserID{bob.ID}, Message: f.joinMsg(g1.ID, bob.ID), Invite: i1.ID})
	wantCode(t, "accepting a declined invite", err, chat.NotFound)
	i3 := f.invite(alice, dave, g1.ID)
	f.addInvites(100, i3)
	_, err = f.s.AddMembers(f.ctx, chat.Admission{Room: g1.ID, Users: []chat.UserID{bob.ID}, Message: f.joinMsg(g1.ID, bob.ID), Invite: i3.ID})
	wantCode(t, "accepting dave's invite as bob", err, chat.NotFound)
	if r := f.room(g1.ID); r.LastSeq != 1 || r.MemberCount != 2 {
		t.Errorf("refused acceptances changed the room: %+v", r)
	}

	// Added some other way (a friend, a link), a pending invite is made moot
	// and reported; a declined one is forgotten, so a later invite can come.
	done, err = f.s.AddMembers(f.ctx, chat.Admission{Room: g1.ID, Users: []chat.UserID{dave.ID, bob.ID}, Message: f.joinMsg(g1.ID, dave.ID, bob.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if got := refIDs(done.Invites); !slices.Equal(got, []string{i3.ID}) {
		t.Errorf("a direct add reported invites %v, want dave's pending one", got)
	}
	if len(f.invites(dave)) != 0 {
		t.Errorf("dave's moot invite is still listed")
	}
}

func testInviteCapDropsOldest(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	var all []chat.NewInvite
	for range 5 {
		r := f.group(alice)
		inv := f.invite(alice, bob, r.ID)
		all = append(all, inv)
		added, dropped := f.addInvites(3, inv)
		if len(added) != 1 {
			t.Fatalf("invite %d not added", len(all))
		}
		if n := len(all); n > 3 {
			if got := refIDs(dropped); !slices.Equal(got, []string{all[n-4].ID}) {
				t.Fatalf("invite %d dropped %v, want the oldest %s", n, got, all[n-4].ID)
			}
			if dropped[0].InviteeID != bob.ID || dropped[0].RoomID != all[n-4].Room {
				t.Errorf("dropped ref %+v", dropped[0])
			}
		} else if len(dropped) != 0 {
			t.Fatalf("invite %d dropped %v under the cap", n, dropped)
		}
	}
	want := []string{all[4].ID, all[3].ID, all[2].ID}
	if got := inviteIDs(f.invites(bob)); !slices.Equal(got, want) {
		t.Errorf("bob keeps %v, want the newest three %v", got, want)
	}
	// A declined invite does not count against the cap.
	if _, err := f.s.DeclineInvite(f.ctx, all[4].ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	r := f.group(alice)
	if _, dropped := f.addInvites(3, f.invite(alice, bob, r.ID)); len(dropped) != 0 {
		t.Errorf("with a declined invite, a third pending one dropped %v", dropped)
	}
}

// Many inviters at once, one invitee: the cap holds exactly.
func testInviteCapUnderConcurrency(t *testing.T, f *fixture) {
	bob := f.user("bob")
	const inviters, perInviter, maxPending = 8, 5, 12
	var invs [][]chat.NewInvite
	for i := range inviters {
		u := f.user(fmt.Sprintf("inviter%d", i))
		var mine []chat.NewInvite
		for range perInviter {
			mine = append(mine, f.invite(u, bob, f.group(u).ID))
		}
		invs = append(invs, mine)
	}
	var wg sync.WaitGroup
	errs := make(chan error, inviters*perInviter)
	for _, mine := range invs {
		wg.Go(func() {
			for _, inv := range mine {
				if _, _, err := f.s.AddInvites(f.ctx, []chat.NewInvite{inv}, maxPending); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := len(f.invites(bob)); n != maxPending {
		t.Errorf("bob holds %d pending invites, want exactly %d", n, maxPending)
	}
}

// A message request: the opener alone in a direct room, the peer shown as
// its peer, the opener's membership Lone, the invite carrying the last
// message as its preview, until the peer joins.
func testMessageRequest(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	room, inv := f.messageRequest(alice, bob)
	if room.MemberCount != 1 || room.DirectKey != directKey(alice.ID, bob.ID) {
		t.Fatalf("request room = %+v", room)
	}
	if !f.member(room.ID, alice.ID).Lone {
		t.Errorf("the opener of a request is not Lone")
	}
	sums, err := f.s.RoomsForUser(f.ctx, alice.ID)
	if err != nil || len(sums) != 1 || sums[0].Peer == nil || sums[0].Peer.ID != bob.ID {
		t.Fatalf("alice's room list = %+v, %v; want the request with bob as its peer", sums, err)
	}
	if sums, _ := f.s.RoomsForUser(f.ctx, bob.ID); len(sums) != 0 {
		t.Errorf("bob's room list has the request: %+v", sums)
	}
	if n, _ := f.s.CountRoomsForUser(f.ctx, bob.ID); n != 0 {
		t.Errorf("a pending invite counts %d against bob's quota", n)
	}
	if invs := f.invites(bob); len(invs) != 1 || invs[0].Preview != nil || invs[0].Room.Kind != chat.Direct {
		t.Fatalf("before any message, bob's invites = %+v", invs)
	}
	msg := f.send(room.ID, alice.ID, "hi bob, it's alice from the conference")
	invs := f.invites(bob)
	if len(invs) != 1 || invs[0].Preview == nil || invs[0].Preview.Text != msg.Text || invs[0].Preview.Attachments != 0 {
		t.Fatalf("bob's invites = %+v, want the message as the preview", invs)
	}
	checkTime(t, "preview CreatedAt", invs[0].Preview.CreatedAt.Time, msg.CreatedAt.Time)
	if _, err := f.s.DeleteMessage(f.ctx, room.ID, msg.Seq, f.tick()); err != nil {
		t.Fatal(err)
	}
	if invs := f.invites(bob); invs[0].Preview != nil {
		t.Errorf("a deleted message is still the preview: %+v", invs[0].Preview)
	}

	done, err := f.s.AddMembers(f.ctx, chat.Admission{Room: room.ID, Users: []chat.UserID{bob.ID},
		Message: f.systemIn(room.ID, chat.SystemEvent{Type: chat.MembersAdded, Actor: alice.ID, Users: []chat.UserID{bob.ID}}), Invite: inv.ID})
	if err != nil || len(done.Invites) != 1 {
		t.Fatalf("accepting the request = %+v, %v", done, err)
	}
	if f.member(room.ID, alice.ID).Lone || f.member(room.ID, bob.ID).Lone {
		t.Errorf("members of an accepted request are still Lone")
	}
	if sums, _ := f.s.RoomsForUser(f.ctx, bob.ID); len(sums) != 1 || sums[0].Peer == nil || sums[0].Peer.ID != alice.ID {
		t.Errorf("bob's room list after accepting = %+v", sums)
	}
}

// A block ends the blocked user's pending invites to the blocker; a request
// the blocker never accepted stays unmarked (it looks the same to its
// opener), and is marked once the blocker joins it.
func testBlockEndsInvites(t *testing.T, f *fixture) {
	alice, mallory, carol := f.user("alice"), f.user("mallory"), f.user("carol")
	g := f.group(mallory)
	gi := f.invite(mallory, alice, g.ID)
	f.addInvites(100, gi)
	other := f.invite(carol, alice, f.group(carol).ID)
	f.addInvites(100, other)
	room, _ := f.messageRequest(mallory, alice)
	sev := f.block(alice, mallory)
	if got := refIDs(sev.Invites); len(got) != 2 || !slices.Contains(got, gi.ID) || slices.Contains(got, other.ID) {
		t.Errorf("the block ended invites %v, want mallory's two", got)
	}
	if got := inviteIDs(f.invites(alice)); !slices.Equal(got, []string{other.ID}) {
		t.Errorf("alice's invites after the block %v, want carol's only", got)
	}
	if f.member(room.ID, mallory.ID).Blocked {
		t.Errorf("the opener of a request the blocker never joined is marked")
	}
	if _, err := f.s.AddMembers(f.ctx, chat.Admission{Room: room.ID, Users: []chat.UserID{alice.ID}, Message: f.joinMsg(room.ID, alice.ID)}); err != nil {
		t.Fatal(err)
	}
	if !f.member(room.ID, mallory.ID).Blocked || f.member(room.ID, alice.ID).Blocked {
		t.Errorf("once the blocker joined, mallory blocked %v, alice blocked %v; want true, false",
			f.member(room.ID, mallory.ID).Blocked, f.member(room.ID, alice.ID).Blocked)
	}
}
