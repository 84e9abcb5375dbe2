package e2e

import (
	"slices"
	"testing"

	"parley/client"
	"parley/internal/testserver"
)

func mentionsOf(t testing.TB, u *testserver.User, room client.RoomID) int64 {
	t.Helper()
	rooms, err := u.Rooms(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rooms {
		if r.ID == room {
			one, err := u.Room(ctxT(t), room)
			if err != nil || one.Mentions != r.Mentions {
				t.Fatalf("GET room says %d mentions (%v), the room list %d", one.Mentions, err, r.Mentions)
			}
			return r.Mentions
		}
	}
	t.Fatalf("%s does not have room %s", u.Username, room)
	return 0
}

func ids(us ...*testserver.User) []client.UserID {
	var out []client.UserID
	for _, u := range us {
		out = append(out, u.ID)
	}
	slices.Sort(out)
	return out
}

// mentionScenario runs on nodes (one, or a cluster): mentions resolve to
// members at send time, reach every client live and in history, count in the
// room list and the ready frame, and fall as the mentioned member reads.
func mentionScenario(t *testing.T, nodes []*testserver.Server) {
	at := func(i int) *testserver.Server { return nodes[i%len(nodes)] }
	first := at(0)
	alice := first.NewUser(t, "alice")
	bob := first.NewUser(t, "bob").On(at(1))
	carol := first.NewUser(t, "carol").On(at(2))
	first.NewUser(t, "dave") // a user, but no member
	ctx := ctxT(t)
	room := newRoom(t, alice, "mentions", bob, carol)
	ac, bc := alice.Connect(t), bob.Connect(t)

	// dave is no member: his name stays text. alice cannot mention herself.
	m1, err := ac.Send(ctx, room.ID, "m1", "@Bob, @dave and @alice: look")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m1.Mentions, ids(bob)) {
		t.Fatalf("ack mentions = %v, want bob only", m1.Mentions)
	}
	if ev := next(t, bc, isMessage(room.ID, m1.Text)); !slices.Equal(ev.Message.Mentions, ids(bob)) {
		t.Fatalf("bob's live message mentions = %v", ev.Message.Mentions)
	}
	plain, _ := ac.Send(ctx, room.ID, "", "mail bob@example.com")
	m3, _ := ac.Send(ctx, room.ID, "", "@bob @carol ship it")
	if plain.Mentions != nil || !slices.Equal(m3.Mentions, ids(bob, carol)) {
		t.Fatalf("mentions: plain %v, both %v", plain.Mentions, m3.Mentions)
	}
	hist, err := carol.History(ctx, room.ID, client.Page{After: 1, Asc: true})
	if err != nil || len(hist) != 3 || !slices.Equal(hist[0].Mentions, ids(bob)) || hist[1].Mentions != nil ||
		!slices.Equal(hist[2].Mentions, ids(bob, carol)) {
		t.Fatalf("history mentions: %+v, %v", hist, err)
	}
	// Idempotent resend: the original, with its mentions.
	if again, err := ac.Send(ctx, room.ID, "m1", "@carol only"); err != nil || again.Seq != m1.Seq || !slices.Equal(again.Mentions, ids(bob)) {
		t.Fatalf("resend = %+v, %v; want the original with bob", again, err)
	}

	// Counts: bob 2, carol 1, alice 0, everywhere a summary appears.
	for _, c := range []struct {
		u    *testserver.User
		want int64
	}{{bob, 2}, {carol, 1}, {alice, 0}} {
		if got := mentionsOf(t, c.u, room.ID); got != c.want {
			t.Errorf("%s has %d mentions, want %d", c.u.Username, got, c.want)
		}
	}
	bobPhone := bob.Connect(t)
	if ev := next(t, bobPhone, isType("ready")); len(ev.Ready.Rooms) != 1 || ev.Ready.Rooms[0].Mentions != 2 {
		t.Fatalf("bob's ready frame rooms = %+v", ev.Ready.Rooms)
	}

	// Reading lowers the count, and the read event says by how much.
	pos, err := bc.MarkRead(ctx, room.ID, m1.Seq)
	if err != nil || pos.Mentions != 1 || pos.LastSeq != m3.Seq {
		t.Fatalf("read to m1 = %+v, %v; want 1 mention left up to %d", pos, err, m3.Seq)
	}
	if ev := next(t, bobPhone, isType("read")); ev.Read.Mentions != 1 || ev.Read.LastReadSeq != m1.Seq {
		t.Fatalf("bob's other device got %+v", *ev.Read)
	}
	if got := mentionsOf(t, bob, room.ID); got != 1 {
		t.Errorf("bob's mentions after a partial read = %d, want 1", got)
	}
	if pos, err := bob.MarkRead(ctx, room.ID, m3.Seq); err != nil || pos.Mentions != 0 {
		t.Fatalf("read to the end = %+v, %v", pos, err)
	}
	if got := mentionsOf(t, bob, room.ID); got != 0 {
		t.Errorf("bob's mentions after reading all = %d, want 0", got)
	}
	// Sending reads too: carol's own message clears her mention.
	if _, err := carol.SendMessage(ctx, room.ID, "", "on it", 0); err != nil {
		t.Fatal(err)
	}
	if got := mentionsOf(t, carol, room.ID); got != 0 {
		t.Errorf("carol's mentions after sending = %d, want 0", got)
	}
}

func TestMentionsOnOneNode(t *testing.T) {
	mentionScenario(t, []*testserver.Server{testserver.Start(t)})
}

func TestMentionsAcrossThreeNodes(t *testing.T) {
	mentionScenario(t, testserver.StartCluster(t, 3))
}

// Edits re-resolve mentions; a delete clears them; an invited member's count
// starts from the invite, and room_added carries it.
func TestMentionEditsDeletesAndInvites(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob, carol, dave := srv.NewUser(t, "alice"), srv.NewUser(t, "bob"), srv.NewUser(t, "carol"), srv.NewUser(t, "dave")
	room := newRoom(t, alice, "edits", bob, carol)
	ctx := ctxT(t)
	cc := carol.Connect(t)
	m, err := alice.SendMessage(ctx, room.ID, "", "@bob hi", 0)
	if err != nil {
		t.Fatal(err)
	}
	edited, err := alice.EditMessage(ctx, room.ID, m.Seq, "@carol hi, and @dave")
	if err != nil || !slices.Equal(edited.Mentions, ids(carol)) {
		t.Fatalf("edit = %+v, %v; want carol mentioned", edited, err)
	}
	if ev := next(t, cc, isType("message_updated")); !slices.Equal(ev.Message.Mentions, ids(carol)) {
		t.Fatalf("message_updated mentions = %v", ev.Message.Mentions)
	}
	if b, c := mentionsOf(t, bob, room.ID), mentionsOf(t, carol, room.ID); b != 0 || c != 1 {
		t.Fatalf("after the edit bob has %d, carol %d; want 0, 1", b, c)
	}
	if _, err := alice.DeleteMessage(ctx, room.ID, m.Seq); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, cc, isType("message_updated")); ev.Message.Mentions != nil {
		t.Fatalf("the tombstone mentions %v", ev.Message.Mentions)
	}
	if c := mentionsOf(t, carol, room.ID); c != 0 {
		t.Fatalf("carol counts %d mentions in a deleted message", c)
	}

	// dave was mentioned before he was a member: nothing to count. After
	// the invite, a mention counts, and reaches him live.
	if _, err := alice.SendMessage(ctx, room.ID, "", "@dave is not here yet", 0); err != nil {
		t.Fatal(err)
	}
	dc := dave.Connect(t)
	if _, err := alice.Invite(ctx, room.ID, "dave"); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, dc, isType("room_added")); ev.Room.Mentions != 0 {
		t.Fatalf("room_added mentions = %d, want 0", ev.Room.Mentions)
	}
	if _, err := alice.SendMessage(ctx, room.ID, "", "welcome @dave", 0); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, dc, isMessage(room.ID, "welcome @dave")); !slices.Equal(ev.Message.Mentions, ids(dave)) {
		t.Fatalf("dave's live message mentions = %v", ev.Message.Mentions)
	}
	if d := mentionsOf(t, dave, room.ID); d != 1 {
		t.Fatalf("dave has %d mentions, want 1", d)
	}
}
