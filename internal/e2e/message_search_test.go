package e2e

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"parley/client"
	"parley/internal/server"
	"parley/internal/testserver"
)

// manySearches lifts the per-user search limit for tests that search a lot;
// the limit has its own test.
func manySearches(c *server.Config) {
	c.Limits.MessageSearchesPerSecond, c.Limits.MessageSearchBurst = 10000, 10000
}

func search(t *testing.T, u *testserver.User, s client.MessageSearch) client.MessageResults {
	t.Helper()
	r, err := u.SearchMessages(ctxT(t), s)
	if err != nil {
		t.Fatalf("search %q: %v", s.Text, err)
	}
	return r
}

// hitTexts names hits by their text, unique in these tests.
func hitTexts(r client.MessageResults) []string {
	out := []string{}
	for _, h := range r.Hits {
		out = append(out, h.Text)
	}
	return out
}

func TestMessageSearch(t *testing.T) {
	srv := testserver.Start(t, manySearches)
	ctx := ctxT(t)
	alice, bob, carol, dave := srv.NewUser(t, "alice"), srv.NewUser(t, "bob"), srv.NewUser(t, "carol"), srv.NewUser(t, "dave")
	team := newRoom(t, alice, "team", bob, carol)
	private := newRoom(t, dave, "dave's")
	send := func(u *testserver.User, r client.RoomSummary, text string) client.Message {
		t.Helper()
		m, err := u.SendMessage(ctx, r.ID, "", text, 0)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	send(alice, team, "내일 회의록 공유할게요")
	send(bob, team, "The Quarterly REPORT is ready 🎉")
	send(alice, team, "会議の議事録")
	send(dave, private, "회의록 of dave's room")

	r := search(t, bob, client.MessageSearch{Text: "회의록"})
	if got := hitTexts(r); !slices.Equal(got, []string{"내일 회의록 공유할게요"}) {
		t.Fatalf("bob finds %q", got)
	}
	h := r.Hits[0]
	if h.RoomID != team.ID || h.Seq != 2 || h.SenderID != alice.ID || h.CreatedAt.IsZero() || r.Next != "" {
		t.Errorf("hit = %+v, next %q", h, r.Next)
	}
	if h.Snippet.Text != "내일 회의록 공유할게요" || len(h.Snippet.Highlights) != 1 || h.Snippet.Highlights[0] != (client.Highlight{Start: 3, End: 6}) {
		t.Errorf("snippet = %+v, want the highlight at code points 3–6", h.Snippet)
	}
	for _, c := range []struct{ q, want string }{
		{"quarterly report", "The Quarterly REPORT is ready 🎉"},
		{"🎉", "The Quarterly REPORT is ready 🎉"},
		{"議事", "会議の議事録"},
		{"회", "내일 회의록 공유할게요"},
	} {
		if got := hitTexts(search(t, carol, client.MessageSearch{Text: c.q})); !slices.Equal(got, []string{c.want}) {
			t.Errorf("carol searches %q: %q, want %q", c.q, got, c.want)
		}
	}
	if got := hitTexts(search(t, dave, client.MessageSearch{Text: "회의록"})); !slices.Equal(got, []string{"회의록 of dave's room"}) {
		t.Errorf("dave finds %q, only his own room's", got)
	}
	if _, err := dave.SearchMessages(ctx, client.MessageSearch{Text: "회의록", Room: team.ID}); err == nil {
		t.Error("dave searched a room he is not in")
	} else {
		mustCode(t, err, "not_found")
	}

	// Filters.
	if got := hitTexts(search(t, bob, client.MessageSearch{Text: "e", From: bob.ID})); !slices.Equal(got, []string{"The Quarterly REPORT is ready 🎉"}) {
		t.Errorf("from bob: %q", got)
	}
	if got := hitTexts(search(t, bob, client.MessageSearch{Text: "회의록", After: time.Now().Add(time.Hour)})); len(got) != 0 {
		t.Errorf("after an hour from now: %q", got)
	}
	att, err := alice.Upload(ctx, "Budget-2026.xlsx", strings.NewReader("numbers"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Send(ctx, client.SendRequest{RoomID: team.ID, Attachments: []string{att.ID}}); err != nil {
		t.Fatal(err)
	}
	r = search(t, bob, client.MessageSearch{Text: "budget", HasAttachment: true})
	if len(r.Hits) != 1 || r.Hits[0].Snippet.Text != "Budget-2026.xlsx" || r.Hits[0].Snippet.Highlights[0] != (client.Highlight{Start: 0, End: 6}) {
		t.Errorf("by file name: %+v", r.Hits)
	}

	// Edits re-index, deletes remove.
	if _, err := alice.EditMessage(ctx, team.ID, 2, "모레 회의록 공유할게요"); err != nil {
		t.Fatal(err)
	}
	if got := hitTexts(search(t, bob, client.MessageSearch{Text: "모레"})); !slices.Equal(got, []string{"모레 회의록 공유할게요"}) {
		t.Errorf("after the edit: %q", got)
	}
	if _, err := alice.DeleteMessage(ctx, team.ID, 2); err != nil {
		t.Fatal(err)
	}
	if got := hitTexts(search(t, bob, client.MessageSearch{Text: "회의록"})); len(got) != 0 {
		t.Errorf("after the delete: %q", got)
	}

	// Leaving or being removed ends finding the room's messages.
	if err := bob.Leave(ctx, team.ID); err != nil {
		t.Fatal(err)
	}
	if err := alice.RemoveMember(ctx, team.ID, carol.ID); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*testserver.User{bob, carol} {
		if got := hitTexts(search(t, u, client.MessageSearch{Text: "quarterly"})); len(got) != 0 {
			t.Errorf("%s after leaving finds %q", u.Username, got)
		}
	}

	q := func(v url.Values) string { return "/api/v1/search?" + v.Encode() }
	runREST(t, []restCase{
		{"no q", alice, "GET", "/api/v1/search", ``, 400, "invalid"},
		{"blank q", alice, "GET", q(url.Values{"q": {" "}}), ``, 400, "invalid"},
		{"long q", alice, "GET", q(url.Values{"q": {strings.Repeat("가", 101)}}), ``, 400, "invalid"},
		{"two-line q", alice, "GET", q(url.Values{"q": {"a\nb"}}), ``, 400, "invalid"},
		{"limit 0", alice, "GET", q(url.Values{"q": {"a"}, "limit": {"0"}}), ``, 400, "invalid"},
		{"limit 51", alice, "GET", q(url.Values{"q": {"a"}, "limit": {"51"}}), ``, 400, "invalid"},
		{"bad cursor", alice, "GET", q(url.Values{"q": {"a"}, "cursor": {"x"}}), ``, 400, "invalid"},
		{"bad after", alice, "GET", q(url.Values{"q": {"a"}, "after": {"yesterday"}}), ``, 400, "invalid"},
		{"bad has", alice, "GET", q(url.Values{"q": {"a"}, "has": {"link"}}), ``, 400, "invalid"},
		{"after past before", alice, "GET", q(url.Values{"q": {"a"}, "after": {"2025-02-02"}, "before": {"2025-02-01"}}), ``, 400, "invalid"},
		{"unknown room", alice, "GET", q(url.Values{"q": {"a"}, "room": {"nope"}}), ``, 404, "not_found"},
		{"dates", alice, "GET", q(url.Values{"q": {"a"}, "after": {"2025-02-01"}, "before": {"2025-02-02T00:00:00Z"}}), ``, 0, ""},
		{"no token", &testserver.User{Client: srv.Client()}, "GET", q(url.Values{"q": {"a"}}), ``, 401, "unauthorized"},
	})
}

func TestMessageSearchPaging(t *testing.T) {
	srv := testserver.Start(t, manySearches)
	ctx := ctxT(t)
	alice := srv.NewUser(t, "alice")
	rooms := []client.RoomSummary{newRoom(t, alice, "one"), newRoom(t, alice, "two")}
	var want []string
	for i := range 23 {
		text := fmt.Sprintf("note %02d", i)
		if _, err := alice.SendMessage(ctx, rooms[i%2].ID, "", text, 0); err != nil {
			t.Fatal(err)
		}
		want = append([]string{text}, want...)
	}
	for _, text := range []string{"note", "no"} {
		var got []string
		s := client.MessageSearch{Text: text, Limit: 10}
		for range 5 {
			r := search(t, alice, s)
			got = append(got, hitTexts(r)...)
			if r.Next == "" {
				break
			}
			// A message arriving between pages does not shift the pages.
			if _, err := alice.SendMessage(ctx, rooms[0].ID, "", "arrived late", 0); err != nil {
				t.Fatal(err)
			}
			s.Cursor = r.Next
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q paged: %q\nwant %q", text, got, want)
		}
	}
}

func testMessageSearchRateLimit(t *testing.T, nodes []*testserver.Server) {
	u := nodes[0].NewUser(t, "searcher")
	limited := 0
	for i := range 20 {
		_, err := u.On(nodes[i%len(nodes)]).SearchMessages(ctxT(t), client.MessageSearch{Text: "hello"})
		if err != nil {
			mustCode(t, err, "rate_limited")
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("20 message searches in a burst were all answered")
	}
}

func TestMessageSearchRateLimitOneNode(t *testing.T) { testMessageSearchRateLimit(t, oneNode(t)) }

func TestMessageSearchRateLimitThreeNodes(t *testing.T) {
	testMessageSearchRateLimit(t, threeNodes(t))
}

func TestHistoryAround(t *testing.T) {
	srv := testserver.Start(t)
	ctx := ctxT(t)
	alice := srv.NewUser(t, "alice")
	room := newRoom(t, alice, "long") // seq 1 is the room's creation
	for i := 2; i <= 100; i++ {
		if _, err := alice.SendMessage(ctx, room.ID, "", fmt.Sprintf("m%d", i), 0); err != nil {
			t.Fatal(err)
		}
	}
	seqs := func(p client.Page) []int64 {
		t.Helper()
		msgs, err := alice.History(ctx, room.ID, p)
		if err != nil {
			t.Fatalf("around %d: %v", p.Around, err)
		}
		out := []int64{}
		for _, m := range msgs {
			out = append(out, m.Seq)
		}
		return out
	}
	for _, c := range []struct {
		p    client.Page
		want []int64
	}{
		{client.Page{Around: 42, Limit: 5, Asc: true}, []int64{40, 41, 42, 43, 44}},
		{client.Page{Around: 42, Limit: 4, Asc: true}, []int64{41, 42, 43, 44}},
		{client.Page{Around: 42, Limit: 5}, []int64{44, 43, 42, 41, 40}},
		{client.Page{Around: 2, Limit: 5, Asc: true}, []int64{1, 2, 3, 4, 5}},
		{client.Page{Around: 100, Limit: 5, Asc: true}, []int64{96, 97, 98, 99, 100}},
		{client.Page{Around: 99, Limit: 5, Asc: true}, []int64{96, 97, 98, 99, 100}},
		{client.Page{Around: 500, Limit: 3, Asc: true}, []int64{98, 99, 100}},
		{client.Page{Around: 50, Limit: 1}, []int64{50}},
	} {
		if got := seqs(c.p); !slices.Equal(got, c.want) {
			t.Errorf("around %d limit %d asc %v: %v, want %v", c.p.Around, c.p.Limit, c.p.Asc, got, c.want)
		}
	}
	msgs, err := alice.History(ctx, room.ID, client.Page{Around: 42, Limit: 3})
	if err != nil || len(msgs) != 3 || msgs[1].Unread == nil || msgs[1].Text != "m42" {
		t.Errorf("around page = %+v, %v; want messages with unread counts", msgs, err)
	}
	path := "/api/v1/rooms/" + string(room.ID) + "/messages?"
	runREST(t, []restCase{
		{"around 0", alice, "GET", path + "around=0", ``, 400, "invalid"},
		{"around -1", alice, "GET", path + "around=-1", ``, 400, "invalid"},
		{"around x", alice, "GET", path + "around=x", ``, 400, "invalid"},
		{"around and before", alice, "GET", path + "around=5&before=9", ``, 400, "invalid"},
		{"around and after", alice, "GET", path + "around=5&after=2", ``, 400, "invalid"},
	})
}
