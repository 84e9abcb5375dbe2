package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"parley/client"
	"parley/internal/testserver"
)

func TestSignupLoginLogout(t *testing.T) {
	srv := testserver.Start(t)
	ctx := ctxT(t)
	anon := srv.Client()
	if _, err := anon.Signup(ctx, "dora", "long-enough", "Dora"); err != nil {
		t.Fatal(err)
	}
	_, err := anon.Signup(ctx, "dora", "long-enough", "Dora again")
	mustCode(t, err, "conflict")

	_, _, wrongPW := anon.Login(ctx, "dora", "not-her-password")
	_, _, noUser := anon.Login(ctx, "nobody", "not-her-password")
	var e1, e2 *client.Error
	if !errors.As(wrongPW, &e1) || !errors.As(noUser, &e2) || *e1 != *e2 {
		t.Fatalf("wrong password %v and unknown user %v must look the same", wrongPW, noUser)
	}

	dora, u, err := anon.Login(ctx, "dora", "long-enough")
	if err != nil || u.DisplayName != "Dora" {
		t.Fatalf("login = %+v, %v", u, err)
	}
	if len(dora.Token()) < 43 { // 256 bits in base64url
		t.Fatalf("token %q is shorter than 256 bits", dora.Token())
	}
	me, err := dora.Me(ctx)
	if err != nil || me.ID != u.ID {
		t.Fatalf("me = %+v, %v", me, err)
	}
	live, err := dora.Connect(ctx, client.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if err := dora.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = dora.Me(ctx)
	mustCode(t, err, "unauthorized")
	// The WebSocket opened with the revoked token is closed, for good.
	for range live.Events() {
	}
	if err := live.Err(); err == nil || !containsCode(err, "4500") {
		t.Fatalf("live connection ended with %v, want close 4500", err)
	}
}

func containsCode(err error, code string) bool {
	var e *client.Error
	return errors.As(err, &e) && len(e.Message) >= 4 && e.Message[:4] == code
}

func TestFailedLoginsAreRateLimited(t *testing.T) {
	srv := testserver.Start(t)
	srv.NewUser(t, "erin")
	ctx := ctxT(t)
	anon := srv.Client()
	var last error
	for range 15 {
		_, _, last = anon.Login(ctx, "erin", "wrong-password")
	}
	mustCode(t, last, "rate_limited")
	// The limit holds even with the right password, for that username from
	// that address (other addresses: TestAttackerCannotLockOutTheOwner).
	_, _, err := anon.Login(ctx, "erin", "password-erin")
	mustCode(t, err, "rate_limited")
}

func TestNonMembersGetNothing(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob, carol, eve := srv.NewUser(t, "alice"), srv.NewUser(t, "bob"), srv.NewUser(t, "carol"), srv.NewUser(t, "eve")
	room := newRoom(t, alice, "private", bob, carol)
	ctx := ctxT(t)
	bc, cc, ec := bob.Connect(t), carol.Connect(t), eve.Connect(t)
	if _, err := alice.SendMessage(ctx, room.ID, "", "before", 0); err != nil {
		t.Fatal(err)
	}
	if err := carol.Leave(ctx, room.ID); err != nil {
		t.Fatal(err)
	}
	if err := alice.RemoveMember(ctx, room.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	next(t, bc, isType("room_removed"))
	next(t, cc, isType("room_removed"))
	if _, err := alice.SendMessage(ctx, room.ID, "", "secret", 0); err != nil {
		t.Fatal(err)
	}

	outsiders := map[string]*testserver.User{"never a member": eve, "left": carol, "removed": bob}
	for name, u := range outsiders {
		t.Run(name, func(t *testing.T) {
			calls := map[string]func() error{
				"room":     func() error { _, err := u.Room(ctx, room.ID); return err },
				"members":  func() error { _, err := u.Members(ctx, room.ID); return err },
				"history":  func() error { _, err := u.History(ctx, room.ID, client.Page{}); return err },
				"send":     func() error { _, err := u.SendMessage(ctx, room.ID, "", "x", 0); return err },
				"read":     func() error { _, err := u.MarkRead(ctx, room.ID, 1); return err },
				"receipts": func() error { _, err := u.Receipts(ctx, room.ID); return err },
				"invite":   func() error { _, err := u.Invite(ctx, room.ID, "eve"); return err },
				"edit":     func() error { _, err := u.EditMessage(ctx, room.ID, 2, "x"); return err },
				"delete":   func() error { _, err := u.DeleteMessage(ctx, room.ID, 2); return err },
				"rename":   func() error { n := "x"; _, err := u.UpdateRoom(ctx, room.ID, &n, nil); return err },
				"leave":    func() error { return u.Leave(ctx, room.ID) },
			}
			for call, f := range calls {
				if err := f(); client.ErrorCode(err) != "not_found" {
					t.Errorf("%s: %v, want not_found", call, err)
				}
			}
			rooms, _ := u.Rooms(ctx)
			for _, r := range rooms {
				if r.ID == room.ID {
					t.Error("room still listed")
				}
			}
		})
	}
	// Live: none of them received "secret" (alice's next message proves the
	// pipe is flowing; it is sent to a room they can all see).
	shared := newRoom(t, alice, "shared", bob, carol, eve)
	if _, err := alice.SendMessage(ctx, shared.ID, "", "marker", 0); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*client.Conn{"eve": ec, "carol": cc, "bob": bc} {
		for {
			ev := next(t, c, func(ev client.Event) bool { return ev.Type == "message" })
			if ev.Message.Text == "secret" {
				t.Fatalf("%s received a message of a room they are not in", name)
			}
			if ev.Message.Text == "marker" {
				break
			}
		}
	}
	// A revoked token gets nothing either.
	if err := eve.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := eve.Rooms(ctx)
	mustCode(t, err, "unauthorized")
	_, err = eve.Client.Connect(ctx, client.ConnectOptions{})
	mustCode(t, err, "unauthorized")
}

func TestWebSocketRefusesForeignOrigin(t *testing.T) {
	srv := testserver.Start(t)
	u := srv.NewUser(t, "olga")
	h := http.Header{}
	h.Set("Origin", "https://evil.example")
	_, resp, err := websocket.DefaultDialer.Dial("ws://"+srv.Addr+"/api/v1/ws?token="+u.Token(), h)
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign origin: err=%v resp=%v, want 403", err, resp)
	}
	h.Set("Origin", "http://"+srv.Addr)
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+srv.Addr+"/api/v1/ws?token="+u.Token(), h)
	if err != nil {
		t.Fatalf("own origin with ?token=: %v", err)
	}
	ws.Close()
}

func TestGracefulShutdownLosesNothingAcknowledged(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "restart", bob)
	ac, bc := alice.Connect(t), bob.Connect(t)

	acked := make(chan int64, 10000)
	go func() {
		defer close(acked)
		for i := 0; ; i++ {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			m, err := ac.Send(ctx, room.ID, fmt.Sprint("k", i), "x")
			cancel()
			if err != nil {
				return
			}
			acked <- m.Seq
			if i == 300 {
				return
			}
		}
	}()
	// Restart the server on the same address mid-stream.
	time.Sleep(200 * time.Millisecond)
	srv.Stop(t)
	restarted := testserver.StartConfigAt(t, srv)
	_ = restarted
	var maxAcked int64
	for s := range acked {
		maxAcked = max(maxAcked, s)
	}
	if maxAcked < 2 {
		t.Fatal("nothing was acknowledged")
	}
	want := seqRange(2, maxAcked)
	got := collectSeqs(t, bc, room.ID, len(want), 2*time.Minute)
	if !slices.Equal(got, want) {
		t.Fatalf("bob saw %d of %d acknowledged messages: %s", len(got), len(want), diff(got, want))
	}
	waitFor(t, "bob to reconnect after the restart", func() bool { return bc.Connects() >= 2 })
}
