package e2e

import (
	"net/url"
	"strings"
	"testing"

	"parley/client"
	"parley/internal/testserver"
)

func TestUserSearch(t *testing.T) {
	srv := testserver.Start(t)
	ctx := ctxT(t)
	me := srv.NewUser(t, "mia")
	alice := srv.NewUser(t, "alice")
	alfie := srv.NewUser(t, "alfie")
	bob := srv.NewUser(t, "bob")
	srv.NewUser(t, "zoe")
	name := "Alba Bobson"
	if _, err := bob.UpdateProfile(ctx, &name, nil); err != nil {
		t.Fatal(err)
	}
	befriend(t, me, alice)
	if _, err := me.RequestFriend(ctx, "alfie"); err != nil {
		t.Fatal(err)
	}

	hits, err := me.SearchUsers(ctx, "AL", 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]client.Relation{}
	var order []string
	for _, h := range hits {
		got[h.Username] = h.Relation
		order = append(order, h.Username)
	}
	if strings.Join(order, ",") != "alfie,alice,bob" {
		t.Errorf("search AL found %v, want alfie, alice and bob (by display name), by username", order)
	}
	if got["alice"] != "friend" || got["alfie"] != "outgoing" || got["bob"] != "none" {
		t.Errorf("relations = %v", got)
	}
	if hits, err := alfie.SearchUsers(ctx, "mi", 0); err != nil || len(hits) != 1 || hits[0].Relation != "incoming" {
		t.Errorf("alfie.s search for mia = %+v, %v", hits, err)
	}
	if hits, err := me.SearchUsers(ctx, "al", 1); err != nil || len(hits) != 1 || hits[0].Username != "alfie" {
		t.Errorf("limit 1 = %+v, %v", hits, err)
	}

	// Whoever blocked you is never found.
	if _, err := alice.Block(ctx, "mia"); err != nil {
		t.Fatal(err)
	}
	if hits, err := me.SearchUsers(ctx, "alice", 0); err != nil || len(hits) != 0 {
		t.Errorf("searching someone who blocked you = %+v, %v", hits, err)
	}

	q := func(v url.Values) string { return "/api/v1/users?" + v.Encode() }
	runREST(t, []restCase{
		{"no q", me, "GET", "/api/v1/users", ``, 400, "invalid"},
		{"blank q", me, "GET", q(url.Values{"q": {"  "}}), ``, 400, "invalid"},
		{"long q", me, "GET", q(url.Values{"q": {strings.Repeat("a", 65)}}), ``, 400, "invalid"},
		{"two-line q", me, "GET", q(url.Values{"q": {"a\nb"}}), ``, 400, "invalid"},
		{"limit 0", me, "GET", q(url.Values{"q": {"a"}, "limit": {"0"}}), ``, 400, "invalid"},
		{"limit 51", me, "GET", q(url.Values{"q": {"a"}, "limit": {"51"}}), ``, 400, "invalid"},
		{"limit x", me, "GET", q(url.Values{"q": {"a"}, "limit": {"x"}}), ``, 400, "invalid"},
		{"limit 50", me, "GET", q(url.Values{"q": {"a"}, "limit": {"50"}}), ``, 0, ""},
		{"no token", &testserver.User{Client: srv.Client()}, "GET", q(url.Values{"q": {"a"}}), ``, 401, "unauthorized"},
	})
}

func testSearchRateLimit(t *testing.T, nodes []*testserver.Server) {
	u := nodes[0].NewUser(t, "searcher")
	// Burst 10, 2 per second: 20 quick searches spread over the nodes
	// cannot all pass, so the limit is one shared bucket, not one per node.
	limited := 0
	for i := range 20 {
		_, err := u.On(nodes[i%len(nodes)]).SearchUsers(ctxT(t), "a", 0)
		if err != nil {
			mustCode(t, err, "rate_limited")
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("20 searches in a burst were all answered")
	}
}

func TestSearchRateLimitOneNode(t *testing.T) { testSearchRateLimit(t, oneNode(t)) }

func TestSearchRateLimitThreeNodes(t *testing.T) { testSearchRateLimit(t, threeNodes(t)) }
