package e2e

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"parley/client"
	"parley/internal/push"
	"parley/internal/pushtest"
	"parley/internal/server"
	"parley/internal/testserver"
)

// pushWait is how long a test waits for a notification: the sender polls
// every 20 ms and coalesces over 100 ms in tests, but the machine is busy.
const pushWait = 20 * time.Second

// pushUser is a test user with a subscription at the push service double.
type pushUser struct {
	*testserver.User
	sub *pushtest.Subscription
}

func subscribed(t *testing.T, srv *testserver.Server, ps *pushtest.Service, name string) pushUser {
	t.Helper()
	u := srv.NewUser(t, name)
	s := ps.Subscribe(t)
	if _, err := u.Subscribe(ctxT(t), s.Endpoint, s.P256dh, s.Auth); err != nil {
		t.Fatal(err)
	}
	return pushUser{u, s}
}

func pushService(t *testing.T, srv *testserver.Server) *pushtest.Service {
	t.Helper()
	ps := pushtest.New(t)
	key, err := srv.Client().PushKey(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	ps.RequireVAPIDKey(key)
	return ps
}

func payloads(t *testing.T, ms []pushtest.Message) []push.Payload {
	t.Helper()
	out := make([]push.Payload, len(ms))
	for i, m := range ms {
		if err := json.Unmarshal(m.Payload, &out[i]); err != nil {
			t.Fatalf("payload %q: %v", m.Payload, err)
		}
	}
	return out
}

// waitPushes waits until sub has n notifications and returns them.
func waitPushes(t *testing.T, ps *pushtest.Service, sub *pushtest.Subscription, n int) []push.Payload {
	t.Helper()
	ps.WaitFor(t, pushWait, fmt.Sprintf("%d notifications at %s", n, sub.Endpoint), func([]pushtest.Message) bool {
		return len(ps.Messages(sub)) >= n
	})
	return payloads(t, ps.Messages(sub))
}

func send(t *testing.T, u *testserver.User, room client.RoomID, text string) client.Message {
	t.Helper()
	m, err := u.SendMessage(ctxT(t), room, "", text, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A 1:1 message reaches the other person's browser, decrypted, with the
// room, the sender, the text and the seq; the sender's own browser gets
// nothing for it.
func TestPushDirectMessageReachesThePeer(t *testing.T) {
	srv := testserver.Start(t)
	ps := pushService(t, srv)
	alice, bob := subscribed(t, srv, ps, "alice"), subscribed(t, srv, ps, "bob")
	room, err := alice.OpenDirect(ctxT(t), "bob")
	if err != nil {
		t.Fatal(err)
	}
	m := send(t, alice.User, room.ID, "hello bob")
	got := waitPushes(t, ps, bob.sub, 1)
	if p := got[0]; len(got) != 1 || p.RoomID != room.ID || p.Sender != "User alice" || p.RoomName != "User alice" ||
		p.Text != "hello bob" || p.Seq != m.Seq || p.Count != 1 || p.Unread < 1 {
		t.Fatalf("bob got %+v", got)
	}
	msg := ps.Messages(bob.sub)[0]
	if msg.Topic == "" || msg.Urgency != "high" || msg.TTL <= 0 {
		t.Fatalf("headers: topic %q urgency %q ttl %d", msg.Topic, msg.Urgency, msg.TTL)
	}
	// Bob answers: alice's first notification is his, never her own.
	send(t, bob.User, room.ID, "hi alice")
	if got := waitPushes(t, ps, alice.sub, 1); len(got) != 1 || got[0].Text != "hi alice" {
		t.Fatalf("alice got %+v", got)
	}
}

// In a group, only the members a message mentions are notified.
func TestPushGroupNotifiesMentions(t *testing.T) {
	srv := testserver.Start(t)
	ps := pushService(t, srv)
	alice, bob, carol := subscribed(t, srv, ps, "alice"), subscribed(t, srv, ps, "bob"), subscribed(t, srv, ps, "carol")
	room := newRoom(t, alice.User, "team", bob.User, carol.User)
	send(t, alice.User, room.ID, "morning all")
	send(t, alice.User, room.ID, "@bob have a look")
	got := waitPushes(t, ps, bob.sub, 1)
	if len(got) != 1 || got[0].Text != "@bob have a look" || !got[0].Mention || got[0].RoomName != "team" {
		t.Fatalf("bob got %+v", got)
	}
	send(t, alice.User, room.ID, "@carol you too")
	if got := waitPushes(t, ps, carol.sub, 1); len(got) != 1 || got[0].Text != "@carol you too" {
		t.Fatalf("carol got %+v, want only her mention", got)
	}
	if n := len(ps.Messages(bob.sub)); n != 1 {
		t.Fatalf("bob got %d notifications, want 1", n)
	}
}

// Nobody active (a connection that reported focus) is notified, nor anyone
// who blocked the sender; a connection that closes stops being active.
func TestPushSkipsActiveAndBlocking(t *testing.T) {
	srv := testserver.Start(t)
	ps := pushService(t, srv)
	alice, bob, carol, dave := subscribed(t, srv, ps, "alice"), subscribed(t, srv, ps, "bob"),
		subscribed(t, srv, ps, "carol"), subscribed(t, srv, ps, "dave")
	room, err := alice.OpenDirect(ctxT(t), "bob")
	if err != nil {
		t.Fatal(err)
	}
	conn := bob.Connect(t)
	if err := conn.Focus(ctxT(t), true); err != nil {
		t.Fatal(err)
	}
	send(t, alice.User, room.ID, "while you are here")
	next(t, conn, isMessage(room.ID, "while you are here"))
	sentinel(t, alice.User, dave, ps)
	conn.Close()
	// The close ends the focus before presence hears of it: wait for the
	// room's presence to say bob is gone.
	deadline := time.Now().Add(pushWait)
	for {
		ms, err := alice.Members(ctxT(t), room.ID)
		if err != nil {
			t.Fatal(err)
		}
		online := false
		for _, m := range ms {
			online = online || (m.UserID == bob.ID && m.Online)
		}
		if !online {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("bob still online after his connection closed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	send(t, alice.User, room.ID, "now you are away")
	if got := waitPushes(t, ps, bob.sub, 1); len(got) != 1 || got[0].Text != "now you are away" {
		t.Fatalf("bob got %+v, want only the message sent while he was away", got)
	}

	group := newRoom(t, alice.User, "team", carol.User, dave.User)
	if _, err := carol.Block(ctxT(t), "alice"); err != nil {
		t.Fatal(err)
	}
	send(t, alice.User, group.ID, "@carol hello")
	send(t, dave.User, group.ID, "@carol from dave")
	if got := waitPushes(t, ps, carol.sub, 1); len(got) != 1 || got[0].Text != "@carol from dave" {
		t.Fatalf("carol got %+v, want dave's alone", got)
	}
}

// A burst in one room is one notification with its count and the latest
// message.
func TestPushBurstIsOneNotification(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) { c.Push.CoalesceWindow = 5 * time.Second })
	ps := pushService(t, srv)
	alice, bob := subscribed(t, srv, ps, "alice"), subscribed(t, srv, ps, "bob")
	room, err := alice.OpenDirect(ctxT(t), "bob")
	if err != nil {
		t.Fatal(err)
	}
	var last client.Message
	for i := range 20 {
		last = send(t, alice.User, room.ID, fmt.Sprintf("burst %d", i))
	}
	got := waitPushes(t, ps, bob.sub, 1)
	if len(got) != 1 || got[0].Count != 20 || got[0].Seq != last.Seq || got[0].Text != "burst 19" {
		t.Fatalf("bob got %+v, want one notification for 20 messages", got)
	}
}

// A push service answering 410 ends the subscription.
func TestPushGoneDeletesTheSubscription(t *testing.T) {
	srv := testserver.Start(t)
	ps := pushService(t, srv)
	alice, bob := subscribed(t, srv, ps, "alice"), subscribed(t, srv, ps, "bob")
	ps.Gone(bob.sub, 410)
	room, err := alice.OpenDirect(ctxT(t), "bob")
	if err != nil {
		t.Fatal(err)
	}
	send(t, alice.User, room.ID, "are you there")
	deadline := time.Now().Add(pushWait)
	for len(endpointsOf(t, bob.Client)) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the subscription outlived its 410")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// 5xx answers are retried until one is accepted: one notification arrives.
func TestPushRetriesServerErrors(t *testing.T) {
	srv := testserver.Start(t)
	ps := pushService(t, srv)
	alice, bob := subscribed(t, srv, ps, "alice"), subscribed(t, srv, ps, "bob")
	ps.Fail(bob.sub, 503, 500, 502)
	room, err := alice.OpenDirect(ctxT(t), "bob")
	if err != nil {
		t.Fatal(err)
	}
	send(t, alice.User, room.ID, "third time lucky")
	if got := waitPushes(t, ps, bob.sub, 1); len(got) != 1 || got[0].Text != "third time lucky" || ps.Attempts() != 4 {
		t.Fatalf("bob got %+v after %d attempts, want one after 4", got, ps.Attempts())
	}
}

// A notification queued when the node stops is sent after its restart,
// once.
func TestPushSurvivesARestart(t *testing.T) {
	// A stop in the middle of a pass leaves its claims to lapse: a lease
	// well within pushWait lets the restarted node take them over.
	window := func(c *server.Config) { c.Push.CoalesceWindow, c.Push.Lease = 3*time.Second, 5*time.Second }
	srv := testserver.Start(t, window)
	ps := pushService(t, srv)
	alice, bob := subscribed(t, srv, ps, "alice"), subscribed(t, srv, ps, "bob")
	room, err := alice.OpenDirect(ctxT(t), "bob")
	if err != nil {
		t.Fatal(err)
	}
	send(t, alice.User, room.ID, "before the restart")
	srv.Stop(t)
	if n := len(ps.Messages(bob.sub)); n != 0 {
		t.Skipf("the notification went out before the stop (%d); the machine is too slow for this test's window", n)
	}
	cfg := testserver.Config(srv.Addr, srv.DB)
	window(&cfg)
	testserver.StartConfig(t, cfg)
	if got := waitPushes(t, ps, bob.sub, 1); len(got) != 1 || got[0].Text != "before the restart" {
		t.Fatalf("bob got %+v", got)
	}
}

// Three nodes, one database: each notification is sent by one of them,
// once.
func TestPushClusterSendsEachOnce(t *testing.T) {
	nodes := testserver.StartCluster(t, 3)
	ps := pushService(t, nodes[0])
	bob := subscribed(t, nodes[0], ps, "bob")
	const senders = 6
	for i := range senders {
		u := nodes[i%3].NewUser(t, fmt.Sprintf("sender%d", i))
		room, err := u.OpenDirect(ctxT(t), "bob")
		if err != nil {
			t.Fatal(err)
		}
		send(t, u, room.ID, fmt.Sprintf("from %d", i))
	}
	got := waitPushes(t, ps, bob.sub, senders)
	seen := map[string]bool{}
	for _, p := range got {
		if seen[p.Text] || p.Count != 1 {
			t.Fatalf("notifications %+v: one doubled", got)
		}
		seen[p.Text] = true
	}
	if len(got) != senders {
		t.Fatalf("%d notifications, want %d", len(got), senders)
	}
}

// sentinel sends from to a new 1:1 with to and waits for that
// notification. Outbox entries are worked through in order, before any of
// the pass's deliveries are sent: once it arrives, every message sent
// before it was judged.
func sentinel(t *testing.T, from *testserver.User, to pushUser, ps *pushtest.Service) {
	t.Helper()
	room, err := from.OpenDirect(ctxT(t), to.Username)
	if err != nil {
		t.Fatal(err)
	}
	n := len(ps.Messages(to.sub))
	send(t, from, room.ID, "sentinel")
	waitPushes(t, ps, to.sub, n+1)
}
