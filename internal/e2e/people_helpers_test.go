package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"parley/client"
	"parley/internal/server"
	"parley/internal/testserver"
)

// The people tests run twice: on one node (three handles to it) and on a
// three-node cluster, where every live event must cross nodes.
func oneNode(t *testing.T, opts ...testserver.Option) []*testserver.Server {
	srv := testserver.Start(t, opts...)
	return []*testserver.Server{srv, srv, srv}
}

func threeNodes(t *testing.T, opts ...testserver.Option) []*testserver.Server {
	return testserver.StartCluster(t, 3, opts...)
}

// smallRooms makes rooms of more than 3 members "big", and their online
// counts quick to come, so tests can have both kinds.
func smallRooms(c *server.Config) {
	c.Limits.PresenceRoomLimit = 3
	c.Limits.RoomPresenceWindow = 200 * time.Millisecond
}

// noneBefore reads c's events until one matches marker, failing on any that
// matches bad first: the way to show that an event never came.
func noneBefore(t testing.TB, c *client.Conn, marker, bad func(client.Event) bool) {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("connection ended: %v", c.Err())
			}
			if bad(ev) {
				t.Fatalf("unexpected %s event: %s", ev.Type, ev.Raw)
			}
			if marker(ev) {
				return
			}
		case <-timeout:
			t.Fatal("timed out waiting for the marker event")
		}
	}
}

// marker makes an event for to's connection c: from opens a room with to.
// It returns the predicate matching it.
func marker(t testing.TB, from, to *testserver.User) func(client.Event) bool {
	t.Helper()
	r := newRoom(t, from, "marker", to)
	return func(ev client.Event) bool { return ev.Type == "room_added" && ev.Room.ID == r.ID }
}

func anyOf(types ...string) func(client.Event) bool {
	return func(ev client.Event) bool {
		for _, typ := range types {
			if ev.Type == typ {
				return true
			}
		}
		return false
	}
}

// call makes a REST request with a raw JSON body through u's validating
// client and returns the status and error code (0, "" on success).
func call(t testing.TB, u *testserver.User, method, path, body string) (int, string) {
	t.Helper()
	var b any
	if body != "" {
		if !json.Valid([]byte(body)) {
			t.Fatalf("call: body %q is not JSON; use raw for malformed bodies", body)
		}
		b = json.RawMessage(body)
	}
	err := u.Do(ctxT(t), method, path, b, nil)
	if err == nil {
		return 0, ""
	}
	e, ok := err.(*client.Error)
	if !ok {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return e.Status, e.Code
}

type restCase struct {
	name         string
	user         *testserver.User
	method, path string
	body         string
	status       int // 0 = success
	code         string
}

func runREST(t *testing.T, cases []restCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, code := call(t, c.user, c.method, c.path, c.body)
			if status != c.status || code != c.code {
				t.Errorf("%s %s %s = %d %q, want %d %q", c.method, c.path, c.body, status, code, c.status, c.code)
			}
		})
	}
}

func befriend(t testing.TB, a, b *testserver.User) {
	t.Helper()
	ctx := ctxT(t)
	if _, err := a.RequestFriend(ctx, b.Username); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AcceptFriend(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
}
