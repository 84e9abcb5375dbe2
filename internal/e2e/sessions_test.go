package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"parley/client"
	"parley/internal/server"
	"parley/internal/testserver"
)

// loginAs logs username in through c (password "password-<username>").
func loginAs(t *testing.T, c *client.Client, username string) *client.Client {
	t.Helper()
	lc, _, err := c.Login(ctxT(t), username, "password-"+username)
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	return lc
}

func connect(t *testing.T, c *client.Client, opts client.ConnectOptions) *client.Conn {
	t.Helper()
	conn, err := c.Connect(ctxT(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// endedWith waits for c to end for good and checks its close code, or the
// error code it ended with.
func endedWith(t *testing.T, c *client.Conn, code string) {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case _, ok := <-c.Events():
			if ok {
				continue
			}
			if err := c.Err(); err == nil || !containsCode(err, code) && client.ErrorCode(err) != code {
				t.Fatalf("connection ended with %v, want %s", err, code)
			}
			return
		case <-timeout:
			t.Fatalf("connection still open, want it closed with %s", code)
		}
	}
}

func TestPasswordChangeEndsEveryOtherSession(t *testing.T) {
	srv := testserver.Start(t)
	signupVia(t, srv.Client(), "alice")
	bob := srv.NewUser(t, "bob")
	here, there := loginAs(t, srv.Client(), "alice"), loginAs(t, srv.Client(), "alice")
	room, err := here.CreateRoom(ctxT(t), "r", "bob")
	if err != nil {
		t.Fatal(err)
	}
	hereLive := connect(t, here, client.ConnectOptions{})
	thereLive := connect(t, there, client.ConnectOptions{})
	therePoll := connect(t, there, client.ConnectOptions{LongPoll: true, PollWait: time.Second})

	err = here.ChangePassword(ctxT(t), "not-the-password", "new-password-1")
	mustCode(t, err, "forbidden")
	if err := here.ChangePassword(ctxT(t), "password-alice", "new-password-1"); err != nil {
		t.Fatal(err)
	}
	endedWith(t, thereLive, "4500")
	endedWith(t, therePoll, "unauthorized") // a poll answers 401 as every request does
	_, err = there.Me(ctxT(t))
	mustCode(t, err, "unauthorized")
	// The caller's session and its live connection go on.
	if _, err := bob.SendMessage(ctxT(t), room.ID, "", "still here?", 0); err != nil {
		t.Fatal(err)
	}
	next(t, hereLive, isMessage(room.ID, "still here?"))
	_, _, err = srv.Client().Login(ctxT(t), "alice", "password-alice")
	mustCode(t, err, "unauthorized")
	if _, _, err := srv.Client().Login(ctxT(t), "alice", "new-password-1"); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	err = here.ChangePassword(ctxT(t), "new-password-1", "short")
	mustCode(t, err, "invalid")
}

func TestSessionsListAndEnd(t *testing.T) {
	srv := testserver.Start(t)
	signupVia(t, srv.Client(), "alice")
	laptop := loginAs(t, srv.ClientFrom("127.0.0.2").WithUserAgent("parley-e2e laptop"), "alice")
	phone := loginAs(t, srv.ClientFrom("127.0.0.3").WithUserAgent("parley-e2e phone"), "alice")
	list, err := laptop.Sessions(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("%d sessions listed, want 2: %+v", len(list), list)
	}
	byAgent := map[string]client.Session{}
	for _, s := range list {
		byAgent[s.UserAgent] = s
		for _, tok := range []string{laptop.Token(), phone.Token()} {
			h := sha256.Sum256([]byte(tok))
			if s.ID == "" || strings.Contains(hex.EncodeToString(h[:]), s.ID) || strings.Contains(s.ID, hex.EncodeToString(h[:8])) {
				t.Fatalf("session id %q is empty or derived from a token hash", s.ID)
			}
		}
	}
	lp, ph := byAgent["parley-e2e laptop"], byAgent["parley-e2e phone"]
	if lp.Address != "127.0.0.2" || ph.Address != "127.0.0.3" || !lp.Current || ph.Current {
		t.Fatalf("sessions = %+v", list)
	}
	if lp.CreatedAt.IsZero() || lp.LastSeenAt.Before(lp.CreatedAt.Time) || !lp.ExpiresAt.After(lp.CreatedAt.Time) {
		t.Fatalf("times of %+v", lp)
	}

	// Ending the phone's session closes its WebSocket.
	phoneLive := connect(t, phone, client.ConnectOptions{})
	if err := laptop.EndSession(ctxT(t), ph.ID); err != nil {
		t.Fatal(err)
	}
	endedWith(t, phoneLive, "4500")
	_, err = phone.Me(ctxT(t))
	mustCode(t, err, "unauthorized")
	mustCode(t, laptop.EndSession(ctxT(t), ph.ID), "not_found")
	bob := srv.NewUser(t, "bob")
	mustCode(t, bob.EndSession(ctxT(t), lp.ID), "not_found") // another user's session
	if _, err := laptop.Me(ctxT(t)); err != nil {
		t.Fatalf("laptop after bob's try: %v", err)
	}

	// Ending all the others.
	var others []*client.Conn
	for range 3 {
		others = append(others, connect(t, loginAs(t, srv.Client(), "alice"), client.ConnectOptions{}))
	}
	n, err := laptop.EndOtherSessions(ctxT(t))
	if err != nil || n != 3 {
		t.Fatalf("EndOtherSessions = %d, %v; want 3", n, err)
	}
	for _, c := range others {
		endedWith(t, c, "4500")
	}
	list, _ = laptop.Sessions(ctxT(t))
	if len(list) != 1 || list[0].ID != lp.ID {
		t.Fatalf("after ending the others: %+v", list)
	}
}

// ownSession is the id of c's own session.
func ownSession(t *testing.T, c *client.Client) string {
	t.Helper()
	list, err := c.Sessions(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.Current {
			return s.ID
		}
	}
	t.Fatalf("no current session in %+v", list)
	return ""
}

// TestIdleSessionsEndAndLiveOnesDoNot: a session unused for the idle
// timeout is swept, while one whose only use is an open WebSocket is kept
// (its node notes the live connection). Both were made before the idle one
// was last used, so had the live one not been kept alive it would be gone
// first.
func TestIdleSessionsEndAndLiveOnesDoNot(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) { c.Limits.SessionIdleTimeout = 5 * time.Second })
	signupVia(t, srv.Client(), "alice")
	// Each session learns its own id at once: on a busy machine a listing
	// made later might come after the idle one was already swept.
	live := loginAs(t, srv.Client(), "alice")
	liveID := ownSession(t, live)
	liveConn := connect(t, live, client.ConnectOptions{})
	idle := loginAs(t, srv.Client(), "alice")
	idleID := ownSession(t, idle)
	observer := loginAs(t, srv.Client(), "alice")
	deadline := time.Now().Add(2 * time.Minute)
	for {
		list, err := observer.Sessions(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(list, func(s client.Session) bool { return s.ID == idleID }) {
			if !slices.ContainsFunc(list, func(s client.Session) bool { return s.ID == liveID }) {
				t.Fatal("the session with a live WebSocket ended as idle")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the idle session was never swept")
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, err := idle.Me(ctxT(t))
	mustCode(t, err, "unauthorized")
	if _, err := live.Me(ctxT(t)); err != nil {
		t.Fatalf("the live session: %v", err)
	}
	select {
	case <-liveConn.Events():
	default:
	}
	if liveConn.Err() != nil {
		t.Fatalf("the live connection ended: %v", liveConn.Err())
	}
}

// TestExpiredSessionClosesItsConnection: at the absolute end the sweeper
// deletes the session and its live connection is closed with 4500.
func TestExpiredSessionClosesItsConnection(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) {
		c.Limits.SessionTTL = 2 * time.Second
		c.Limits.SessionIdleTimeout = time.Second // sweeps every 250 ms
	})
	alice := srv.NewUser(t, "alice")
	endedWith(t, alice.Connect(t), "4500")
	_, err := alice.Me(ctxT(t))
	mustCode(t, err, "unauthorized")
}

// dialTicket opens a raw WebSocket with ticket and returns the handshake's
// status and, on success, the first frame.
func dialTicket(t *testing.T, srv *testserver.Server, c *client.Client, ticket string) (int, string) {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.DialContext(ctxT(t), strings.Replace(c.WebSocketURL(ticket), c.BaseURL(), "ws://"+srv.Addr, 1), nil)
	if err != nil {
		if resp == nil {
			t.Fatal(err)
		}
		return resp.StatusCode, ""
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(time.Minute))
	_, first, err := ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	return http.StatusSwitchingProtocols, string(first)
}

func TestWebSocketTicketIsSingleUseAndShortLived(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) { c.Limits.TicketTTL = 500 * time.Millisecond })
	alice := srv.NewUser(t, "alice")
	tk, err := alice.WSTicket(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if tk.Ticket == alice.Token() || len(tk.Ticket) < 43 {
		t.Fatalf("ticket %q", tk.Ticket)
	}
	status, first := dialTicket(t, srv, alice.Client, tk.Ticket)
	if status != http.StatusSwitchingProtocols || !strings.Contains(first, `"type":"ready"`) {
		t.Fatalf("first use: %d %q", status, first)
	}
	if status, _ := dialTicket(t, srv, alice.Client, tk.Ticket); status != http.StatusUnauthorized {
		t.Fatalf("second use: %d, want 401", status)
	}
	// Expired: wait for the instant the server named, then use it.
	tk, err = alice.WSTicket(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(tk.ExpiresAt.Time) + 50*time.Millisecond)
	if status, _ := dialTicket(t, srv, alice.Client, tk.Ticket); status != http.StatusUnauthorized {
		t.Fatalf("expired ticket: %d, want 401", status)
	}
	// A ticket dies with its session.
	tk, err = alice.WSTicket(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.Logout(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if status, _ := dialTicket(t, srv, alice.Client, tk.Ticket); status != http.StatusUnauthorized {
		t.Fatalf("ticket of a logged-out session: %d, want 401", status)
	}
	if status, _ := dialTicket(t, srv, alice.Client, "made-up"); status != http.StatusUnauthorized {
		t.Fatalf("made-up ticket: %d, want 401", status)
	}
}

// TestClientConnectsWithTickets: the Go client's UseTicket asks a new
// ticket for each (re)connection, as the web client does.
func TestClientConnectsWithTickets(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "t", bob)
	c := connect(t, alice.Client, client.ConnectOptions{UseTicket: true})
	c.Drop()
	deadline := time.Now().Add(time.Minute)
	for c.Connects() < 2 {
		if time.Now().After(deadline) {
			t.Fatal("no reconnection with a new ticket")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := bob.SendMessage(ctxT(t), room.ID, "", "after the drop", 0); err != nil {
		t.Fatal(err)
	}
	next(t, c, isMessage(room.ID, "after the drop"))
}

// TestChangePasswordValidation: what the new password must be, and what a
// request must carry; none of these ends a session.
func TestChangePasswordValidation(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.NewUser(t, "alice")
	other := loginAs(t, srv.Client(), "alice")
	for _, c := range []struct {
		name          string
		current, next string
		code          string
	}{
		{"new too short", "password-alice", "short", "invalid"},
		{"new too long", "password-alice", strings.Repeat("x", 257), "invalid"},
		{"new missing", "password-alice", "", "invalid"},
		{"current missing", "", "a-long-new-password", "forbidden"},
		{"current wrong", "password-bob", "a-long-new-password", "forbidden"},
	} {
		t.Run(c.name, func(t *testing.T) {
			mustCode(t, alice.ChangePassword(ctxT(t), c.current, c.next), c.code)
		})
	}
	if _, err := other.Me(ctxT(t)); err != nil {
		t.Fatalf("a refused change ended another session: %v", err)
	}
	var resp struct{}
	err := alice.Do(ctxT(t), "POST", "/api/v1/me/password", map[string]any{"current_password": 42}, &resp)
	mustCode(t, err, "invalid")
}

// TestLoginsPastTheSessionCapEndTheLeastRecentlyUsed: a user's sessions are
// bounded; the oldest unused one ends, its connection with 4500.
func TestLoginsPastTheSessionCapEndTheLeastRecentlyUsed(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) { c.Limits.MaxSessionsPerUser = 2 })
	signupVia(t, srv.Client(), "alice")
	first := loginAs(t, srv.Client(), "alice")
	live := connect(t, first, client.ConnectOptions{})
	second := loginAs(t, srv.Client(), "alice")
	third := loginAs(t, srv.Client(), "alice")
	endedWith(t, live, "4500")
	_, err := first.Me(ctxT(t))
	mustCode(t, err, "unauthorized")
	for _, c := range []*client.Client{second, third} {
		if _, err := c.Me(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	}
}
