package e2e

import (
	"errors"
	"net/http"
	"slices"
	"testing"

	"parley/client"
	"parley/internal/chat"
	"parley/internal/server"
	"parley/internal/testserver"
)

func isPin(room client.RoomID, seq int64, on bool) func(client.Event) bool {
	return func(ev client.Event) bool {
		return ev.Type == "pin" && ev.Pin.RoomID == room && ev.Pin.Seq == seq && ev.Pin.On == on
	}
}

func isSystem(room client.RoomID, typ chat.SystemType, seq int64) func(client.Event) bool {
	return func(ev client.Event) bool {
		return ev.Type == "message" && ev.Message.RoomID == room && ev.Message.System != nil &&
			ev.Message.System.Type == typ && ev.Message.System.Seq == seq
	}
}

// pinnedSeqs is the room's pins as u sees them, newest pin first.
func pinnedSeqs(t testing.TB, u *testserver.User, room client.RoomID) []int64 {
	t.Helper()
	pins, err := u.Pins(ctxT(t), room)
	if err != nil {
		t.Fatalf("%s's pins: %v", u.Username, err)
	}
	out := []int64{}
	for _, p := range pins {
		out = append(out, p.Seq)
	}
	return out
}

// pinsLive is the shared scenario: an owner, an admin and a member, each on
// a node of nodes (one node is all three), and a non-member. Pins and
// unpins reach every member live, as a system message with its own seq
// and a pin event; the list follows; a repeat changes nothing; a delete
// unpins; a plain member and a non-member are refused.
func pinsLive(t *testing.T, nodes []*testserver.Server) {
	at := func(i int) *testserver.Server { return nodes[i%len(nodes)] }
	first := at(0)
	alice := first.NewUser(t, "alice")
	bob := first.NewUser(t, "bob").On(at(1))
	carol := first.NewUser(t, "carol").On(at(2))
	dave := first.NewUser(t, "dave").On(at(1))
	ctx := ctxT(t)
	room := newRoom(t, alice, "pins", bob, carol)
	if _, err := alice.SetRole(ctx, room.ID, bob.ID, chat.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	ac, bc, cc := alice.Connect(t), bob.Connect(t), carol.Connect(t)
	members := []*client.Conn{ac, bc, cc}
	m1, err := carol.SendMessage(ctx, room.ID, "", "the plan", 0)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := alice.SendMessage(ctx, room.ID, "", "the date", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range members {
		next(t, c, isMessage(room.ID, "the date"))
	}

	// Bob (admin, another node) pins carol's message: everyone sees the
	// system message with the next seq, then the pin event with the pin.
	p, err := bob.Pin(ctx, room.ID, m1.Seq)
	if err != nil || p.Seq != m1.Seq || p.PinnedBy != bob.ID || p.Message.SenderID != carol.ID || p.Message.Text != "the plan" {
		t.Fatalf("bob's pin = %+v, %v", p, err)
	}
	for _, c := range members {
		sys := next(t, c, isSystem(room.ID, chat.MessagePinned, m1.Seq)).Message
		if sys.Seq != m2.Seq+1 || sys.System.Actor != bob.ID || sys.SenderID != "" {
			t.Fatalf("system message = %+v, want bob's message_pinned at %d", sys, m2.Seq+1)
		}
		if ev := next(t, c, isPin(room.ID, m1.Seq, true)); ev.Pin.Pin == nil || ev.Pin.Pin.PinnedBy != bob.ID || ev.Pin.Pin.Message.Text != "the plan" {
			t.Fatalf("pin event = %+v", ev.Pin)
		}
	}
	// Pinning again is the same pin, no new seq, no event: the next pin
	// event anyone sees is alice's pin of m2.
	if again, err := alice.Pin(ctx, room.ID, m1.Seq); err != nil || again.PinnedBy != bob.ID || !again.PinnedAt.Equal(p.PinnedAt.Time) {
		t.Fatalf("second pin = %+v, %v; want bob's pin unchanged", again, err)
	}
	if _, err := alice.Pin(ctx, room.ID, m2.Seq); err != nil {
		t.Fatal(err)
	}
	for _, c := range members {
		if ev := next(t, c, isType("pin")); ev.Pin.Seq != m2.Seq {
			t.Fatalf("next pin event = %+v, want alice's pin of %d (a repeated pin sends none)", ev.Pin, m2.Seq)
		}
	}
	// Carol, a plain member, sees the list, newest pin first.
	if got, want := pinnedSeqs(t, carol, room.ID), []int64{m2.Seq, m1.Seq}; !slices.Equal(got, want) {
		t.Fatalf("carol's pins = %v, want %v", got, want)
	}

	// Refusals: a plain member, a non-member, a system message, a message
	// that does not exist.
	_, err = carol.Pin(ctx, room.ID, m2.Seq)
	mustCode(t, err, "forbidden")
	mustCode(t, carol.Unpin(ctx, room.ID, m1.Seq), "forbidden")
	_, err = dave.Pin(ctx, room.ID, m1.Seq)
	mustCode(t, err, "not_found")
	_, err = dave.Pins(ctx, room.ID)
	mustCode(t, err, "not_found")
	_, err = alice.Pin(ctx, room.ID, 1)
	mustCode(t, err, "forbidden")
	_, err = alice.Pin(ctx, room.ID, 999)
	mustCode(t, err, "not_found")

	// Alice unpins bob's pin: its own system message and an off event.
	if err := alice.Unpin(ctx, room.ID, m1.Seq); err != nil {
		t.Fatal(err)
	}
	var unpinSeq int64
	for _, c := range members {
		unpinSeq = next(t, c, isSystem(room.ID, chat.MessageUnpinned, m1.Seq)).Message.Seq
		if ev := next(t, c, isPin(room.ID, m1.Seq, false)); ev.Pin.Pin != nil {
			t.Fatalf("unpin event carries a pin: %+v", ev.Pin)
		}
	}
	if err := alice.Unpin(ctx, room.ID, m1.Seq); err != nil {
		t.Fatalf("unpinning again: %v, want nothing to happen", err)
	}

	// Deleting a pinned message unpins it.
	if _, err := alice.DeleteMessage(ctx, room.ID, m2.Seq); err != nil {
		t.Fatal(err)
	}
	if got := pinnedSeqs(t, bob, room.ID); len(got) != 0 {
		t.Fatalf("pins after the delete = %v, want none", got)
	}

	// History has every change in seq order.
	page, err := carol.History(ctx, room.ID, client.Page{After: m2.Seq, Asc: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range page {
		got = append(got, string(m.System.Type))
	}
	if want := []string{"message_pinned", "message_pinned", "message_unpinned"}; !slices.Equal(got, want) || page[len(page)-1].Seq != unpinSeq {
		t.Fatalf("history after the messages = %v ending at %d, want %v ending at %d", got, page[len(page)-1].Seq, want, unpinSeq)
	}
}

func TestPinsLiveOnOneNode(t *testing.T) {
	pinsLive(t, []*testserver.Server{testserver.Start(t)})
}

func TestPinsLiveAcrossThreeNodes(t *testing.T) {
	pinsLive(t, testserver.StartCluster(t, 3))
}

// Who may pin and unpin, over the wire: the owner and admins of a group,
// either person of a 1:1; a plain member gets 403, a non-member 404.
func TestPinsPermissions(t *testing.T) {
	srv := testserver.Start(t)
	ctx := ctxT(t)
	owner, admin, member, peer, outsider := srv.NewUser(t, "owner"), srv.NewUser(t, "admin"),
		srv.NewUser(t, "member"), srv.NewUser(t, "peer"), srv.NewUser(t, "outsider")
	group := newRoom(t, owner, "group", admin, member)
	if _, err := owner.SetRole(ctx, group.ID, admin.ID, chat.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	direct, err := owner.OpenDirect(ctx, "peer")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		who  *testserver.User
		room client.RoomID
		code string // "" = allowed
	}{
		{"group owner", owner, group.ID, ""},
		{"group admin", admin, group.ID, ""},
		{"group member", member, group.ID, "forbidden"},
		{"not a member of the group", outsider, group.ID, "not_found"},
		{"1:1 opener", owner, direct.ID, ""},
		{"1:1 peer", peer, direct.ID, ""},
		{"not in the 1:1", outsider, direct.ID, "not_found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := owner.SendMessage(ctx, c.room, "", "pin me: "+c.name, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.who.Pin(ctx, c.room, m.Seq)
			if got := client.ErrorCode(err); got != c.code {
				t.Fatalf("pin: %v, want %q", err, c.code)
			}
			if c.code != "" {
				if _, err := owner.Pin(ctx, c.room, m.Seq); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.who.Unpin(ctx, c.room, m.Seq); client.ErrorCode(err) != c.code {
				t.Fatalf("unpin: %v, want %q", err, c.code)
			}
			_, err = c.who.Pins(ctx, c.room)
			if want := map[bool]string{true: "not_found"}[c.code == "not_found"]; client.ErrorCode(err) != want {
				t.Fatalf("list: %v, want %q", err, want)
			}
		})
	}
}

// The pin limits are the node's configuration (--max-pins-per-room,
// --pins-per-second, --pin-burst): with 2 pins a room, a third is refused
// until one is unpinned, and past a burst of 4 pins and unpins (a bucket
// that refills once an hour) the next is refused whatever it is.
func TestPinLimitsAreConfigured(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) {
		c.Limits.MaxPinsPerRoom = 2
		c.Limits.PinsPerSecond, c.Limits.PinBurst = 1.0/3600, 4
	})
	ctx := ctxT(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "pins", bob)
	var seqs []int64
	for _, text := range []string{"one", "two", "three"} {
		m, err := alice.SendMessage(ctx, room.ID, "", text, 0)
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, m.Seq)
	}
	refused := func(what string, err error, status int, code string) {
		t.Helper()
		if e := (*client.Error)(nil); !errors.As(err, &e) || e.Status != status || e.Code != code {
			t.Fatalf("%s: %v, want %d %s", what, err, status, code)
		}
	}
	for i, seq := range seqs[:2] {
		if _, err := alice.Pin(ctx, room.ID, seq); err != nil {
			t.Fatalf("pin %d: %v", i+1, err)
		}
	}
	_, err := alice.Pin(ctx, room.ID, seqs[2])
	refused("a 3rd pin, past --max-pins-per-room", err, http.StatusConflict, "conflict")
	if err := alice.Unpin(ctx, room.ID, seqs[0]); err != nil {
		t.Fatal(err)
	}
	_, err = alice.Pin(ctx, room.ID, seqs[2])
	refused("a 5th pin or unpin, past --pin-burst", err, http.StatusTooManyRequests, "rate_limited")
	if pins, err := bob.Pins(ctx, room.ID); err != nil || len(pins) != 1 || pins[0].Seq != seqs[1] {
		t.Fatalf("pins after the refusals: %+v, %v; want only seq %d", pins, err, seqs[1])
	}
}
