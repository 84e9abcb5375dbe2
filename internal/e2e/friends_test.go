package e2e

import (
	"testing"

	"parley/client"
	"parley/internal/testserver"
)

func isFriendRequest(from, to client.UserID) func(client.Event) bool {
	return func(ev client.Event) bool {
		return ev.Type == "friend_request" && ev.FriendRequest.From.ID == from && ev.FriendRequest.To.ID == to
	}
}

func isRequestGone(from, to client.UserID) func(client.Event) bool {
	return func(ev client.Event) bool {
		return ev.Type == "friend_request_removed" && ev.RequestGone.FromID == from && ev.RequestGone.ToID == to
	}
}

func isFriendAdded(who client.UserID) func(client.Event) bool {
	return func(ev client.Event) bool { return ev.Type == "friend_added" && ev.Friend.ID == who }
}

func isFriendRemoved(who client.UserID) func(client.Event) bool {
	return func(ev client.Event) bool { return ev.Type == "friend_removed" && ev.UserID == who }
}

// Friend requests, answers and removals reach both sides (and every device
// of each) live; a third user hears nothing.
func testFriends(t *testing.T, nodes []*testserver.Server) {
	n0, n1, n2 := nodes[0], nodes[1], nodes[2]
	alice, bob, carol := n0.NewUser(t, "alice"), n0.NewUser(t, "bob"), n0.NewUser(t, "carol")
	ctx := ctxT(t)
	ac, phone := alice.Connect(t), alice.On(n2).Connect(t)
	bc := bob.On(n1).Connect(t)
	cc := carol.On(n2).Connect(t)

	// Request, then accept.
	res, err := alice.RequestFriend(ctx, "BOB")
	if err != nil || res.Status != "pending" || res.Request == nil || res.Request.To.ID != bob.ID {
		t.Fatalf("RequestFriend = %+v, %v", res, err)
	}
	ev := next(t, bc, isFriendRequest(alice.ID, bob.ID))
	if ev.FriendRequest.From.Username != "alice" || ev.FriendRequest.From.DisplayName != alice.DisplayName {
		t.Errorf("bob's request event = %+v", ev.FriendRequest)
	}
	next(t, phone, isFriendRequest(alice.ID, bob.ID))
	lists, err := bob.FriendRequests(ctx)
	if err != nil || len(lists.Incoming) != 1 || len(lists.Outgoing) != 0 || lists.Incoming[0].From.ID != alice.ID {
		t.Fatalf("bob's requests = %+v, %v", lists, err)
	}
	if lists, err := alice.FriendRequests(ctx); err != nil || len(lists.Outgoing) != 1 || len(lists.Incoming) != 0 {
		t.Fatalf("alice's requests = %+v, %v", lists, err)
	}
	f, err := bob.AcceptFriend(ctx, alice.ID)
	if err != nil || f.ID != alice.ID || !f.Online {
		t.Fatalf("AcceptFriend = %+v, %v; want alice, online", f, err)
	}
	if ev := next(t, ac, isFriendAdded(bob.ID)); !ev.Friend.Online || ev.Friend.Username != "bob" {
		t.Errorf("alice's friend_added = %+v", ev.Friend)
	}
	next(t, phone, isFriendAdded(bob.ID))
	next(t, bc, isFriendAdded(alice.ID))
	fs, err := alice.Friends(ctx)
	if err != nil || len(fs) != 1 || fs[0].ID != bob.ID || !fs[0].Online || fs[0].LastSeen == nil {
		t.Fatalf("alice's friends = %+v, %v", fs, err)
	}

	// Declined and cancelled requests disappear on both sides.
	if _, err := alice.RequestFriend(ctx, "carol"); err != nil {
		t.Fatal(err)
	}
	next(t, cc, isFriendRequest(alice.ID, carol.ID))
	if err := carol.DeclineFriend(ctx, alice.ID); err != nil {
		t.Fatal(err)
	}
	next(t, ac, isRequestGone(alice.ID, carol.ID))
	next(t, cc, isRequestGone(alice.ID, carol.ID))
	if _, err := alice.RequestFriend(ctx, "carol"); err != nil {
		t.Fatal(err)
	}
	next(t, cc, isFriendRequest(alice.ID, carol.ID))
	if err := alice.CancelFriendRequest(ctx, carol.ID); err != nil {
		t.Fatal(err)
	}
	next(t, cc, isRequestGone(alice.ID, carol.ID))
	next(t, phone, isRequestGone(alice.ID, carol.ID))

	// Asking someone who asked you makes you friends.
	if _, err := carol.RequestFriend(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	next(t, ac, isFriendRequest(carol.ID, alice.ID))
	res, err = alice.RequestFriend(ctx, "carol")
	if err != nil || res.Status != "friends" || res.Friend == nil || res.Friend.ID != carol.ID {
		t.Fatalf("asking back = %+v, %v", res, err)
	}
	next(t, cc, isFriendAdded(alice.ID))
	next(t, ac, isFriendAdded(carol.ID))

	// Removal; bob, a friend of alice's but not carol's, hears nothing of it.
	if err := carol.RemoveFriend(ctx, alice.ID); err != nil {
		t.Fatal(err)
	}
	next(t, ac, isFriendRemoved(carol.ID))
	next(t, cc, isFriendRemoved(alice.ID))
	noneBefore(t, bc, marker(t, carol, bob), func(ev client.Event) bool {
		return anyOf("friend_request", "friend_request_removed", "friend_removed")(ev) ||
			ev.Type == "friend_added" && ev.Friend.ID != alice.ID
	})
	if fs, err := alice.Friends(ctx); err != nil || len(fs) != 1 || fs[0].ID != bob.ID {
		t.Errorf("alice's friends after carol left = %+v, %v", fs, err)
	}
}

func TestFriendsOneNode(t *testing.T) { testFriends(t, oneNode(t)) }

func TestFriendsThreeNodes(t *testing.T) { testFriends(t, threeNodes(t)) }

func TestBadFriendInput(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob, carol := srv.NewUser(t, "alice"), srv.NewUser(t, "bob"), srv.NewUser(t, "carol")
	befriend(t, alice, bob)
	if _, err := alice.RequestFriend(ctxT(t), "carol"); err != nil {
		t.Fatal(err)
	}
	const reqs = "/api/v1/friends/requests"
	cases := []restCase{
		{"request yourself", alice, "POST", reqs, `{"username":"alice"}`, 400, "invalid"},
		{"request nobody", alice, "POST", reqs, `{"username":"nobody"}`, 404, "not_found"},
		{"request without a name", alice, "POST", reqs, `{}`, 400, "invalid"},
		{"request wrong type", alice, "POST", reqs, `{"username":7}`, 400, "invalid"},
		{"request a friend", alice, "POST", reqs, `{"username":"bob"}`, 409, "conflict"},
		{"request twice", alice, "POST", reqs, `{"username":"carol"}`, 409, "conflict"},
		{"accept what nobody asked", alice, "POST", reqs + "/" + string(carol.ID) + "/accept", ``, 404, "not_found"},
		{"accept an unknown user", alice, "POST", reqs + "/nobody/accept", ``, 404, "not_found"},
		{"decline what nobody asked", alice, "POST", reqs + "/" + string(bob.ID) + "/decline", ``, 404, "not_found"},
		{"cancel what was not asked", carol, "DELETE", reqs + "/" + string(alice.ID), ``, 404, "not_found"},
		{"remove a stranger", carol, "DELETE", "/api/v1/friends/" + string(alice.ID), ``, 404, "not_found"},
		{"remove yourself", alice, "DELETE", "/api/v1/friends/" + string(alice.ID), ``, 404, "not_found"},
		{"accept, really", carol, "POST", reqs + "/" + string(alice.ID) + "/accept", ``, 0, ""},
		{"list", carol, "GET", "/api/v1/friends", ``, 0, ""},
		{"list requests", carol, "GET", reqs, ``, 0, ""},
	}
	runREST(t, cases)
	if status, code := raw(t, srv, alice.Token(), "POST", reqs, `{"username"`); status != 400 || code != "invalid" {
		t.Errorf("malformed body = %d %q", status, code)
	}
}
