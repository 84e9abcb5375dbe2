package e2e

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"

	"parley/client"
	"parley/internal/pushtest"
	"parley/internal/server"
	"parley/internal/testserver"
)

// The key pair is made once and kept: a restart serves the same key.
func TestPushKeyIsKeptAcrossRestarts(t *testing.T) {
	srv := testserver.Start(t)
	k1, err := srv.Client().PushKey(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := base64.RawURLEncoding.DecodeString(k1); err != nil || len(b) != 65 || b[0] != 4 {
		t.Fatalf("public key %q is not an uncompressed P-256 point in base64url", k1)
	}
	srv.Stop(t)
	k2, err := testserver.StartConfigAt(t, srv).Client().PushKey(ctxT(t))
	if err != nil || k2 != k1 {
		t.Fatalf("after a restart the key is %q (%v), want %q", k2, err, k1)
	}
}

// Every node of a cluster serves the one key in the database.
func TestPushKeyIsTheSameOnEveryNode(t *testing.T) {
	nodes := testserver.StartCluster(t, 3)
	var keys []string
	for _, n := range nodes {
		k, err := n.Client().PushKey(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if len(slices.Compact(slices.Clone(keys))) != 1 {
		t.Fatalf("nodes serve different keys: %v", keys)
	}
}

func endpointsOf(t *testing.T, c *client.Client) map[string]bool {
	t.Helper()
	subs, err := c.PushSubscriptions(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, s := range subs {
		out[s.Endpoint] = s.Current
	}
	return out
}

func login(t *testing.T, srv *testserver.Server, u *testserver.User) *client.Client {
	t.Helper()
	c, _, err := srv.Client().Login(ctxT(t), u.Username, u.Password)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// One subscription per session, replaced by its next, gone when the
// session ends however it ends.
func TestPushSubscriptionsFollowSessions(t *testing.T) {
	srv := testserver.Start(t)
	ps := pushtest.New(t)
	alice := srv.NewUser(t, "alice")
	laptop, phone := alice.Client, login(t, srv, alice)
	a, b, c := ps.Subscribe(t), ps.Subscribe(t), ps.Subscribe(t)

	got, err := laptop.Subscribe(ctxT(t), a.Endpoint, a.P256dh, a.Auth)
	if err != nil || got.Endpoint != a.Endpoint || !got.Current || got.CreatedAt.IsZero() {
		t.Fatalf("subscribe = %+v, %v", got, err)
	}
	if _, err := phone.Subscribe(ctxT(t), b.Endpoint, b.P256dh+"=", b.Auth+"=="); err != nil {
		t.Fatalf("padded base64url refused: %v", err)
	}
	if got := endpointsOf(t, laptop); len(got) != 2 || !got[a.Endpoint] || got[b.Endpoint] {
		t.Fatalf("the laptop lists %v, want a (current) and b", got)
	}
	// The laptop's browser subscribes anew: its old endpoint goes.
	if _, err := laptop.Subscribe(ctxT(t), c.Endpoint, c.P256dh, c.Auth); err != nil {
		t.Fatal(err)
	}
	if got := endpointsOf(t, phone); len(got) != 2 || !got[b.Endpoint] || got[c.Endpoint] {
		t.Fatalf("the phone lists %v, want b (current) and c", got)
	}
	if err := phone.Unsubscribe(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if err := phone.Unsubscribe(ctxT(t)); err != nil {
		t.Fatalf("unsubscribing twice: %v", err)
	}
	if got := endpointsOf(t, laptop); len(got) != 1 || !got[c.Endpoint] {
		t.Fatalf("after the phone unsubscribed: %v", got)
	}

	// Logging out ends the laptop's subscription.
	if err := laptop.Logout(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if got := endpointsOf(t, phone); len(got) != 0 {
		t.Fatalf("after the laptop logged out: %v", got)
	}
	// A session ended from another device takes its subscription along.
	tablet := login(t, srv, alice)
	if _, err := tablet.Subscribe(ctxT(t), a.Endpoint, a.P256dh, a.Auth); err != nil {
		t.Fatal(err)
	}
	if n, err := phone.EndOtherSessions(ctxT(t)); err != nil || n != 1 {
		t.Fatalf("EndOtherSessions = %d, %v", n, err)
	}
	if got := endpointsOf(t, phone); len(got) != 0 {
		t.Fatalf("after the tablet's session ended: %v", got)
	}
	// Another user logging in on a browser takes its endpoint.
	bob := srv.NewUser(t, "bob")
	if _, err := phone.Subscribe(ctxT(t), a.Endpoint, a.P256dh, a.Auth); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Subscribe(ctxT(t), a.Endpoint, a.P256dh, a.Auth); err != nil {
		t.Fatal(err)
	}
	if got, gotB := endpointsOf(t, phone), endpointsOf(t, bob.Client); len(got) != 0 || !gotB[a.Endpoint] {
		t.Fatalf("alice lists %v, bob %v; want the endpoint bob's alone", got, gotB)
	}
}

// A user keeps at most --max-push-subscriptions; the newest stay.
func TestPushSubscriptionsAreBoundedPerUser(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) { c.Push.MaxSubscriptionsPerUser = 2 })
	ps := pushtest.New(t)
	alice := srv.NewUser(t, "alice")
	var last *client.Client
	var subs []*pushtest.Subscription
	for range 4 {
		last = login(t, srv, alice)
		s := ps.Subscribe(t)
		subs = append(subs, s)
		if _, err := last.Subscribe(ctxT(t), s.Endpoint, s.P256dh, s.Auth); err != nil {
			t.Fatal(err)
		}
	}
	if got := endpointsOf(t, last); len(got) != 2 || !got[subs[3].Endpoint] || got[subs[2].Endpoint] {
		t.Fatalf("lists %v, want the newest two", got)
	}
}

func TestPushSubscribeValidation(t *testing.T) {
	srv := testserver.Start(t)
	strict := testserver.Start(t, func(c *server.Config) { c.Push.AllowLoopbackHTTP = false })
	ps := pushtest.New(t)
	s := ps.Subscribe(t)
	b64 := base64.RawURLEncoding.EncodeToString
	offCurve := append([]byte{4}, make([]byte, 64)...)
	cases := []struct {
		name                   string
		strict                 bool
		endpoint, p256dh, auth string
	}{
		{"plain http", false, "http://push.example.com/x", s.P256dh, s.Auth},
		{"not a URL", false, "push.example.com/x", s.P256dh, s.Auth},
		{"other scheme", false, "ftp://push.example.com/x", s.P256dh, s.Auth},
		{"an address", false, "https://10.1.2.3/x", s.P256dh, s.Auth},
		{"an IPv6 address", false, "https://[fd00::1]/x", s.P256dh, s.Auth},
		{"user info", false, "https://me@push.example.com/x", s.P256dh, s.Auth},
		{"fragment", false, "https://push.example.com/x#y", s.P256dh, s.Auth},
		{"too long", false, "https://push.example.com/" + strings.Repeat("x", 2048), s.P256dh, s.Auth},
		{"loopback http without the flag", true, s.Endpoint, s.P256dh, s.Auth},
		{"p256dh missing", false, s.Endpoint, "", s.Auth},
		{"p256dh short", false, s.Endpoint, b64(make([]byte, 33)), s.Auth},
		{"p256dh off the curve", false, s.Endpoint, b64(offCurve), s.Auth},
		{"p256dh not base64url", false, s.Endpoint, "!" + s.P256dh[1:], s.Auth},
		{"auth missing", false, s.Endpoint, s.P256dh, ""},
		{"auth 15 bytes", false, s.Endpoint, s.P256dh, b64(make([]byte, 15))},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			node := srv
			if tc.strict {
				node = strict
			}
			u := node.NewUser(t, fmt.Sprintf("user%d", i))
			_, err := u.Subscribe(ctxT(t), tc.endpoint, tc.p256dh, tc.auth)
			mustCode(t, err, "invalid")
		})
	}
	u := srv.NewUser(t, "valid")
	if _, err := u.Subscribe(ctxT(t), "https://push.example.com/send/abc", s.P256dh, s.Auth); err != nil {
		t.Fatalf("an https endpoint on a host name: %v", err)
	}
}
