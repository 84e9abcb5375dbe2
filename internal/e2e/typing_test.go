package e2e

import (
	"fmt"
	"testing"
	"time"

	"parley/client"
	"parley/internal/testserver"
)

func isTyping(room client.RoomID, user client.UserID) func(client.Event) bool {
	return func(ev client.Event) bool {
		return ev.Type == "typing" && ev.Typing.RoomID == room && ev.Typing.UserID == user
	}
}

// Typing reaches the room's members live, a continuing start is throttled, a
// stop is not, and a non-member can neither send it nor hear it.
func testTyping(t *testing.T, nodes []*testserver.Server) {
	n0, n1, n2 := nodes[0], nodes[1], nodes[2]
	alice, bob, carol, dave := n0.NewUser(t, "alice"), n0.NewUser(t, "bob"), n0.NewUser(t, "carol"), n0.NewUser(t, "dave")
	room := newRoom(t, alice, "typing", bob, carol)
	ctx := ctxT(t)
	ac := alice.Connect(t)
	bc := bob.On(n1).Connect(t)
	cc := carol.On(n2).Connect(t)
	dc := dave.On(n1).Connect(t)

	if err := ac.Typing(ctx, room.ID, true); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client.Conn{bc, cc} {
		ev := next(t, c, isTyping(room.ID, alice.ID))
		if !ev.Typing.Typing || ev.Typing.TTLMS <= 0 {
			t.Fatalf("start event = %+v", ev.Typing)
		}
	}
	// Still typing a moment later: absorbed. Then a stop, relayed at once,
	// so the next event bob sees from alice is the stop.
	if err := ac.Typing(ctx, room.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := ac.Typing(ctx, room.ID, false); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client.Conn{bc, cc} {
		if ev := next(t, c, isTyping(room.ID, alice.ID)); ev.Typing.Typing {
			t.Fatalf("after start, start, stop: got a second start %+v", ev.Typing)
		}
	}
	// A stop with nothing to stop is absorbed too; a new start goes out.
	if err := ac.Typing(ctx, room.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := bob.SetTyping(ctx, room.ID, true); err != nil { // the REST form
		t.Fatal(err)
	}
	if ev := next(t, ac, isTyping(room.ID, bob.ID)); !ev.Typing.Typing {
		t.Fatalf("bob's REST start = %+v", ev.Typing)
	}
	noneBefore(t, cc, isTyping(room.ID, bob.ID), isTyping(room.ID, alice.ID))

	// Not a member: refused, and nothing heard.
	mustCode(t, dc.Typing(ctx, room.ID, true), "not_found")
	mustCode(t, dave.SetTyping(ctx, room.ID, true), "not_found")
	noneBefore(t, dc, marker(t, bob, dave), anyOf("typing"))
}

func TestTypingOneNode(t *testing.T) { testTyping(t, oneNode(t)) }

func TestTypingThreeNodes(t *testing.T) { testTyping(t, threeNodes(t)) }

// In a big room the whole room shares one small budget of typing events,
// however many members type at once.
func testBigRoomTyping(t *testing.T, nodes []*testserver.Server) {
	owner := nodes[0].NewUser(t, "owner")
	var typists []*testserver.User
	for i := range 8 {
		typists = append(typists, nodes[0].NewUser(t, fmt.Sprintf("typist%d", i)))
	}
	room := newRoom(t, owner, "big", typists...)
	oc := owner.On(nodes[1]).Connect(t)
	ctx := ctxT(t)

	start := time.Now()
	for i, u := range typists {
		if err := u.On(nodes[i%len(nodes)]).SetTyping(ctx, room.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	if _, err := owner.SendMessage(ctx, room.ID, "", "marker", 0); err != nil {
		t.Fatal(err)
	}
	seen := 0
	noneBefore(t, oc, isMessage(room.ID, "marker"), func(ev client.Event) bool {
		if ev.Type == "typing" {
			seen++
		}
		return false
	})
	// A burst of 3, then 1 per second (the default big-room rate).
	if allowed := 3 + int(elapsed.Seconds()); seen == 0 || seen > allowed || seen == len(typists) {
		t.Errorf("%d of %d typists relayed in %v; want 1 to %d", seen, len(typists), elapsed, allowed)
	}
}

func TestBigRoomTypingOneNode(t *testing.T) { testBigRoomTyping(t, oneNode(t, smallRooms)) }

func TestBigRoomTypingThreeNodes(t *testing.T) { testBigRoomTyping(t, threeNodes(t, smallRooms)) }

func TestBadTypingInput(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.NewUser(t, "alice")
	room := newRoom(t, alice, "typing")
	p := "/api/v1/rooms/" + string(room.ID) + "/typing"
	runREST(t, []restCase{
		{"no typing field", alice, "POST", p, `{}`, 400, "invalid"},
		{"typing null", alice, "POST", p, `{"typing":null}`, 400, "invalid"},
		{"typing wrong type", alice, "POST", p, `{"typing":"yes"}`, 400, "invalid"},
		{"no such room", alice, "POST", "/api/v1/rooms/nope/typing", `{"typing":true}`, 404, "not_found"},
		{"start", alice, "POST", p, `{"typing":true}`, 0, ""},
	})
	ac := alice.Connect(t)
	for _, frame := range []string{
		`{"id":"t1","type":"typing"}`,
		`{"id":"t2","type":"typing","data":{"room_id":"` + string(room.ID) + `","typing":"yes"}}`,
		`{"id":"t3","type":"typing","data":[]}`,
	} {
		if err := ac.WriteRaw([]byte(frame)); err != nil {
			t.Fatal(err)
		}
		ev := next(t, ac, isType("error"))
		if ev.Err.Code != "invalid" {
			t.Errorf("%s: error %+v, want invalid", frame, ev.Err)
		}
	}
	mustCode(t, ac.Typing(ctxT(t), "nope", true), "not_found")
}
