package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"parley/internal/chat"
)

// The consent layer's cases: settings, pending invites and their cap, the
// public directory, invite links, and the limits AddMembers must hold under
// concurrency (docs/decisions/0020-consent.md).

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
	checkTime(t, "invite CreatedAt", first.CreatedAt, i1.CreatedAt)
	first.CreatedAt = time.Time{}
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
	checkTime(t, "preview CreatedAt", invs[0].Preview.CreatedAt, msg.CreatedAt)
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

func (f *fixture) publicGroup(creator chat.User, name string) chat.Room {
	f.t.Helper()
	nr := f.newGroup(creator, name)
	nr.Visibility = chat.Public
	r, _ := f.create(nr)
	return r
}

func dirNames(rooms []chat.DirectoryRoom) []string {
	var out []string
	for _, r := range rooms {
		out = append(out, r.Name)
	}
	return out
}

func testDirectory(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	var names []string
	for i := range 7 {
		name := fmt.Sprintf("Go room %d", i)
		f.publicGroup(alice, name)
		names = append(names, name)
	}
	f.publicGroup(alice, "Rust")
	f.create(f.newGroup(alice, "Go private")) // never listed
	ten := f.publicGroup(alice, "go team")
	names = append(names, "go team")

	dir := func(q chat.DirectoryQuery) []chat.DirectoryRoom {
		t.Helper()
		rs, err := f.s.Directory(f.ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	// Pages of three by name, any case, each after the last of the one before.
	var got []string
	q := chat.DirectoryQuery{Viewer: bob.ID, Prefix: "go", Limit: 3}
	for {
		page := dir(q)
		got = append(got, dirNames(page)...)
		if len(page) < q.Limit {
			break
		}
		last := page[len(page)-1]
		q.After = chat.DirectoryCursor{NameKey: last.NameKey, ID: last.ID}
	}
	if !slices.Equal(got, names) {
		t.Errorf("paging the directory for go: %v, want %v", got, names)
	}
	if all := dir(chat.DirectoryQuery{Viewer: bob.ID, Limit: 50}); len(all) != 9 {
		t.Errorf("the whole directory has %d rooms, want 9: %v", len(all), dirNames(all))
	}
	if rs := dir(chat.DirectoryQuery{Viewer: alice.ID, Prefix: "go t", Limit: 5}); len(rs) != 1 || rs[0].ID != ten.ID || !rs[0].Member || rs[0].MemberCount != 1 {
		t.Errorf("alice's search for 'go t' = %+v", rs)
	}
	if rs := dir(chat.DirectoryQuery{Viewer: bob.ID, Prefix: "go t", Limit: 5}); len(rs) != 1 || rs[0].Member {
		t.Errorf("bob's search for 'go t' = %+v", rs)
	}

	// Renaming moves a room in the directory; making it private takes it out.
	name, priv := "Zig", chat.Private
	if _, _, err := f.s.UpdateRoom(f.ctx, ten.ID, chat.RoomUpdate{Name: &name},
		f.system(chat.SystemEvent{Type: chat.RoomRenamed, Actor: alice.ID, Name: name})); err != nil {
		t.Fatal(err)
	}
	if rs := dir(chat.DirectoryQuery{Viewer: bob.ID, Prefix: "zi", Limit: 5}); len(rs) != 1 || rs[0].Name != "Zig" {
		t.Errorf("after the rename, 'zi' finds %v", dirNames(rs))
	}
	r, _, err := f.s.UpdateRoom(f.ctx, ten.ID, chat.RoomUpdate{Visibility: &priv},
		f.system(chat.SystemEvent{Type: chat.VisibilityChanged, Actor: alice.ID, Visibility: priv}))
	if err != nil || r.Visibility != chat.Private || r.Name != "Zig" {
		t.Fatalf("making it private = %+v, %v", r, err)
	}
	if rs := dir(chat.DirectoryQuery{Viewer: bob.ID, Prefix: "zi", Limit: 5}); len(rs) != 0 {
		t.Errorf("a private room is listed: %v", dirNames(rs))
	}

	// Only a public room admits someone by themselves.
	_, err = f.s.AddMembers(f.ctx, chat.Admission{Room: ten.ID, Users: []chat.UserID{bob.ID}, Message: f.joinMsg(ten.ID, bob.ID), PublicOnly: true})
	wantCode(t, "joining a private room", err, chat.NotFound)
	rust := dir(chat.DirectoryQuery{Viewer: bob.ID, Prefix: "rust", Limit: 1})[0]
	if _, err := f.s.AddMembers(f.ctx, chat.Admission{Room: rust.ID, Users: []chat.UserID{bob.ID}, Message: f.joinMsg(rust.ID, bob.ID), PublicOnly: true}); err != nil {
		t.Errorf("joining a public room: %v", err)
	}
}

func (f *fixture) link(room chat.Room, by chat.User, maxUses int, expires *time.Time) chat.Link {
	f.t.Helper()
	l, err := f.s.CreateLink(f.ctx, chat.NewLink{ID: newID(), Room: room.ID, Code: newID(), CreatedBy: by.ID,
		CreatedAt: f.tick(), MaxUses: maxUses, ExpiresAt: expires}, 50)
	if err != nil {
		f.t.Fatalf("CreateLink: %v", err)
	}
	return l
}

func testLinks(t *testing.T, f *fixture) {
	alice, bob, carol := f.user("alice"), f.user("bob"), f.user("carol")
	room := f.group(alice)
	soon := f.now.Add(time.Hour)
	l1 := f.link(room, alice, 0, nil)
	l2 := f.link(room, alice, 1, &soon)
	if l2.MaxUses != 1 || l2.Uses != 0 || l2.ExpiresAt == nil || l2.RoomID != room.ID || l2.CreatedBy != alice.ID {
		t.Errorf("CreateLink = %+v", l2)
	}
	checkTime(t, "ExpiresAt", *l2.ExpiresAt, soon)
	ls, err := f.s.Links(f.ctx, room.ID)
	if err != nil || len(ls) != 2 || ls[0].ID != l2.ID || ls[1].ID != l1.ID {
		t.Fatalf("Links = %+v, %v; want newest first", ls, err)
	}
	if got, err := f.s.LinkByCode(f.ctx, l1.Code); err != nil || got.ID != l1.ID {
		t.Errorf("LinkByCode = %+v, %v", got, err)
	}
	_, err = f.s.LinkByCode(f.ctx, "no-such-code")
	wantCode(t, "LinkByCode of nothing", err, chat.NotFound)

	// A use is counted by the join; a used-up link admits nobody more and
	// the refused join leaves no trace.
	join := func(u chat.User, l chat.Link, at time.Time) error {
		m := f.joinMsg(room.ID, u.ID)
		m.CreatedAt = at
		_, err := f.s.AddMembers(f.ctx, chat.Admission{Room: room.ID, Users: []chat.UserID{u.ID}, Message: m, LinkCode: l.Code})
		return err
	}
	if err := join(bob, l2, f.tick()); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.LinkByCode(f.ctx, l2.Code); got.Uses != 1 {
		t.Errorf("uses after a join = %d", got.Uses)
	}
	wantCode(t, "a used-up link", join(carol, l2, f.tick()), chat.NotFound)
	// A member already in spends no use: the refusal rolls it back.
	wantCode(t, "a member joining again", join(bob, l1, f.tick()), chat.Conflict)
	if got, _ := f.s.LinkByCode(f.ctx, l1.Code); got.Uses != 0 {
		t.Errorf("a refused join spent a use: %d", got.Uses)
	}
	// Expiry is judged by the join's own time.
	l3 := f.link(room, alice, 0, &soon)
	wantCode(t, "an expired link", join(carol, l3, soon.Add(time.Second)), chat.NotFound)
	if err := join(carol, l3, soon.Add(-time.Second)); err != nil {
		t.Errorf("a link before its expiry: %v", err)
	}
	if r := f.room(room.ID); r.MemberCount != 3 {
		t.Errorf("member count %d, want 3", r.MemberCount)
	}

	wantCode(t, "revoking a link of another room", f.s.RevokeLink(f.ctx, f.group(alice).ID, l1.ID), chat.NotFound)
	if err := f.s.RevokeLink(f.ctx, room.ID, l1.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "revoking twice", f.s.RevokeLink(f.ctx, room.ID, l1.ID), chat.NotFound)
	_, err = f.s.LinkByCode(f.ctx, l1.Code)
	wantCode(t, "a revoked code", err, chat.NotFound)

	// The cap counts live links: used-up and expired ones are cleared first.
	other := f.group(alice)
	mk := func(max int) error {
		_, err := f.s.CreateLink(f.ctx, chat.NewLink{ID: newID(), Room: other.ID, Code: newID(), CreatedBy: alice.ID,
			CreatedAt: f.tick(), MaxUses: 1}, max)
		return err
	}
	for range 2 {
		if err := mk(2); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, "a third link under a cap of two", mk(2), chat.Forbidden)
	ls, _ = f.s.Links(f.ctx, other.ID)
	m := f.joinMsg(other.ID, bob.ID)
	if _, err := f.s.AddMembers(f.ctx, chat.Admission{Room: other.ID, Users: []chat.UserID{bob.ID}, Message: m, LinkCode: ls[0].Code}); err != nil {
		t.Fatal(err)
	}
	if err := mk(2); err != nil {
		t.Errorf("after a link was used up, a new one: %v", err)
	}
}

// Twenty people use a link of five uses at once: five get in, exactly.
func testLinkUsesUnderConcurrency(t *testing.T, f *fixture) {
	alice := f.user("alice")
	room := f.group(alice)
	l := f.link(room, alice, 5, nil)
	var users []chat.User
	for i := range 20 {
		users = append(users, f.user(fmt.Sprintf("joiner%d", i)))
	}
	msgs := make([]chat.NewMessage, len(users))
	for i, u := range users {
		msgs[i] = f.joinMsg(room.ID, u.ID)
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		joined  int
		refused []error
	)
	for i, u := range users {
		wg.Go(func() {
			_, err := f.s.AddMembers(f.ctx, chat.Admission{Room: room.ID, Users: []chat.UserID{u.ID}, Message: msgs[i], LinkCode: l.Code})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				joined++
			} else if chat.ErrorCode(err) != chat.NotFound {
				refused = append(refused, err)
			}
		})
	}
	wg.Wait()
	if len(refused) > 0 {
		t.Fatalf("joins failed other than NotFound: %v", refused)
	}
	got, _ := f.s.LinkByCode(f.ctx, l.Code)
	if joined != 5 || got.Uses != 5 || f.room(room.ID).MemberCount != 6 {
		t.Errorf("%d joined, link uses %d, members %d; want 5, 5, 6", joined, got.Uses, f.room(room.ID).MemberCount)
	}
}

// One user joins ten rooms at once with a quota of three; ten users join a
// room with space for four: the limits hold exactly.
func testLimitsUnderConcurrency(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	var rooms []chat.Room
	for range 10 {
		rooms = append(rooms, f.publicGroup(alice, "r"))
	}
	msgs := make([]chat.NewMessage, len(rooms))
	for i, r := range rooms {
		msgs[i] = f.joinMsg(r.ID, bob.ID)
	}
	run := func(n int, fn func(i int) error) (ok int, bad []error) {
		var (
			wg sync.WaitGroup
			mu sync.Mutex
		)
		for i := range n {
			wg.Go(func() {
				err := fn(i)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case chat.ErrorCode(err) != chat.Forbidden:
					bad = append(bad, err)
				}
			})
		}
		wg.Wait()
		return ok, bad
	}
	ok, bad := run(len(rooms), func(i int) error {
		_, err := f.s.AddMembers(f.ctx, chat.Admission{Room: rooms[i].ID, Users: []chat.UserID{bob.ID}, Message: msgs[i], MaxRooms: 3, PublicOnly: true})
		return err
	})
	if n, _ := f.s.CountRoomsForUser(f.ctx, bob.ID); ok != 3 || n != 3 || len(bad) > 0 {
		t.Errorf("bob joined %d (is in %d) of ten rooms under a quota of 3; other errors %v", ok, n, bad)
	}
	// The quota's refusal says which limit.
	fresh := f.group(alice)
	_, err := f.s.AddMembers(f.ctx, chat.Admission{Room: fresh.ID, Users: []chat.UserID{bob.ID}, Message: f.joinMsg(fresh.ID, bob.ID), MaxRooms: 3})
	if !errorIs(err, chat.ErrRoomQuota) {
		t.Errorf("over the quota: %v, want ErrRoomQuota", err)
	}
	nr := f.newGroup(alice, "more", bob)
	nr.MaxRoomsPerUser = 3
	_, _, err = f.s.CreateRoom(f.ctx, nr)
	if !errorIs(err, chat.ErrRoomQuota) {
		t.Errorf("CreateRoom with bob over the quota: %v, want ErrRoomQuota", err)
	}

	room := f.publicGroup(alice, "small") // alice: 1 member, space for 4 more
	var joiners []chat.User
	for i := range 10 {
		joiners = append(joiners, f.user(fmt.Sprintf("j%d", i)))
	}
	jm := make([]chat.NewMessage, len(joiners))
	for i, u := range joiners {
		jm[i] = f.joinMsg(room.ID, u.ID)
	}
	ok, bad = run(len(joiners), func(i int) error {
		_, err := f.s.AddMembers(f.ctx, chat.Admission{Room: room.ID, Users: []chat.UserID{joiners[i].ID}, Message: jm[i], MaxMembers: 5, PublicOnly: true})
		return err
	})
	if r := f.room(room.ID); ok != 4 || r.MemberCount != 5 || len(bad) > 0 {
		t.Errorf("%d of ten joined a room with space for 4, member count %d; other errors %v", ok, r.MemberCount, bad)
	}
	_, err = f.s.AddMembers(f.ctx, chat.Admission{Room: room.ID, Users: []chat.UserID{bob.ID}, Message: f.joinMsg(room.ID, bob.ID), MaxMembers: 5})
	if !errorIs(err, chat.ErrRoomFull) {
		t.Errorf("joining a full room: %v, want ErrRoomFull", err)
	}
}

func errorIs(err, target error) bool { return errors.Is(err, target) }
