package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"parley/client"
	"parley/internal/realtime"
	"parley/internal/testserver"
)

func connectPoll(t testing.TB, u *testserver.User) *client.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := u.Client.Connect(ctx, client.ConnectOptions{LongPoll: true, PollWait: 2 * time.Second})
	if err != nil {
		t.Fatalf("long-poll connect %s: %v", u.Username, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// A long-poll client and a WebSocket client chat: each sees the other's
// messages live, in order, once, and the long-poll client gets the other
// events (receipts, room changes) too.
func TestLongPollClientChatsWithWebSocketClient(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "mixed", bob)
	ws, lp := alice.Connect(t), connectPoll(t, bob)
	ctx := ctxT(t)

	if _, err := ws.Send(ctx, room.ID, "a1", "hello over websocket"); err != nil {
		t.Fatal(err)
	}
	next(t, lp, isMessage(room.ID, "hello over websocket"))
	m, err := bob.SendMessage(ctx, room.ID, "b1", "hello over long-poll", 0)
	if err != nil {
		t.Fatal(err)
	}
	next(t, ws, isMessage(room.ID, "hello over long-poll"))
	if _, err := alice.MarkRead(ctx, room.ID, m.Seq); err != nil {
		t.Fatal(err)
	}
	next(t, lp, isType("receipts"))
	name := "renamed"
	if _, err := alice.UpdateRoom(ctx, room.ID, &name, nil); err != nil {
		t.Fatal(err)
	}
	next(t, lp, isType("room_updated"))

	// A burst arrives whole and in order, across several polls.
	for i := range 200 {
		if _, err := ws.Send(ctx, room.ID, fmt.Sprint("burst", i), "x"); err != nil {
			t.Fatal(err)
		}
	}
	got := collectSeqs(t, lp, room.ID, 200, time.Minute)
	if want := seqRange(got[0], got[0]+199); !slices.Equal(got, want) {
		t.Fatalf("long-poll client: %s", diff(got, want))
	}
	if _, err := lp.Request(ctx, "ping", nil); err == nil {
		t.Fatal("a request over long-poll should be refused: it has no WebSocket")
	}
}

// A long-poll client survives its session being lost and the server
// restarting: it opens a new session and fetches what it missed, so it sees
// every acknowledged message once, in order.
func TestLongPollSurvivesRestartWithoutLoss(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "restart", bob)
	lp := connectPoll(t, bob)
	ctx := ctxT(t)

	send := func(from, to int) int64 {
		var last int64
		for i := from; i < to; i++ {
			m, err := alice.SendMessage(ctx, room.ID, fmt.Sprint("k", i), fmt.Sprint("m", i), 0)
			if err != nil {
				t.Fatal(err)
			}
			last = m.Seq
		}
		return last
	}
	send(0, 50)
	lp.Drop() // the session is abandoned: a new one must resume
	waitFor(t, "a new session after the drop", func() bool { return lp.Connects() >= 2 })
	send(50, 100)
	srv.Stop(t)
	testserver.StartConfigAt(t, srv) // same address and database
	last := send(100, 150)

	got := collectSeqs(t, lp, room.ID, int(last-1), 2*time.Minute)
	if want := seqRange(2, last); !slices.Equal(got, want) {
		t.Fatalf("long-poll client saw %d of %d: %s", len(got), len(want), diff(got, want))
	}
	if lp.Connects() < 3 {
		t.Fatalf("long-poll client opened %d sessions, want 3 (first, after the drop, after the restart)", lp.Connects())
	}
}

// Poll sessions belong to the login that opened them, and a bad cursor or
// wait is refused.
func TestLongPollSessionsArePrivate(t *testing.T) {
	srv := testserver.Start(t)
	alice, eve := srv.NewUser(t, "alice"), srv.NewUser(t, "eve")
	ctx := ctxT(t)
	b, err := alice.OpenPoll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Events) == 0 || !strings.HasPrefix(string(b.Events[0]), `{"type":"ready",`) {
		t.Fatalf("first batch does not start with ready: %s", b.Events)
	}
	_, err = eve.Poll(ctx, b.Session, b.Cursor, 0)
	mustCode(t, err, "not_found")
	_, err = eve.OpenPollID(ctx, b.Session)
	mustCode(t, err, "conflict")
	for _, id := range []string{"short", "has spaces in it here", "ünïcödé-ünïcödé-ünïcödé", strings.Repeat("x", 65)} {
		_, err = eve.OpenPollID(ctx, id)
		mustCode(t, err, "invalid")
	}
	mustCode(t, eve.ClosePoll(ctx, b.Session), "not_found")
	for _, q := range []string{"cursor=-1", "cursor=x", "wait=56", "wait=-2"} {
		err := alice.Do(ctx, "GET", "/api/v1/poll/"+b.Session+"?"+q, nil, nil)
		mustCode(t, err, "invalid")
	}
	if err := alice.ClosePoll(ctx, b.Session); err != nil {
		t.Fatal(err)
	}
	_, err = alice.Poll(ctx, b.Session, b.Cursor, 0)
	mustCode(t, err, "not_found")
}

// The end of a login reaches a long-poll client as it reaches every REST
// request: 401 unauthorized — a poll waiting at that moment included, never a
// `closed` batch (docs/protocol.md, "Long-poll" 3).
func TestLongPollAnswers401WhenTheLoginEnds(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.NewUser(t, "alice")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b, err := alice.OpenPoll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cursor := b.Cursor
	waiting := make(chan error, 1)
	poll := func() {
		go func() {
			got, err := alice.Poll(ctx, b.Session, cursor, realtime.MaxPollWait)
			if err == nil && len(got.Events) > 0 {
				err = fmt.Errorf("events before the logout: %s", got.Events)
			}
			waiting <- err
		}()
	}
	poll()
	// The poll waits once a second one for the session is refused.
	for {
		_, err := alice.Poll(ctx, b.Session, cursor, 0)
		if client.ErrorCode(err) == "conflict" {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-waiting:
			if client.ErrorCode(err) != "conflict" {
				t.Fatalf("the poll ended before the logout: %v", err)
			}
			poll() // it arrived while the probe held the session
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := alice.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-waiting:
		mustCode(t, err, "unauthorized")
	case <-ctx.Done():
		t.Fatal("the waiting poll did not answer")
	}
	_, err = alice.Poll(ctx, b.Session, cursor, 0)
	mustCode(t, err, "unauthorized")

	// The Go client ends its long-poll Conn with that error, and opens no
	// new session.
	c := loginAs(t, srv.Client(), "alice")
	lp := connect(t, c, client.ConnectOptions{LongPoll: true, PollWait: 20 * time.Second})
	next(t, lp, isType("ready"))
	if err := c.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	endedWith(t, lp, "unauthorized")
	if n := lp.Connects(); n != 1 {
		t.Fatalf("long-poll Conn opened %d sessions, want 1", n)
	}
}
