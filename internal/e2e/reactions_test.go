package e2e

import (
	"slices"
	"strings"
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

func TestReactionRefusals(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) { c.Limits.MaxReactionEmojis = 2 })
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "refusals", bob)
	ctx := ctxT(t)
	m, err := alice.SendMessage(ctx, room.ID, "", "target", 0)
	if err != nil {
		t.Fatal(err)
	}
	gone, _ := alice.SendMessage(ctx, room.ID, "", "doomed", 0)
	if _, err := bob.React(ctx, room.ID, gone.Seq, "👍"); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.DeleteMessage(ctx, room.ID, gone.Seq); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, emoji string
		seq         int64
		code        string
	}{
		{"plain text", "ok", m.Seq, "invalid"},
		{"two emojis", "👍👍", m.Seq, "invalid"},
		{"emoji and text", "👍 yes", m.Seq, "invalid"},
		{"200 bytes", strings.Repeat("a", 200), m.Seq, "invalid"},
		{"200 bytes of emoji", strings.Repeat("👍", 50), m.Seq, "invalid"},
		{"control character", "\x07", m.Seq, "invalid"},
		{"emoji and control character", "👍\x00", m.Seq, "invalid"},
		{"shortcode", ":smile:", m.Seq, "invalid"},
		{"system message", "👍", 1, "forbidden"},
		{"deleted message", "👍", gone.Seq, "conflict"},
		{"no such message", "👍", 99, "not_found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := bob.React(ctx, room.ID, c.seq, c.emoji)
			mustCode(t, err, c.code)
		})
	}
	// What REST cannot express (an empty segment is another route) the
	// WebSocket frame can.
	bc := bob.Connect(t)
	for _, e := range []string{"", " ", "\n"} {
		_, err := bc.React(ctx, room.ID, m.Seq, e, true)
		mustCode(t, err, "invalid")
	}
	if status, code := raw(t, srv, bob.Token(), "PUT", "/api/v1/rooms/"+string(room.ID)+"/messages/0/reactions/%F0%9F%91%8D", ""); status != 400 || code != "invalid" {
		t.Errorf("seq 0: %d %s, want 400 invalid", status, code)
	}
	if got := reactionsOf(t, bob, room.ID, gone.Seq); got != nil {
		t.Errorf("the tombstone still carries %v", got)
	}

	// At most two different emojis here; more of one already there is fine.
	for _, e := range []string{"1️⃣", "2️⃣"} {
		if _, err := bob.React(ctx, room.ID, m.Seq, e); err != nil {
			t.Fatal(err)
		}
	}
	_, err = alice.React(ctx, room.ID, m.Seq, "3️⃣")
	mustCode(t, err, "conflict")
	if r, err := alice.React(ctx, room.ID, m.Seq, "2️⃣"); err != nil || r.Count != 2 {
		t.Fatalf("a second 2️⃣ = %+v, %v", r, err)
	}
}

func TestReactionRateLimit(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) {
		c.Limits.ReactionsPerSecond = 0.001
		c.Limits.ReactionBurst = 3
	})
	alice := srv.NewUser(t, "alice")
	room := newRoom(t, alice, "fast")
	ctx := ctxT(t)
	m, err := alice.SendMessage(ctx, room.ID, "", "spam me", 0)
	if err != nil {
		t.Fatal(err)
	}
	var last error
	for i := range 4 {
		_, last = alice.React(ctx, room.ID, m.Seq, []string{"👍", "👎"}[i%2])
		if i < 3 && last != nil {
			t.Fatalf("reaction %d: %v", i, last)
		}
	}
	mustCode(t, last, "rate_limited")
	// Sending is limited separately.
	if _, err := alice.SendMessage(ctx, room.ID, "", "still sending", 0); err != nil {
		t.Fatalf("send after the reaction limit: %v", err)
	}
}
