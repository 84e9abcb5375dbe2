package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"parley/client"
	"parley/internal/server"
	"parley/internal/testserver"
)

// Nobody is put into a conversation without consent
// (docs/decisions/0020-consent.md). These tests run on servers whose new
// accounts keep the real default (testserver.Strict): only friends add
// directly.

var markers atomic.Int64

// requestMarker makes an event for to's connections that no consent rule
// touches: a friend request from a new user. It returns its predicate.
func requestMarker(t testing.TB, srv *testserver.Server, to *testserver.User) func(client.Event) bool {
	t.Helper()
	from := srv.NewUser(t, fmt.Sprintf("marker%d", markers.Add(1)))
	if _, err := from.RequestFriend(ctxT(t), to.Username); err != nil {
		t.Fatal(err)
	}
	return func(ev client.Event) bool { return ev.Type == "friend_request" && ev.FriendRequest.From.ID == from.ID }
}

func isInviteAdded(room client.RoomID) func(client.Event) bool {
	return func(ev client.Event) bool { return ev.Type == "invite_added" && ev.Invite.Room.ID == room }
}

func isInviteRemoved(id string) func(client.Event) bool {
	return func(ev client.Event) bool { return ev.Type == "invite_removed" && ev.InviteGone.ID == id }
}

func isRoomAdded(room client.RoomID) func(client.Event) bool {
	return func(ev client.Event) bool { return ev.Type == "room_added" && ev.Room.ID == room }
}

func memberIDs(t testing.TB, u *testserver.User, room client.RoomID) []client.UserID {
	t.Helper()
	ms, err := u.Members(ctxT(t), room)
	if err != nil {
		t.Fatalf("members: %v", err)
	}
	var ids []client.UserID
	for _, m := range ms {
		ids = append(ids, m.UserID)
	}
	return ids
}

func setPolicy(t testing.TB, u *testserver.User, p client.AddPolicy) {
	t.Helper()
	if _, err := u.SetWhoMayAdd(ctxT(t), p); err != nil {
		t.Fatalf("set who_may_add: %v", err)
	}
}

// The rules as a table, through a real server: who the inviter is to the
// invitee × the invitee's setting × what the invitee blocked × how they
// are invited. What happens to the invitee differs (joined, pending, or
// nothing at all); what the inviter is answered differs only between
// joined and not.
func TestConsentRules(t *testing.T) {
	srv := testserver.Start(t, testserver.Strict)
	type outcome string
	const (
		joined  outcome = "joined"
		pending outcome = "pending"
		nothing outcome = "nothing"
	)
	cases := []struct {
		friend  bool
		policy  client.AddPolicy
		blocks  string // "", "inviter", "member" (someone in the room, or named alongside)
		via     string // create, invite, direct
		outcome outcome
	}{
		{true, "friends", "", "create", joined},
		{true, "friends", "", "invite", joined},
		{true, "friends", "", "direct", joined},
		{false, "friends", "", "create", pending},
		{false, "friends", "", "invite", pending},
		{false, "friends", "", "direct", pending},
		{false, "anyone", "", "create", joined},
		{false, "anyone", "", "invite", joined},
		{false, "anyone", "", "direct", joined},
		{true, "anyone", "", "invite", joined},
		// Someone the invitee blocked reaches them with nothing, whatever
		// their setting (a block ends a friendship, so never a friend here).
		{false, "friends", "inviter", "create", nothing},
		{false, "friends", "inviter", "invite", nothing},
		{false, "friends", "inviter", "direct", nothing},
		{false, "anyone", "inviter", "create", nothing},
		{false, "anyone", "inviter", "invite", nothing},
		{false, "anyone", "inviter", "direct", nothing},
		// A friend (or anyone, by the setting) cannot put them in a room
		// with someone they blocked: they are asked instead.
		{true, "friends", "member", "create", pending},
		{true, "friends", "member", "invite", pending},
		{false, "anyone", "member", "create", pending},
		{false, "anyone", "member", "invite", pending},
		{false, "friends", "member", "invite", pending},
	}
	// The inviter and the member are shared by the cases: everything a case
	// sets up (friendship, blocks, the setting) is between them and that
	// case's own fresh invitee, and each signup is an argon2id hash and
	// check, most of what the test cost with three accounts a case.
	x := srv.NewUser(t, "inviter") // the inviter
	m := srv.NewUser(t, "member")  // someone v may have blocked
	setPolicy(t, m, "anyone")      // so m joins wherever x puts them
	for i, c := range cases {
		name := fmt.Sprintf("friend=%v/%s/blocks=%s/%s", c.friend, c.policy, c.blocks, c.via)
		t.Run(name, func(t *testing.T) {
			ctx := ctxT(t)
			v := srv.NewUser(t, fmt.Sprintf("invitee%d", i)) // the invitee
			if c.friend {
				befriend(t, x, v)
			}
			setPolicy(t, v, c.policy)
			switch c.blocks {
			case "inviter":
				if _, err := v.Block(ctx, x.Username); err != nil {
					t.Fatal(err)
				}
			case "member":
				if _, err := v.Block(ctx, m.Username); err != nil {
					t.Fatal(err)
				}
			}
			vc := v.Connect(t)

			var room client.RoomID
			var told []client.UserID // what the inviter was answered about v
			switch c.via {
			case "create":
				names := []string{v.Username}
				if c.blocks == "member" {
					names = append(names, m.Username)
				}
				r, err := x.CreateRoomWith(ctx, "room", "private", names...)
				if err != nil {
					t.Fatal(err)
				}
				room, told = r.ID, r.Invited
			case "invite":
				r := newRoom(t, x, "room", m) // m is a member either way
				res, err := x.Invite(ctx, r.ID, v.Username)
				if err != nil {
					t.Fatal(err)
				}
				room, told = r.ID, res.Invited
				if (len(res.Added) == 1) != (c.outcome == joined) || (res.Message != nil) != (c.outcome == joined) {
					t.Errorf("invite answered %+v", res)
				}
			case "direct":
				r, err := x.OpenDirect(ctx, v.Username)
				if err != nil {
					t.Fatal(err)
				}
				room = r.ID
				if r.Peer == nil || r.Peer.ID != v.ID {
					t.Errorf("the 1:1's peer is %+v, want v whether or not they joined", r.Peer)
				}
				if want := map[bool]int{true: 2, false: 1}[c.outcome == joined]; r.MemberCount != want {
					t.Errorf("the 1:1 has %d members, want %d", r.MemberCount, want)
				}
			}
			if c.via != "direct" {
				if wantTold := c.outcome != joined; slices.Contains(told, v.ID) != wantTold {
					t.Errorf("the inviter was told %v about v, want v among the invited: %v", told, wantTold)
				}
			}

			inRoom := slices.Contains(memberIDs(t, x, room), v.ID)
			invs, err := v.Invites(ctx)
			if err != nil {
				t.Fatal(err)
			}
			invited := slices.ContainsFunc(invs, func(inv client.Invite) bool { return inv.Room.ID == room })
			got := nothing
			switch {
			case inRoom && invited:
				t.Fatal("both a member and invited")
			case inRoom:
				got = joined
				next(t, vc, isRoomAdded(room))
			case invited:
				got = pending
				next(t, vc, isInviteAdded(room))
			}
			if got != c.outcome {
				t.Fatalf("v is %s, want %s", got, c.outcome)
			}
			if got == nothing {
				// Not even an event: the next thing v hears is the marker.
				noneBefore(t, vc, requestMarker(t, srv, v), anyOf("invite_added", "room_added"))
			}
		})
	}
}

// A stranger's 1:1 is a message request: the invitee sees it live with a
// preview of what was written, on whatever node, accepts it on another
// node than the opener's, and the two then chat — the invitee sees the
// history. Their second device drops the invite when the first accepts.
func testMessageRequestAccepted(t *testing.T, nodes []*testserver.Server) {
	a, b, c := nodes[0], nodes[1], nodes[2]
	alice, bob := a.NewUser(t, "alice"), a.NewUser(t, "bob")
	ctx := ctxT(t)
	bobB := bob.On(b)
	bc, phone := bobB.Connect(t), bob.On(c).Connect(t)
	ac := alice.Connect(t)

	room, err := alice.OpenDirect(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	ev := next(t, bc, isInviteAdded(room.ID))
	inv := ev.Invite
	if inv.Inviter.ID != alice.ID || inv.Room.Kind != "direct" || inv.Room.MemberCount != 1 || inv.Preview != nil {
		t.Fatalf("invite_added = %+v", inv)
	}
	if _, err := ac.Send(ctx, room.ID, "", "hi bob, it's alice from the conference"); err != nil {
		t.Fatal(err)
	}
	ev = next(t, bc, func(ev client.Event) bool {
		return ev.Type == "invite_added" && ev.Invite.ID == inv.ID && ev.Invite.Preview != nil
	})
	if ev.Invite.Preview.Text != "hi bob, it's alice from the conference" {
		t.Fatalf("preview = %+v", ev.Invite.Preview)
	}
	// Until bob accepts, alice's room is hers alone and bob gets no message.
	if ids := memberIDs(t, alice, room.ID); !slices.Equal(ids, []client.UserID{alice.ID}) {
		t.Fatalf("members before accepting: %v", ids)
	}
	_, err = bob.History(ctx, room.ID, client.Page{})
	mustCode(t, err, "not_found")

	sum, err := bobB.AcceptInvite(ctx, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sum.ID != room.ID || sum.Peer == nil || sum.Peer.ID != alice.ID || sum.MemberCount != 2 {
		t.Fatalf("accepted room = %+v", sum)
	}
	next(t, bc, isRoomAdded(room.ID))
	next(t, phone, isInviteRemoved(inv.ID))
	joinMsg := next(t, ac, func(ev client.Event) bool {
		return ev.Type == "message" && ev.Message.RoomID == room.ID && ev.Message.System != nil && ev.Message.System.Type == "members_added"
	}).Message
	if !slices.Equal(joinMsg.System.Users, []client.UserID{bob.ID}) || joinMsg.System.Actor != alice.ID {
		t.Errorf("the acceptance's system message = %+v", joinMsg.System)
	}
	hist, err := bobB.History(ctx, room.ID, client.Page{Asc: true})
	if err != nil || len(hist) != 3 || hist[1].Text != "hi bob, it's alice from the conference" {
		t.Fatalf("bob's history = %+v, %v", hist, err)
	}
	if _, err := bc.Send(ctx, room.ID, "", "hello alice"); err != nil {
		t.Fatal(err)
	}
	next(t, ac, isMessage(room.ID, "hello alice"))
	if _, err := ac.Send(ctx, room.ID, "", "great"); err != nil {
		t.Fatal(err)
	}
	next(t, bc, isMessage(room.ID, "great"))
	if invs, _ := bob.Invites(ctx); len(invs) != 0 {
		t.Errorf("bob still has invites: %+v", invs)
	}
	_, err = bob.AcceptInvite(ctx, inv.ID)
	mustCode(t, err, "not_found")
}

func TestMessageRequestAcceptedOneNode(t *testing.T) {
	testMessageRequestAccepted(t, oneNode(t, testserver.Strict))
}

func TestMessageRequestAcceptedThreeNodes(t *testing.T) {
	testMessageRequestAccepted(t, threeNodes(t, testserver.Strict))
}

// A group invitation from a stranger, accepted: a join at a seq, exactly
// like a friend's invitation, seen live by the room across nodes.
func TestGroupInviteAcceptedAcrossNodes(t *testing.T) {
	nodes := threeNodes(t, testserver.Strict)
	alice, bob, carol := nodes[0].NewUser(t, "alice"), nodes[0].NewUser(t, "bob"), nodes[0].NewUser(t, "carol")
	befriend(t, alice, bob)
	ctx := ctxT(t)
	room, err := alice.CreateRoomWith(ctx, "team", "private", "bob", "carol")
	if err != nil || room.MemberCount != 2 || !slices.Equal(room.Invited, []client.UserID{carol.ID}) {
		t.Fatalf("create = %+v, %v; want bob in and carol asked", room, err)
	}
	bc := bob.On(nodes[1]).Connect(t)
	cc := carol.On(nodes[2]).Connect(t)
	invs, err := carol.Invites(ctx)
	if err != nil || len(invs) != 1 || invs[0].Room.Name != "team" || invs[0].Room.Kind != "group" || invs[0].Inviter.ID != alice.ID {
		t.Fatalf("carol's invites = %+v, %v", invs, err)
	}
	// The member list shows carol nowhere while she is pending.
	if ids := memberIDs(t, bob, room.ID); slices.Contains(ids, carol.ID) {
		t.Fatalf("a pending invitee is listed as a member: %v", ids)
	}
	if _, err := carol.On(nodes[2]).AcceptInvite(ctx, invs[0].ID); err != nil {
		t.Fatal(err)
	}
	next(t, cc, isRoomAdded(room.ID))
	ev := next(t, bc, isMembers(room.ID))
	if len(ev.Members.Members) != 1 || ev.Members.Members[0].UserID != carol.ID {
		t.Fatalf("bob's members event = %+v", ev.Members)
	}
	if _, err := bc.Send(ctx, room.ID, "", "welcome carol"); err != nil {
		t.Fatal(err)
	}
	next(t, cc, isMessage(room.ID, "welcome carol"))
}

// Declining is silent, and final for that room: the inviter sees nothing,
// and inviting again reaches the invitee with nothing.
func TestDeclineIsSilentAndFinal(t *testing.T) {
	srv := testserver.Start(t, testserver.Strict)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	ctx := ctxT(t)
	bc := bob.Connect(t)
	room := newRoom(t, alice, "party")
	if _, err := alice.Invite(ctx, room.ID, "bob"); err != nil {
		t.Fatal(err)
	}
	inv := next(t, bc, isInviteAdded(room.ID)).Invite
	ac := alice.Connect(t)
	if err := bob.DeclineInvite(ctx, inv.ID); err != nil {
		t.Fatal(err)
	}
	next(t, bc, isInviteRemoved(inv.ID))
	err := bob.DeclineInvite(ctx, inv.ID)
	mustCode(t, err, "not_found")
	// Alice hears of none of it: her next event is the marker.
	noneBefore(t, ac, requestMarker(t, srv, alice), anyOf("invite_removed", "members", "room_updated"))
	res, err := alice.Invite(ctx, room.ID, "bob")
	if err != nil || !slices.Equal(res.Invited, []client.UserID{bob.ID}) {
		t.Fatalf("inviting again = %+v, %v; answered as the first time", res, err)
	}
	noneBefore(t, bc, requestMarker(t, srv, bob), anyOf("invite_added", "room_added"))
	// Only bob can still bring himself in: a link.
	link, err := alice.CreateLink(ctx, room.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.JoinLink(ctx, link.Code); err != nil {
		t.Fatal(err)
	}
}

// Pending invites are bounded per invitee: a new one drops the oldest,
// which leaves the invitee's devices; they never count against the room
// quota, and accepting one checks the quota then.
func TestPendingInvitesAreBounded(t *testing.T) {
	srv := testserver.Start(t, testserver.Strict, func(c *server.Config) {
		c.Limits.MaxPendingInvites = 3
		c.Limits.MaxRoomsPerUser = 2
	})
	bob := srv.NewUser(t, "bob")
	bc := bob.Connect(t)
	ctx := ctxT(t)
	var invs []*client.Invite
	for i := range 4 {
		x := srv.NewUser(t, fmt.Sprintf("stranger%d", i))
		r := newRoom(t, x, "spam")
		if _, err := x.Invite(ctx, r.ID, "bob"); err != nil {
			t.Fatal(err)
		}
		invs = append(invs, next(t, bc, isInviteAdded(r.ID)).Invite)
	}
	next(t, bc, isInviteRemoved(invs[0].ID))
	list, err := bob.Invites(ctx)
	if err != nil || len(list) != 3 || list[0].ID != invs[3].ID || list[2].ID != invs[1].ID {
		t.Fatalf("bob's invites = %+v, %v; want the newest three", list, err)
	}
	// Two rooms of his own: the quota is full, the invites still there.
	newRoom(t, bob, "mine 1")
	newRoom(t, bob, "mine 2")
	if list, _ := bob.Invites(ctx); len(list) != 3 {
		t.Errorf("a full quota lost invites: %d left", len(list))
	}
	_, err = bob.AcceptInvite(ctx, invs[3].ID)
	mustCode(t, err, "forbidden")
	if e := err.(*client.Error); e.Message != "you are already in 2 rooms, the limit" {
		t.Errorf("quota message %q", e.Message)
	}
}

// "Who may add me" is on the profile, private, synced to the user's other
// devices, and decides at once.
func TestWhoMayAddSetting(t *testing.T) {
	srv := testserver.Start(t, testserver.Strict)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	ctx := ctxT(t)
	me, err := bob.Account(ctx)
	if err != nil || me.WhoMayAdd != "friends" {
		t.Fatalf("a new account's setting = %+v, %v; want friends", me, err)
	}
	phone, ac := bob.Connect(t), alice.Connect(t)
	me, err = bob.SetWhoMayAdd(ctx, "anyone")
	if err != nil || me.WhoMayAdd != "anyone" || me.Username != "bob" {
		t.Fatalf("SetWhoMayAdd = %+v, %v", me, err)
	}
	if ev := next(t, phone, isType("settings_updated")); ev.Settings.WhoMayAdd != "anyone" {
		t.Errorf("settings_updated = %+v", ev.Settings)
	}
	// Nobody else hears of it, not even as a profile change.
	noneBefore(t, ac, requestMarker(t, srv, alice), anyOf("settings_updated", "profile_updated"))
	if r, err := alice.OpenDirect(ctx, "bob"); err != nil || r.MemberCount != 2 {
		t.Errorf("with anyone, alice's 1:1 = %+v, %v; want bob in it", r, err)
	}
	runREST(t, []restCase{
		{"bad setting", bob, "PATCH", "/api/v1/me", `{"who_may_add":"nobody"}`, 400, "invalid"},
		{"wrong type", bob, "PATCH", "/api/v1/me", `{"who_may_add":true}`, 400, "invalid"},
		{"back to friends", bob, "PATCH", "/api/v1/me", `{"who_may_add":"friends"}`, 0, ""},
		{"with a profile change", bob, "PATCH", "/api/v1/me", `{"who_may_add":"anyone","status_message":"hi"}`, 0, ""},
		{"nothing", bob, "PATCH", "/api/v1/me", `{}`, 400, "invalid"},
	})
}

// Presence and last seen reach friends and members of rooms the user is
// in, never a stranger who merely invited them.
func TestStrangersLearnNoPresence(t *testing.T) {
	srv := testserver.Start(t, testserver.Strict, smallRooms)
	mallory, bob := srv.NewUser(t, "mallory"), srv.NewUser(t, "bob")
	ctx := ctxT(t)
	direct, err := mallory.OpenDirect(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	group := newRoom(t, mallory, "watch")
	if _, err := mallory.Invite(ctx, group.ID, "bob"); err != nil {
		t.Fatal(err)
	}
	mc := mallory.Connect(t)
	bc := bob.Connect(t)
	if invs, err := bob.Invites(ctx); err != nil || len(invs) != 2 {
		t.Fatalf("bob's invites = %+v, %v", invs, err)
	}
	bc.Close()
	bob.Connect(t)
	// bob came, went and came back: mallory hears none of it.
	noneBefore(t, mc, requestMarker(t, srv, mallory), func(ev client.Event) bool {
		return ev.Type == "presence" && ev.Presence.UserID == bob.ID
	})
	for _, room := range []client.RoomID{direct.ID, group.ID} {
		ms, err := mallory.Members(ctx, room)
		if err != nil || len(ms) != 1 || ms[0].UserID != mallory.ID {
			t.Errorf("mallory's member list of %s = %+v, %v", room, ms, err)
		}
		if p, err := mallory.RoomPresence(ctx, room); err != nil || p.Online != 1 {
			t.Errorf("room presence = %+v, %v; want mallory alone", p, err)
		}
	}
	// Nor through the people endpoints: no presence field at all.
	for _, path := range []string{"/api/v1/users/bob", "/api/v1/users?q=bob"} {
		var raw json.RawMessage
		if err := mallory.Do(ctx, "GET", path, nil, &raw); err != nil {
			t.Fatal(err)
		}
		var fields map[string]any
		var hits struct{ Users []map[string]any }
		if json.Unmarshal(raw, &hits) == nil && len(hits.Users) > 0 {
			fields = hits.Users[0]
		} else if err := json.Unmarshal(raw, &fields); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"online", "last_seen"} {
			if _, ok := fields[k]; ok {
				t.Errorf("%s tells a stranger %s: %s", path, k, raw)
			}
		}
	}
	if fs, err := mallory.Friends(ctx); err != nil || len(fs) != 0 {
		t.Errorf("mallory's friends = %+v, %v", fs, err)
	}
}

// Blocks hold everywhere: no reaction to the blocker's messages, no
// mention that marks them, no way in through a friend, a 1:1 that is
// refused with "can't send" once they share it; and what a blocked person
// may still do — join a public room or a link's room the blocker is in.
func TestBlocksHoldWithConsent(t *testing.T) {
	srv := testserver.Start(t, testserver.Strict)
	alice, mallory, carol := srv.NewUser(t, "alice"), srv.NewUser(t, "mallory"), srv.NewUser(t, "carol")
	ctx := ctxT(t)
	befriend(t, alice, carol)
	befriend(t, carol, mallory)
	befriend(t, alice, mallory)
	shared := newRoom(t, alice, "shared", carol, mallory)
	direct, err := mallory.OpenDirect(ctx, "alice")
	if err != nil || direct.MemberCount != 2 {
		t.Fatalf("friends' 1:1 = %+v, %v", direct, err)
	}
	hers, err := alice.SendMessage(ctx, shared.ID, "", "alice was here", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Block(ctx, "mallory"); err != nil {
		t.Fatal(err)
	}
	ac := alice.Connect(t)

	// Reactions: not on alice's messages; on carol's, yes.
	_, err = mallory.React(ctx, shared.ID, hers.Seq, "👍")
	mustCode(t, err, "forbidden")
	carols, err := carol.SendMessage(ctx, shared.ID, "", "carol too", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mallory.React(ctx, shared.ID, carols.Seq, "👍"); err != nil {
		t.Errorf("reacting to carol: %v", err)
	}
	// Mentions: "@alice" from mallory marks nobody and counts for nobody.
	m, err := mallory.SendMessage(ctx, shared.ID, "", "hey @alice and @carol", 0)
	if err != nil || !slices.Equal(m.Mentions, []client.UserID{carol.ID}) {
		t.Fatalf("mallory's mentions = %v, %v; want carol only", m.Mentions, err)
	}
	if r, _ := alice.Room(ctx, shared.ID); r.Mentions != 0 {
		t.Errorf("alice's mention badge = %d", r.Mentions)
	}
	// The 1:1 they share: "can't send", typing too.
	_, err = mallory.SendMessage(ctx, direct.ID, "", "hello?", 0)
	mustCode(t, err, "unreachable")
	// A friend cannot pull alice into a room with mallory: she is asked.
	trap, err := carol.CreateRoomWith(ctx, "trap", "private", "alice", "mallory")
	if err != nil || !slices.Equal(trap.Invited, []client.UserID{alice.ID}) {
		t.Fatalf("carol's room with both = %+v, %v; want alice asked", trap, err)
	}
	inv := next(t, ac, isInviteAdded(trap.ID)).Invite
	if inv.Inviter.ID != carol.ID {
		t.Errorf("the held invite is from %v", inv.Inviter.ID)
	}
	// Mallory's own invitations reach her with nothing.
	solo := newRoom(t, mallory, "solo")
	if _, err := mallory.Invite(ctx, solo.ID, "alice"); err != nil {
		t.Fatal(err)
	}
	noneBefore(t, ac, requestMarker(t, srv, alice), anyOf("invite_added"))

	// A public room or a link alice is in stays open to mallory: blocks keep
	// people apart, not out of public places; an admin can remove them.
	pub, err := alice.CreateRoomWith(ctx, "lobby", "public")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mallory.JoinRoom(ctx, pub.ID); err != nil {
		t.Errorf("mallory joining a public room alice is in: %v", err)
	}
	link, err := alice.CreateLink(ctx, shared.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.RemoveMember(ctx, shared.ID, mallory.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := mallory.JoinLink(ctx, link.Code); err != nil {
		t.Errorf("mallory joining by a link: %v", err)
	}
}
