package e2e

import (
	"errors"
	"net/http"
	"reflect"
	"slices"
	"testing"

	"parley/client"
	"parley/internal/server"
	"parley/internal/testserver"
)

func isReaction(room client.RoomID, seq int64, emoji string, count int) func(client.Event) bool {
	return func(ev client.Event) bool {
		return ev.Type == "reaction" && ev.Reaction.RoomID == room && ev.Reaction.Seq == seq &&
			ev.Reaction.Emoji == emoji && ev.Reaction.Count == count
	}
}

// allSee waits until every connection has seen the reaction event.
func allSee(t testing.TB, conns []*client.Conn, pred func(client.Event) bool) client.Reaction {
	t.Helper()
	var r client.Reaction
	for _, c := range conns {
		r = *next(t, c, pred).Reaction
	}
	return r
}

// reactionsOf returns message seq's reactions as u sees them in history.
func reactionsOf(t testing.TB, u *testserver.User, room client.RoomID, seq int64) []client.ReactionCount {
	t.Helper()
	page, err := u.History(ctxT(t), room, client.Page{After: seq - 1, Before: seq + 1})
	if err != nil || len(page) != 1 {
		t.Fatalf("history of %d: %v, %v", seq, page, err)
	}
	return page[0].Reactions
}

// noReactionBefore fails if c receives a reaction event of room before the
// marker message in marker room.
func noReactionBefore(t testing.TB, c *client.Conn, room, marker client.RoomID) {
	t.Helper()
	for {
		ev := next(t, c, func(ev client.Event) bool { return ev.Type == "reaction" || ev.Type == "message" })
		if ev.Type == "reaction" && ev.Reaction.RoomID == room {
			t.Fatalf("a non-member received %+v", *ev.Reaction)
		}
		if ev.Type == "message" && ev.Message.RoomID == marker && ev.Message.Text == "marker" {
			return
		}
	}
}

// reactLive is the shared scenario: three members, each on a node of nodes
// (one node is all three), see every change live with its absolute count;
// history has counts and "me" per viewer; a non-member is refused and hears
// nothing.
func reactLive(t *testing.T, nodes []*testserver.Server) {
	at := func(i int) *testserver.Server { return nodes[i%len(nodes)] }
	first := at(0)
	alice := first.NewUser(t, "alice")
	bob := first.NewUser(t, "bob").On(at(1))
	carol := first.NewUser(t, "carol").On(at(2))
	dave := first.NewUser(t, "dave").On(at(1))
	ctx := ctxT(t)
	room := newRoom(t, alice, "reactions", bob, carol)
	ac, bc, cc, dc := alice.Connect(t), bob.Connect(t), carol.Connect(t), dave.Connect(t)
	members := []*client.Conn{ac, bc, cc}
	m, err := ac.Send(ctx, room.ID, "", "react to this")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range members {
		next(t, c, isMessage(room.ID, "react to this"))
	}

	// Bob over REST, carol over WebSocket, alice with another emoji.
	if r, err := bob.React(ctx, room.ID, m.Seq, "👍"); err != nil || r.Count != 1 || !r.On || r.UserID != bob.ID {
		t.Fatalf("bob's reaction = %+v, %v", r, err)
	}
	if r := allSee(t, members, isReaction(room.ID, m.Seq, "👍", 1)); r.UserID != bob.ID || !r.On {
		t.Fatalf("event = %+v, want bob on", r)
	}
	if r, err := cc.React(ctx, room.ID, m.Seq, "👍", true); err != nil || r.Count != 2 {
		t.Fatalf("carol's reaction = %+v, %v", r, err)
	}
	allSee(t, members, isReaction(room.ID, m.Seq, "👍", 2))
	// Adding again is one reaction: no change, no event (the next event seen
	// is alice's).
	if r, err := bob.React(ctx, room.ID, m.Seq, "👍"); err != nil || r.Count != 2 {
		t.Fatalf("bob's second 👍 = %+v, %v; want count 2", r, err)
	}
	if _, err := ac.React(ctx, room.ID, m.Seq, "🎉", true); err != nil {
		t.Fatal(err)
	}
	for _, c := range members {
		ev := next(t, c, isType("reaction"))
		if r := ev.Reaction; r.Emoji != "🎉" || r.Count != 1 || r.UserID != alice.ID {
			t.Fatalf("next reaction event = %+v, want alice's 🎉 (a repeated 👍 sends none)", *r)
		}
	}

	// History: counts in order of first use, "me" per viewer.
	for _, c := range []struct {
		u    *testserver.User
		want []client.ReactionCount
	}{
		{alice, []client.ReactionCount{{Emoji: "👍", Count: 2}, {Emoji: "🎉", Count: 1, Me: true}}},
		{bob, []client.ReactionCount{{Emoji: "👍", Count: 2, Me: true}, {Emoji: "🎉", Count: 1}}},
		{carol, []client.ReactionCount{{Emoji: "👍", Count: 2, Me: true}, {Emoji: "🎉", Count: 1}}},
	} {
		if got := reactionsOf(t, c.u, room.ID, m.Seq); !slices.Equal(got, c.want) {
			t.Errorf("%s sees %v, want %v", c.u.Username, got, c.want)
		}
	}

	// Who reacted: emojis in order of first use, people earliest first.
	want := []client.Reactors{
		{Emoji: "👍", Count: 2, Users: []client.UserID{bob.ID, carol.ID}},
		{Emoji: "🎉", Count: 1, Users: []client.UserID{alice.ID}},
	}
	if got, err := carol.Reactors(ctx, room.ID, m.Seq); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("who reacted = %v, %v; want %v", got, err, want)
	}

	// Removing: the count drops for everyone; the last one out clears it.
	if _, err := bob.Unreact(ctx, room.ID, m.Seq, "👍"); err != nil {
		t.Fatal(err)
	}
	if r := allSee(t, members, isReaction(room.ID, m.Seq, "👍", 1)); r.On || r.UserID != bob.ID {
		t.Fatalf("event = %+v, want bob off", r)
	}
	if _, err := ac.React(ctx, room.ID, m.Seq, "🎉", false); err != nil {
		t.Fatal(err)
	}
	allSee(t, members, isReaction(room.ID, m.Seq, "🎉", 0))
	if got, want := reactionsOf(t, bob, room.ID, m.Seq), []client.ReactionCount{{Emoji: "👍", Count: 1}}; !slices.Equal(got, want) {
		t.Errorf("bob sees %v after the removals, want %v", got, want)
	}

	// A non-member learns nothing, over either transport, and hears nothing.
	_, err = dave.React(ctx, room.ID, m.Seq, "👍")
	mustCode(t, err, "not_found")
	_, err = dc.React(ctx, room.ID, m.Seq, "👍", true)
	mustCode(t, err, "not_found")
	_, err = dave.Unreact(ctx, room.ID, m.Seq, "👍")
	mustCode(t, err, "not_found")
	_, err = dave.Reactors(ctx, room.ID, m.Seq)
	mustCode(t, err, "not_found")
	marker := newRoom(t, alice, "marker", dave)
	if _, err := alice.SendMessage(ctx, marker.ID, "", "marker", 0); err != nil {
		t.Fatal(err)
	}
	noReactionBefore(t, dc, room.ID, marker.ID)
}

func TestReactionsLiveOnOneNode(t *testing.T) {
	reactLive(t, []*testserver.Server{testserver.Start(t)})
}

func TestReactionsLiveAcrossThreeNodes(t *testing.T) {
	reactLive(t, testserver.StartCluster(t, 3))
}

// Two devices of one user and one other member: both devices hear the
// change made on either transport.
func TestReactionsReachEveryDevice(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "devices", bob)
	ctx := ctxT(t)
	phone, laptop, bc := alice.Connect(t), alice.Connect(t), bob.Connect(t)
	m, err := bob.SendMessage(ctx, room.ID, "", "hi", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := phone.React(ctx, room.ID, m.Seq, "❤️", true); err != nil {
		t.Fatal(err)
	}
	allSee(t, []*client.Conn{phone, laptop, bc}, isReaction(room.ID, m.Seq, "❤️", 1))
}

// What REST cannot express (an empty segment is another route) the
// WebSocket frame can: a blank emoji is an error frame. A seq that is no
// seq is refused by the route. (The rules of reactions: internal/chat
// TestMessageRules; their rate: TestRateLimits.)
func TestReactionRefusals(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "refusals", bob)
	ctx := ctxT(t)
	m, err := alice.SendMessage(ctx, room.ID, "", "target", 0)
	if err != nil {
		t.Fatal(err)
	}
	bc := bob.Connect(t)
	for _, e := range []string{"", " ", "\n"} {
		_, err := bc.React(ctx, room.ID, m.Seq, e, true)
		mustCode(t, err, "invalid")
	}
	if status, code := raw(t, srv, bob.Token(), "PUT", "/api/v1/rooms/"+string(room.ID)+"/messages/0/reactions/%F0%9F%91%8D", ""); status != 400 || code != "invalid" {
		t.Errorf("seq 0: %d %s, want 400 invalid", status, code)
	}
	if status, code := raw(t, srv, bob.Token(), "GET", "/api/v1/rooms/"+string(room.ID)+"/messages/0/reactions", ""); status != 400 || code != "invalid" {
		t.Errorf("who reacted to seq 0: %d %s, want 400 invalid", status, code)
	}
	_, err = bob.Reactors(ctx, room.ID, m.Seq+100)
	mustCode(t, err, "not_found")
}

// "Who reacted" has a rate limit per user of its own, which every node
// spends from: the burst is answered wherever it is asked, the next lookup
// is refused with 429 on any node, and another member is still answered.
// The bucket refills once an hour here, so nothing comes back mid-test.
func testReactionListRateLimit(t *testing.T, nodes []*testserver.Server) {
	const burst = 4 // reactionListLimit's
	at := func(i int) *testserver.Server { return nodes[i%len(nodes)] }
	alice := at(0).NewUser(t, "alice")
	bob := at(0).NewUser(t, "bob")
	room := newRoom(t, alice, "who", bob)
	ctx := ctxT(t)
	m, err := alice.SendMessage(ctx, room.ID, "", "react here", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.React(ctx, room.ID, m.Seq, "👍"); err != nil {
		t.Fatal(err)
	}
	for i := range burst {
		if _, err := alice.On(at(i)).Reactors(ctx, room.ID, m.Seq); err != nil {
			t.Fatalf("lookup %d of a burst of %d: %v", i+1, burst, err)
		}
	}
	for i := range len(nodes) {
		_, err := alice.On(at(i)).Reactors(ctx, room.ID, m.Seq)
		mustCode(t, err, "rate_limited")
		if e := (*client.Error)(nil); !errors.As(err, &e) || e.Status != http.StatusTooManyRequests {
			t.Fatalf("past the burst, on node %d: %v, want 429", i, err)
		}
	}
	if got, err := bob.On(at(1)).Reactors(ctx, room.ID, m.Seq); err != nil || len(got) != 1 || got[0].Count != 1 {
		t.Fatalf("another member's lookup: %v, %v", got, err)
	}
}

func reactionListLimit(c *server.Config) {
	c.Limits.ReactionListsPerSecond = 1.0 / 3600
	c.Limits.ReactionListBurst = 4
}

func TestReactionListRateLimitOneNode(t *testing.T) {
	testReactionListRateLimit(t, oneNode(t, reactionListLimit))
}

func TestReactionListRateLimitThreeNodes(t *testing.T) {
	testReactionListRateLimit(t, threeNodes(t, reactionListLimit))
}
