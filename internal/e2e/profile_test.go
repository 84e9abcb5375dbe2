package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"parley/client"
	"parley/internal/testserver"
)

// A profile change reaches, live, everyone who shares a room with the user
// or is their friend, and the user's other devices; nobody else.
func testProfileSync(t *testing.T, nodes []*testserver.Server) {
	n0, n1, n2 := nodes[0], nodes[1], nodes[2]
	alice, bob, carol, dave := n0.NewUser(t, "alice"), n0.NewUser(t, "bob"), n0.NewUser(t, "carol"), n0.NewUser(t, "dave")
	room := newRoom(t, alice, "profile", bob)
	befriend(t, alice, carol)
	ctx := ctxT(t)

	bc := bob.On(n1).Connect(t)
	cc := carol.On(n2).Connect(t)
	dc := dave.On(n1).Connect(t)
	laptop := alice.On(n2).Connect(t)

	name, status := "Alice Liddell", "down the rabbit hole"
	u, err := alice.UpdateProfile(ctx, &name, &status)
	if err != nil {
		t.Fatal(err)
	}
	if u.DisplayName != name || u.StatusMessage != status || u.Username != "alice" {
		t.Fatalf("UpdateProfile = %+v", u)
	}
	isAlice := func(ev client.Event) bool {
		return ev.Type == "profile_updated" && ev.Profile.ID == alice.ID &&
			ev.Profile.DisplayName == name && ev.Profile.StatusMessage == status
	}
	next(t, bc, isAlice) // a co-member of the room
	next(t, cc, isAlice) // a friend
	next(t, laptop, isAlice)
	noneBefore(t, dc, marker(t, bob, dave), anyOf("profile_updated"))

	// Every view of alice carries the new profile.
	for what, got := range map[string]func() (client.User, error){
		"me":    func() (client.User, error) { return alice.Me(ctx) },
		"user":  func() (client.User, error) { return bob.Client.User(ctx, "alice") },
		"ready": func() (client.User, error) { return next(t, alice.Connect(t), isType("ready")).Ready.User, nil },
	} {
		g, err := got()
		if err != nil {
			t.Fatal(err)
		}
		if g.DisplayName != name || g.StatusMessage != status {
			t.Errorf("%s shows %+v", what, g)
		}
	}
	ms, err := bob.Members(ctx, room.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.UserID == alice.ID && (m.DisplayName != name || m.StatusMessage != status) {
			t.Errorf("member list shows %+v", m)
		}
	}
	hits, err := bob.SearchUsers(ctx, "alice l", 10)
	if err != nil || len(hits) != 1 || hits[0].StatusMessage != status {
		t.Errorf("search = %+v, %v", hits, err)
	}
	fs, err := carol.Friends(ctx)
	if err != nil || len(fs) != 1 || fs[0].StatusMessage != status {
		t.Errorf("carol's friends = %+v, %v", fs, err)
	}
	direct, err := bob.OpenDirect(ctx, "alice")
	if err != nil || direct.Peer == nil || direct.Peer.StatusMessage != status {
		t.Errorf("direct room peer = %+v, %v", direct.Peer, err)
	}

	// Clearing the status leaves the name.
	empty := ""
	if u, err = alice.UpdateProfile(ctx, nil, &empty); err != nil || u.StatusMessage != "" || u.DisplayName != name {
		t.Fatalf("clearing the status = %+v, %v", u, err)
	}
	next(t, bc, func(ev client.Event) bool {
		return ev.Type == "profile_updated" && ev.Profile.ID == alice.ID && ev.Profile.StatusMessage == ""
	})
}

func TestProfileSyncOneNode(t *testing.T) { testProfileSync(t, oneNode(t)) }

func TestProfileSyncThreeNodes(t *testing.T) { testProfileSync(t, threeNodes(t)) }

func TestBadProfileInput(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.NewUser(t, "alice")
	const me = "/api/v1/me"
	cases := []restCase{
		{"nothing to change", alice, "PATCH", me, `{}`, 400, "invalid"},
		{"both null", alice, "PATCH", me, `{"display_name":null,"status_message":null}`, 400, "invalid"},
		{"empty name", alice, "PATCH", me, `{"display_name":""}`, 400, "invalid"},
		{"blank name", alice, "PATCH", me, `{"display_name":"   "}`, 400, "invalid"},
		{"long name", alice, "PATCH", me, `{"display_name":"` + strings.Repeat("n", 65) + `"}`, 400, "invalid"},
		{"two-line name", alice, "PATCH", me, `{"display_name":"a\nb"}`, 400, "invalid"},
		{"name wrong type", alice, "PATCH", me, `{"display_name":5}`, 400, "invalid"},
		{"long status", alice, "PATCH", me, `{"status_message":"` + strings.Repeat("é", 141) + `"}`, 400, "invalid"},
		{"two-line status", alice, "PATCH", me, `{"status_message":"a\r\nb"}`, 400, "invalid"},
		{"control character", alice, "PATCH", me, `{"status_message":"a\u0007"}`, 400, "invalid"},
		{"not an object", alice, "PATCH", me, `["status_message"]`, 400, "invalid"},
		{"longest status", alice, "PATCH", me, `{"status_message":"` + strings.Repeat("é", 140) + `"}`, 0, ""},
		{"longest name, trimmed", alice, "PATCH", me, `{"display_name":"  ` + strings.Repeat("n", 64) + `  "}`, 0, ""},
		{"clear status", alice, "PATCH", me, `{"status_message":""}`, 0, ""},
		{"no token", &testserver.User{Client: srv.Client()}, "PATCH", me, `{"status_message":"x"}`, 401, "unauthorized"},
	}
	runREST(t, cases)
	if status, code := raw(t, srv, alice.Token(), "PATCH", me, `{"status_message":`); status != 400 || code != "invalid" {
		t.Errorf("malformed body = %d %q", status, code)
	}
	u, err := alice.Me(ctxT(t))
	if err != nil || u.DisplayName != strings.Repeat("n", 64) || u.StatusMessage != "" {
		t.Errorf("after the table: %+v, %v", u, err)
	}
}

// A display name given at signup follows exactly the rule of PATCH /me: each
// name is accepted by both, stored the same, or refused by both.
func TestDisplayNameIsOneRule(t *testing.T) {
	srv := testserver.Start(t)
	cases := []struct {
		name, in string
		want     string // stored; "" = refused with 400 invalid
	}{
		{"plain", "Alice Liddell", "Alice Liddell"},
		{"trimmed", "  Alice  ", "Alice"},
		{"64 characters", strings.Repeat("é", 64), strings.Repeat("é", 64)},
		{"65 characters", strings.Repeat("é", 65), ""},
		{"newline", "a\nb", ""},
		{"carriage return", "a\rb", ""},
		{"tab", "a\tb", ""},
		{"line separator", "a\u2028b", ""},
		{"paragraph separator", "a\u2029b", ""},
		{"next line (C1 control)", "a\u0085b", ""},
		{"vertical tab", "a\vb", ""},
		{"bell", "a\ab", ""},
		{"emoji and combining marks", "Zoë 👩‍💻", "Zoë 👩‍💻"},
		{"bidi override is removed", "a\u202eb", "ab"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, err := srv.Client().Signup(ctxT(t), fmt.Sprintf("signup%d", i), "password", c.in)
			// A user of its own per case: profile changes are rate limited.
			p, perr := srv.NewUser(t, fmt.Sprintf("patch%d", i)).UpdateProfile(ctxT(t), &c.in, nil)
			if c.want == "" {
				mustCode(t, err, "invalid")
				mustCode(t, perr, "invalid")
				return
			}
			if err != nil || perr != nil {
				t.Fatalf("signup: %v; PATCH /me: %v", err, perr)
			}
			if u.DisplayName != c.want || p.DisplayName != c.want {
				t.Fatalf("signup stored %q, PATCH /me %q, want %q", u.DisplayName, p.DisplayName, c.want)
			}
		})
	}
	// Only at signup may it be left out: blank there means the username.
	for _, blank := range []string{"", "   "} {
		u, err := srv.Client().Signup(ctxT(t), "blank"+strconv.Itoa(len(blank)), "password-x", blank)
		if err != nil || u.DisplayName != u.Username {
			t.Fatalf("signup with display name %q: %+v, %v", blank, u, err)
		}
	}
}

// Profile changes are rate limited per user.
func TestProfileRateLimit(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.NewUser(t, "alice")
	limited := false
	for i := 0; i < 40 && !limited; i++ {
		s := strings.Repeat("x", i%5)
		_, err := alice.UpdateProfile(ctxT(t), nil, &s)
		if err != nil {
			mustCode(t, err, "rate_limited")
			limited = true
		}
	}
	if !limited {
		t.Fatal("40 profile changes in a row were all accepted")
	}
}
