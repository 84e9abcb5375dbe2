package e2e

import (
	"slices"
	"testing"

	"parley/client"
	"parley/internal/testserver"
)

// A blocked user cannot reach the blocker: no friend request, no sends or
// typing in their old 1:1, no presence through it, not even a search hit;
// their invitations and 1:1s reach the blocker with nothing, answered as if
// they were pending (consent_test.go has the rest). Unblocking gives all of
// it back.
func testBlocks(t *testing.T, nodes []*testserver.Server) {
	n0, n1, n2 := nodes[0], nodes[1], nodes[2]
	alice, mallory, bob := n0.NewUser(t, "alice"), n0.NewUser(t, "mallory"), n0.NewUser(t, "bob")
	ctx := ctxT(t)
	befriend(t, alice, mallory)
	befriend(t, mallory, bob)
	direct, err := mallory.OpenDirect(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	group := newRoom(t, bob, "group", alice, mallory)
	ac, phone := alice.Connect(t), alice.On(n2).Connect(t)
	m := mallory.On(n1)
	mc := m.Connect(t)

	b, err := alice.Block(ctx, "mallory")
	if err != nil || b.ID != mallory.ID || b.BlockedAt.IsZero() {
		t.Fatalf("Block = %+v, %v", b, err)
	}
	next(t, phone, func(ev client.Event) bool { return ev.Type == "block_added" && ev.Blocked.ID == mallory.ID })
	next(t, ac, isFriendRemoved(mallory.ID))
	next(t, mc, isFriendRemoved(alice.ID))
	if bs, err := alice.Blocks(ctx); err != nil || len(bs) != 1 || bs[0].ID != mallory.ID {
		t.Errorf("alice's blocks = %+v, %v", bs, err)
	}

	// Everything mallory might try is refused, with a message that does not
	// say why.
	forbidden := func(what string, err error) {
		t.Helper()
		mustCode(t, err, "forbidden")
		if e := err.(*client.Error); e.Message != "not allowed with this user" {
			t.Errorf("%s: message %q gives more away than the neutral one", what, e.Message)
		}
	}
	// In the 1:1 they share, one code tells a client "can't send to this
	// chat", and says no more.
	unreachable := func(what string, err error) {
		t.Helper()
		mustCode(t, err, "unreachable")
		if e := err.(*client.Error); e.Message != "you can't send to this chat" || (e.Status != 403 && e.Status != 0) { // 0: a WebSocket error frame
			t.Errorf("%s: %d %q", what, e.Status, e.Message)
		}
	}
	_, err = m.RequestFriend(ctx, "alice")
	forbidden("friend request", err)
	if again, err := m.OpenDirect(ctx, "alice"); err != nil || again.ID != direct.ID {
		t.Errorf("reopening the 1:1 = %v, %v; want the same room", again.ID, err)
	}
	trap, err := m.CreateRoomWith(ctx, "trap", "private", "bob", "alice")
	if err != nil || trap.MemberCount != 2 || !slices.Equal(trap.Invited, []client.UserID{alice.ID}) {
		t.Errorf("a room with alice = %+v, %v; want alice among the invited, not in it", trap, err)
	}
	solo := newRoom(t, mallory, "solo")
	if res, err := m.Invite(ctx, solo.ID, "alice"); err != nil || len(res.Added) != 0 || len(res.Invited) != 1 {
		t.Errorf("inviting alice = %+v, %v; want her among the invited", res, err)
	}
	_, err = m.SendMessage(ctx, direct.ID, "", "hello?", 0)
	unreachable("REST send in the 1:1", err)
	_, err = mc.Send(ctx, direct.ID, "", "hello??")
	unreachable("WebSocket send in the 1:1", err)
	unreachable("typing in the 1:1", mc.Typing(ctx, direct.ID, true))
	if invs, err := alice.Invites(ctx); err != nil || len(invs) != 0 {
		t.Errorf("alice's invites = %+v, %v; mallory's must reach her with nothing", invs, err)
	}
	hits, err := m.SearchUsers(ctx, "ali", 10)
	if err != nil || len(hits) != 0 {
		t.Errorf("mallory's search for alice = %+v, %v", hits, err)
	}
	// A group room is no 1:1: there mallory is an ordinary member.
	if _, err := mc.Send(ctx, group.ID, "", "in the group"); err != nil {
		t.Errorf("send in a shared group: %v", err)
	}
	// Alice, the blocker, may still write and find mallory.
	if _, err := ac.Send(ctx, direct.ID, "", "I blocked you"); err != nil {
		t.Errorf("the blocker's send: %v", err)
	}
	if hits, err := alice.SearchUsers(ctx, "mall", 10); err != nil || len(hits) != 1 || hits[0].Relation != "blocked" {
		t.Errorf("alice's search for mallory = %+v, %v", hits, err)
	}

	// Alice's presence does not reach mallory through their 1:1 room: her
	// next connection is heard by bob (their group is small) but not by mallory.
	bc := bob.On(n1).Connect(t)
	ac.Close()
	phone.Close()
	next(t, bc, func(ev client.Event) bool {
		return ev.Type == "presence" && ev.Presence.UserID == alice.ID && !ev.Presence.Online
	})
	back := alice.On(n2).Connect(t)
	next(t, bc, func(ev client.Event) bool {
		return ev.Type == "presence" && ev.Presence.UserID == alice.ID && ev.Presence.Online
	})
	// The group room carries it to mallory, as it does for every member;
	// what must not exist is a second copy through the 1:1.
	presenceFromAlice := 0
	noneBefore(t, mc, marker(t, bob, mallory), func(ev client.Event) bool {
		if ev.Type == "presence" && ev.Presence.UserID == alice.ID {
			presenceFromAlice++
		}
		return presenceFromAlice > 2 // one offline + one online, through the group only
	})

	// Unblocked: mallory may write and ask again.
	if err := alice.Unblock(ctx, mallory.ID); err != nil {
		t.Fatal(err)
	}
	next(t, back, func(ev client.Event) bool { return ev.Type == "block_removed" && ev.UserID == mallory.ID })
	if _, err := mc.Send(ctx, direct.ID, "", "friends again?"); err != nil {
		t.Errorf("send after the unblock: %v", err)
	}
	if _, err := m.RequestFriend(ctx, "alice"); err != nil {
		t.Errorf("friend request after the unblock: %v", err)
	}
	if _, err := m.OpenDirect(ctx, "alice"); err != nil {
		t.Errorf("open direct after the unblock: %v", err)
	}
}

func TestBlocksOneNode(t *testing.T) { testBlocks(t, oneNode(t)) }

func TestBlocksThreeNodes(t *testing.T) { testBlocks(t, threeNodes(t)) }

// Blocking severs a pending request either way, and someone blocked before
// any 1:1 existed still cannot send in one the blocker opens.
func TestBlockSeversRequestsAndMarksNewDirectRooms(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob, carol := srv.NewUser(t, "alice"), srv.NewUser(t, "bob"), srv.NewUser(t, "carol")
	ctx := ctxT(t)
	if _, err := bob.RequestFriend(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.RequestFriend(ctx, "carol"); err != nil {
		t.Fatal(err)
	}
	bc, cc := bob.Connect(t), carol.Connect(t)
	for _, name := range []string{"bob", "carol"} {
		if _, err := alice.Block(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	next(t, bc, isRequestGone(bob.ID, alice.ID))
	next(t, cc, isRequestGone(alice.ID, carol.ID))
	if lists, err := alice.FriendRequests(ctx); err != nil || len(lists.Incoming)+len(lists.Outgoing) != 0 {
		t.Errorf("alice's requests after blocking = %+v, %v", lists, err)
	}

	room, err := alice.OpenDirect(ctx, "bob")
	if err != nil {
		t.Fatalf("the blocker opens a 1:1: %v", err)
	}
	_, err = bob.SendMessage(ctx, room.ID, "", "hi", 0)
	mustCode(t, err, "unreachable")
	if _, err := alice.SendMessage(ctx, room.ID, "", "hi", 0); err != nil {
		t.Errorf("the blocker's send: %v", err)
	}
}

func TestBadBlockInput(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	if _, err := alice.Block(ctxT(t), "bob"); err != nil {
		t.Fatal(err)
	}
	runREST(t, []restCase{
		{"block yourself", alice, "POST", "/api/v1/blocks", `{"username":"alice"}`, 400, "invalid"},
		{"block nobody", alice, "POST", "/api/v1/blocks", `{"username":"nobody"}`, 404, "not_found"},
		{"block without a name", alice, "POST", "/api/v1/blocks", `{"username":""}`, 400, "invalid"},
		{"block wrong type", alice, "POST", "/api/v1/blocks", `{"username":["bob"]}`, 400, "invalid"},
		{"block twice", alice, "POST", "/api/v1/blocks", `{"username":"bob"}`, 409, "conflict"},
		{"unblock the unblocked", bob, "DELETE", "/api/v1/blocks/" + string(alice.ID), ``, 404, "not_found"},
		{"unblock nobody", alice, "DELETE", "/api/v1/blocks/nobody", ``, 404, "not_found"},
		{"list", bob, "GET", "/api/v1/blocks", ``, 0, ""},
		{"unblock", alice, "DELETE", "/api/v1/blocks/" + string(bob.ID), ``, 0, ""},
		{"unblock twice", alice, "DELETE", "/api/v1/blocks/" + string(bob.ID), ``, 404, "not_found"},
	})
}
