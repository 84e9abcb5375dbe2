package e2e

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"parley/client"
	"parley/internal/chat"
	"parley/internal/push"
	"parley/internal/pushtest"
	"parley/internal/server"
	"parley/internal/testserver"
)

// waitPush waits until sub has a notification matching pred.
func waitPush(t *testing.T, ps *pushtest.Service, sub *pushtest.Subscription, what string, pred func(push.Payload) bool) push.Payload {
	t.Helper()
	var got push.Payload
	ps.WaitFor(t, pushWait, what, func([]pushtest.Message) bool {
		for _, p := range payloads(t, ps.Messages(sub)) {
			if pred(p) {
				got = p
				return true
			}
		}
		return false
	})
	return got
}

func withText(text string) func(push.Payload) bool {
	return func(p push.Payload) bool { return p.Text == text }
}

// texts lists the texts of sub's notifications.
func texts(t *testing.T, ps *pushtest.Service, sub *pushtest.Subscription) []string {
	t.Helper()
	var out []string
	for _, p := range payloads(t, ps.Messages(sub)) {
		out = append(out, p.Text)
	}
	return out
}

// window is a do-not-disturb window of an hour in zone, starting from
// `from` after now's local time there.
func window(zone string, from time.Duration) client.NotifySettingsPatch {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		panic(err)
	}
	now := time.Now().In(loc)
	start, end := now.Add(from).Format("15:04"), now.Add(from+time.Hour).Format("15:04")
	on := true
	return client.NotifySettingsPatch{DND: &client.DNDPatch{Enabled: &on, Start: &start, End: &end, TimeZone: &zone}}
}

// Levels, do-not-disturb, previews and the badge, with the users spread
// over nodes (one node: all on it).
func pushSettingsScenario(t *testing.T, nodes []*testserver.Server) {
	on := func(i int) *testserver.Server { return nodes[i%len(nodes)] }
	ps := pushService(t, nodes[0])
	alice, bob, carol, dave := subscribed(t, on(0), ps, "alice"), subscribed(t, on(1), ps, "bob"),
		subscribed(t, on(2), ps, "carol"), subscribed(t, on(1), ps, "dave")
	erin := subscribed(t, on(2), ps, "erin") // the sentinel's recipient
	room := newRoom(t, alice.User, "team", bob.User, carol.User, dave.User)
	for _, c := range []struct {
		u     pushUser
		level client.NotifyLevel
	}{{bob, chat.NotifyAll}, {dave, chat.NotifyOff}} {
		if got, err := c.u.SetNotifyLevel(ctxT(t), room.ID, c.level); err != nil || got.Level != c.level || got.RoomID != room.ID {
			t.Fatalf("SetNotifyLevel(%s) = %+v, %v", c.level, got, err)
		}
	}
	rooms, err := carol.Rooms(ctxT(t))
	if err != nil || len(rooms) != 1 || rooms[0].NotifyLevel != chat.NotifyMentions {
		t.Fatalf("carol's rooms %+v, %v: want the group at its default, mentions", rooms, err)
	}

	// Bob (all) hears everything, carol (mentions) her mention, dave (off)
	// nothing, mentioned or not.
	send(t, alice.User, room.ID, "morning all")
	sentinel(t, alice.User, erin, ps)
	send(t, alice.User, room.ID, "@carol @dave look")
	waitPush(t, ps, carol.sub, "carol's mention", withText("@carol @dave look"))
	last := waitPush(t, ps, bob.sub, "bob's second", withText("@carol @dave look"))
	sentinel(t, alice.User, erin, ps)
	if got := texts(t, ps, carol.sub); len(got) != 1 {
		t.Fatalf("carol got %q, want her mention alone", got)
	}
	if got := texts(t, ps, dave.sub); len(got) != 0 {
		t.Fatalf("dave (off) got %q", got)
	}
	// The badge is bob's unread over all rooms: nothing moved since.
	bobRooms, err := bob.Rooms(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	var unread int64
	for _, r := range bobRooms {
		unread += r.Unread
	}
	if last.Badge != unread || unread < 2 {
		t.Fatalf("badge %d, bob's unread over his rooms %d", last.Badge, unread)
	}

	// Do-not-disturb: inside the window (in a zone far from UTC) nothing,
	// outside it again; previews off: no text.
	if _, err := bob.UpdateNotifySettings(ctxT(t), window("Pacific/Kiritimati", -30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	n := len(ps.Messages(bob.sub))
	send(t, alice.User, room.ID, "during the night")
	sentinel(t, alice.User, erin, ps)
	if got := len(ps.Messages(bob.sub)); got != n {
		t.Fatalf("bob got %q inside his do-not-disturb window", texts(t, ps, bob.sub)[n:])
	}
	off := false
	patch := window("America/St_Johns", 2*time.Hour)
	patch.Previews = &off
	got, err := bob.UpdateNotifySettings(ctxT(t), patch)
	if err != nil || got.Previews || !got.DND.Enabled || got.DND.TimeZone != "America/St_Johns" {
		t.Fatalf("settings %+v, %v", got, err)
	}
	m := send(t, alice.User, room.ID, "secret plans")
	p := waitPush(t, ps, bob.sub, "the message after the window moved", func(p push.Payload) bool { return p.Seq == m.Seq })
	if p.Text != "" || p.Sender == "" || p.RoomID != room.ID {
		t.Fatalf("with previews off bob got %+v, want no text", p)
	}
}

func TestPushSettings(t *testing.T) {
	pushSettingsScenario(t, []*testserver.Server{testserver.Start(t)})
}

func TestPushSettingsCluster(t *testing.T) {
	pushSettingsScenario(t, testserver.StartCluster(t, 3))
}

// Focus on a connection of one node suppresses what another node expands,
// until the connection says it lost focus; a report lapses after FocusTTL.
func TestPushFocusClusterWide(t *testing.T) {
	// Long enough that a busy machine expands a message within it, short
	// enough to wait out once.
	const ttl = 10 * time.Second
	nodes := testserver.StartCluster(t, 3, func(c *server.Config) { c.Limits.FocusTTL = ttl })
	ps := pushService(t, nodes[0])
	alice, bob, erin := subscribed(t, nodes[0], ps, "alice"), subscribed(t, nodes[1], ps, "bob"), subscribed(t, nodes[2], ps, "erin")
	room, err := alice.OpenDirect(ctxT(t), "bob")
	if err != nil {
		t.Fatal(err)
	}
	conn := bob.Connect(t)
	// A client reporting a thousand times costs nothing more (the frame
	// rate refuses most; the rest are coalesced) and stays active.
	for range 20 {
		if err := conn.Focus(ctxT(t), true); err != nil {
			t.Fatal(err)
		}
	}
	send(t, alice.User, room.ID, "you are looking")
	sentinel(t, alice.User, erin, ps)
	if got := texts(t, ps, bob.sub); len(got) != 0 {
		t.Fatalf("focused bob got %q", got)
	}
	if err := conn.Focus(ctxT(t), false); err != nil {
		t.Fatal(err)
	}
	send(t, alice.User, room.ID, "you looked away")
	waitPush(t, ps, bob.sub, "the message after focus was lost", withText("you looked away"))

	// A report not renewed lapses: a message sent after the TTL notifies.
	if err := conn.Focus(ctxT(t), true); err != nil {
		t.Fatal(err)
	}
	time.Sleep(ttl) // the lapse is the behaviour under test: nothing to wait for but time
	send(t, alice.User, room.ID, "still there?")
	waitPush(t, ps, bob.sub, "the message after the report lapsed", withText("still there?"))

	// The REST form (long-poll clients) suppresses too, and ends with false.
	if err := bob.Focus(ctxT(t), true); err != nil {
		t.Fatal(err)
	}
	send(t, alice.User, room.ID, "polling?")
	sentinel(t, alice.User, erin, ps)
	if got := texts(t, ps, bob.sub); len(got) != 2 {
		t.Fatalf("bob got %q, want nothing while his poll client has focus", got)
	}
	if err := bob.Focus(ctxT(t), false); err != nil {
		t.Fatal(err)
	}
	send(t, alice.User, room.ID, "poll away")
	waitPush(t, ps, bob.sub, "the message after the REST focus ended", withText("poll away"))
}

// Level and settings changes reach the user's connection on another node.
func TestNotifySettingsAreLiveOnEveryNode(t *testing.T) {
	nodes := testserver.StartCluster(t, 3)
	alice := nodes[0].NewUser(t, "alice")
	bob := nodes[0].NewUser(t, "bob")
	room := newRoom(t, alice, "team", bob)
	other := login(t, nodes[2], bob)
	conn := bob.Connect(t)
	if _, err := other.SetNotifyLevel(ctxT(t), room.ID, chat.NotifyOff); err != nil {
		t.Fatal(err)
	}
	ev := next(t, conn, isType("notify_level"))
	if ev.NotifyLevel.RoomID != room.ID || ev.NotifyLevel.Level != chat.NotifyOff {
		t.Fatalf("notify_level %+v", ev.NotifyLevel)
	}
	off := false
	zone := "Asia/Kolkata"
	if _, err := other.UpdateNotifySettings(ctxT(t), client.NotifySettingsPatch{Previews: &off, DND: &client.DNDPatch{TimeZone: &zone}}); err != nil {
		t.Fatal(err)
	}
	ev = next(t, conn, isType("notify_settings"))
	want := chat.DefaultNotifySettings()
	want.Previews, want.DND.TimeZone = false, zone
	if *ev.NotifySettings != want {
		t.Fatalf("notify_settings %+v, want %+v", *ev.NotifySettings, want)
	}
	if got, err := bob.NotifySettings(ctxT(t)); err != nil || got != want {
		t.Fatalf("GET settings = %+v, %v", got, err)
	}
	rooms, err := bob.Rooms(ctxT(t))
	if err != nil || len(rooms) != 1 || rooms[0].NotifyLevel != chat.NotifyOff {
		t.Fatalf("rooms %+v, %v", rooms, err)
	}
}

// Bad settings, levels and focus reports are 400 invalid (404 for a room
// the caller is not in); unknown fields are ignored as everywhere.
func TestNotifySettingsValidation(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "team")
	levels := "/api/v1/rooms/" + string(room.ID) + "/notifications"
	for _, c := range []struct {
		name, method, path, body string
		as                       *testserver.User
		status                   int
		code                     string
	}{
		{"level all", "PUT", levels, `{"level":"all"}`, alice, 200, ""},
		{"level unknown", "PUT", levels, `{"level":"loud"}`, alice, 400, "invalid"},
		{"level missing", "PUT", levels, `{}`, alice, 400, "invalid"},
		{"level not a string", "PUT", levels, `{"level":1}`, alice, 400, "invalid"},
		{"level, not a member", "PUT", levels, `{"level":"off"}`, bob, 404, "not_found"},
		{"level, no such room", "PUT", "/api/v1/rooms/nope/notifications", `{"level":"off"}`, alice, 404, "not_found"},
		{"settings, unknown field", "PATCH", "/api/v1/me/notifications", `{"previews":true,"sound":"ding"}`, alice, 200, ""},
		{"settings, empty", "PATCH", "/api/v1/me/notifications", `{}`, alice, 200, ""},
		{"bad time zone", "PATCH", "/api/v1/me/notifications", `{"dnd":{"time_zone":"Europe/Atlantis"}}`, alice, 400, "invalid"},
		{"Local", "PATCH", "/api/v1/me/notifications", `{"dnd":{"time_zone":"Local"}}`, alice, 400, "invalid"},
		{"bad start", "PATCH", "/api/v1/me/notifications", `{"dnd":{"start":"25:00"}}`, alice, 400, "invalid"},
		{"bad end", "PATCH", "/api/v1/me/notifications", `{"dnd":{"end":"7:00"}}`, alice, 400, "invalid"},
		{"start == end", "PATCH", "/api/v1/me/notifications", `{"dnd":{"start":"07:00"}}`, alice, 400, "invalid"},
		{"previews not a boolean", "PATCH", "/api/v1/me/notifications", `{"previews":"no"}`, alice, 400, "invalid"},
		{"dnd not an object", "PATCH", "/api/v1/me/notifications", `{"dnd":true}`, alice, 400, "invalid"},
		{"focus", "POST", "/api/v1/me/focus", `{"focused":true}`, alice, 204, ""},
		{"focus missing", "POST", "/api/v1/me/focus", `{}`, alice, 400, "invalid"},
		{"focus not a boolean", "POST", "/api/v1/me/focus", `{"focused":"yes"}`, alice, 400, "invalid"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, e := rawVia(t, http.DefaultClient, srv, c.as.Token(), c.method, c.path, c.body)
			if status != c.status || e.Code != c.code {
				t.Fatalf("%s %s %s: %d %q, want %d %q", c.method, c.path, c.body, status, e.Code, c.status, c.code)
			}
		})
	}
	// Nothing refused was stored.
	if got, err := alice.NotifySettings(ctxT(t)); err != nil || got != chat.DefaultNotifySettings() {
		t.Fatalf("settings after the refusals: %+v, %v", got, err)
	}
}

// Level and settings changes share one budget per user: 1/s, burst 10.
func TestNotifySettingsAreRateLimited(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.NewUser(t, "alice")
	on := true
	for i := range 100 {
		_, err := alice.UpdateNotifySettings(ctxT(t), client.NotifySettingsPatch{Previews: &on})
		var ce *client.Error
		if errors.As(err, &ce) && ce.Status == http.StatusTooManyRequests {
			if i < 10 {
				t.Fatalf("refused after %d changes, want the burst of 10 to pass", i)
			}
			return
		} else if err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("100 changes in a row passed")
}
