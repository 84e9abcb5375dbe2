package storetest

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"parley/internal/chat"
)

// searchCases are the message search cases (chat.MessageSearchStore).
var searchCases = []struct {
	name string
	fn   func(t *testing.T, f *fixture)
}{
	{"SearchScripts", testSearchScripts},
	{"SearchShortQueries", testSearchShortQueries},
	{"SearchFilters", testSearchFilters},
	{"SearchVisibility", testSearchVisibility},
	{"SearchEditAndDelete", testSearchEditAndDelete},
	{"SearchPaging", testSearchPaging},
	{"SearchBacklogOfANewStore", testSearchBacklogOfANewStore},
}

// RunSearch runs the search cases alone, for a store opened in a way that
// takes another path through them.
func RunSearch(t *testing.T, open func(t *testing.T) chat.Store) {
	for _, c := range searchCases {
		t.Run(c.name, func(t *testing.T) {
			c.fn(t, &fixture{t: t, s: open(t), ctx: t.Context(), now: base})
		})
	}
}

// find runs q (Below and Limit defaulted) and returns the seqs found, in order.
func (f *fixture) find(q chat.MessageQuery) []int64 {
	f.t.Helper()
	docs := f.findDocs(q)
	seqs := make([]int64, len(docs))
	for i, d := range docs {
		seqs[i] = d.Seq
	}
	return seqs
}

func (f *fixture) findDocs(q chat.MessageQuery) []chat.MessageDoc {
	f.t.Helper()
	if q.Below == 0 {
		q.Below = math.MaxInt64
	}
	if q.Limit == 0 {
		q.Limit = 100
	}
	docs, err := f.s.SearchMessages(f.ctx, q)
	if err != nil {
		f.t.Fatalf("SearchMessages(%q): %v", q.Text, err)
	}
	for i := 1; i < len(docs); i++ {
		if docs[i].Doc >= docs[i-1].Doc {
			f.t.Fatalf("SearchMessages(%q): docs not newest first: %v", q.Text, docs)
		}
	}
	return docs
}

func checkFound(t *testing.T, what string, got []int64, want ...int64) {
	t.Helper()
	if want == nil {
		want = []int64{}
	}
	if got == nil {
		got = []int64{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: found seqs %v, want %v", what, got, want)
	}
}

func testSearchScripts(t *testing.T, f *fixture) {
	alice := f.user("alice")
	r := f.group(alice)
	texts := []string{
		"내일 회의록 공유할게요",                   // 2
		"今日は会議の議事録を送ります",                 // 3
		"我们明天开会讨论预算",                     // 4
		"The Quarterly REPORT is ready",  // 5
		"party tonight 🎉🎉🎉 bring snacks", // 6
		"Émile a écrit le compte rendu",  // 7
		"100% sure, file_name\\path",     // 8
		"please review doc today",        // 9
		"reviewdoc.pdf",                  // 10
		"review\ndoc",                    // 11
	}
	for _, tx := range texts {
		f.send(r.ID, alice.ID, tx)
	}
	for _, c := range []struct {
		q    string
		want []int64
	}{
		{"회의록", []int64{2}},
		{"회의록 공유", []int64{2}},
		{"議事録", []int64{3}},
		{"明天开会", []int64{4}},
		{"quarterly report", []int64{5}},
		{"QUARTERLY", []int64{5}},
		{"🎉🎉🎉", []int64{6}},
		{"night 🎉", []int64{6}},
		{"émile", []int64{7}},
		{"ÉCRIT", []int64{7}},
		{"100%", []int64{8}},
		{"e_n", []int64{8}},
		{"% s", []int64{8}},
		{`e\p`, []int64{8}},
		{"review doc", []int64{9}},
		{"reviewdoc", []int64{10}},
		{"view do", []int64{9}},
		{"review\tdoc", nil},
		{`"quarterly`, nil},
		{"회의실", nil},
		{"report is not", nil},
	} {
		checkFound(t, fmt.Sprintf("search %q", c.q), f.find(chat.MessageQuery{User: alice.ID, Text: c.q}), c.want...)
	}
}

func testSearchShortQueries(t *testing.T, f *fixture) {
	alice := f.user("alice")
	r := f.group(alice)
	f.send(r.ID, alice.ID, "내일 회의록 공유할게요")  // 2
	f.send(r.ID, alice.ID, "ok, see you")   // 3
	f.send(r.ID, alice.ID, "OK 👍")          // 4
	f.send(r.ID, alice.ID, "50% off_today") // 5
	for _, c := range []struct {
		q    string
		want []int64
	}{
		{"회", []int64{2}},
		{"회의", []int64{2}},
		{"ok", []int64{4, 3}},
		{"Ok", []int64{4, 3}},
		{"👍", []int64{4}},
		{"%", []int64{5}},
		{"_", []int64{5}},
		{"f_", []int64{5}},
		{"x", nil},
		{"의회", nil},
	} {
		checkFound(t, fmt.Sprintf("search %q", c.q), f.find(chat.MessageQuery{User: alice.ID, Text: c.q}), c.want...)
	}
}

func testSearchFilters(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	r1, r2 := f.group(alice, bob), f.group(alice, bob)
	f.send(r1.ID, alice.ID, "budget draft one") // r1 2
	t0 := f.tick()
	f.send(r1.ID, bob.ID, "budget draft two")   // r1 3
	f.send(r2.ID, bob.ID, "budget in room two") // r2 2
	t1 := f.tick()
	f.send(r2.ID, alice.ID, "no match here") // r2 3
	file := f.upload(bob, chat.KindFile, "Budget-2026.xlsx")
	if _, _, err := f.sendWith(r2.ID, bob.ID, newID(), file); err != nil { // r2 4
		t.Fatal(err)
	}
	all := chat.MessageQuery{User: alice.ID, Text: "budget"}
	checkFound(t, "all rooms", f.find(all), 4, 2, 3, 2)
	q := all
	q.Room = r1.ID
	checkFound(t, "room r1", f.find(q), 3, 2)
	q = all
	q.From = bob.ID
	checkFound(t, "from bob", f.find(q), 4, 2, 3)
	q = all
	q.Since, q.Until = t0, t1
	checkFound(t, "between t0 and t1", f.find(q), 2, 3)
	q = all
	q.Until = t0
	checkFound(t, "before t0", f.find(q), 2)
	q = all
	q.Files = true
	checkFound(t, "with files", f.find(q), 4)
	checkFound(t, "by file name", f.find(chat.MessageQuery{User: alice.ID, Text: "2026.XLSX"}), 4)
	checkFound(t, "by short file name part", f.find(chat.MessageQuery{User: alice.ID, Text: "xl"}), 4)
	q = all
	q.Room, q.From = r1.ID, alice.ID
	checkFound(t, "room r1 from alice", f.find(q), 2)
}

func testSearchVisibility(t *testing.T, f *fixture) {
	alice, bob, carol, dave := f.user("alice"), f.user("bob"), f.user("carol"), f.user("dave")
	r := f.group(alice, bob, carol)
	other := f.group(dave)
	f.send(r.ID, alice.ID, "secret plan alpha")
	f.send(other.ID, dave.ID, "secret plan beta")
	checkFound(t, "bob, a member", f.find(chat.MessageQuery{User: bob.ID, Text: "secret"}), 2)
	checkFound(t, "bob, short query", f.find(chat.MessageQuery{User: bob.ID, Text: "pl"}), 2)
	checkFound(t, "dave", f.find(chat.MessageQuery{User: dave.ID, Text: "secret"}), 2)
	// Asking for a room the user is not in finds nothing either.
	checkFound(t, "dave in alice's room", f.find(chat.MessageQuery{User: dave.ID, Text: "secret", Room: r.ID}))

	// A member who leaves or is removed no longer finds the room's messages.
	if _, err := f.s.RemoveMember(f.ctx, r.ID, bob.ID,
		f.systemIn(r.ID, chat.SystemEvent{Type: chat.MemberLeft, Actor: bob.ID})); err != nil {
		t.Fatal(err)
	}
	checkFound(t, "bob after leaving", f.find(chat.MessageQuery{User: bob.ID, Text: "secret"}))
	checkFound(t, "bob after leaving, short query", f.find(chat.MessageQuery{User: bob.ID, Text: "pl"}))
	if _, err := f.s.RemoveMember(f.ctx, r.ID, carol.ID,
		f.systemIn(r.ID, chat.SystemEvent{Type: chat.MemberRemoved, Actor: alice.ID, Users: []chat.UserID{carol.ID}})); err != nil {
		t.Fatal(err)
	}
	checkFound(t, "carol after removal", f.find(chat.MessageQuery{User: carol.ID, Text: "secret"}))
	// System messages are never found, whatever their text.
	checkFound(t, "alice", f.find(chat.MessageQuery{User: alice.ID, Text: "e"}), 2)
}

func testSearchEditAndDelete(t *testing.T, f *fixture) {
	alice := f.user("alice")
	r := f.group(alice)
	f.send(r.ID, alice.ID, "first version")
	f.send(r.ID, alice.ID, "to be deleted")
	file := f.upload(alice, chat.KindFile, "minutes.pdf")
	if _, _, err := f.sendWith(r.ID, alice.ID, newID(), file); err != nil { // 4
		t.Fatal(err)
	}
	if _, err := f.s.EditMessage(f.ctx, r.ID, 2, "second draft", f.tick(), nil); err != nil {
		t.Fatal(err)
	}
	checkFound(t, "old text", f.find(chat.MessageQuery{User: alice.ID, Text: "version"}))
	checkFound(t, "new text", f.find(chat.MessageQuery{User: alice.ID, Text: "draft"}), 2)
	checkFound(t, "new text, short", f.find(chat.MessageQuery{User: alice.ID, Text: "dr"}), 2)
	if _, err := f.s.DeleteMessage(f.ctx, r.ID, 3, f.tick()); err != nil {
		t.Fatal(err)
	}
	checkFound(t, "deleted", f.find(chat.MessageQuery{User: alice.ID, Text: "deleted"}))
	checkFound(t, "deleted, short", f.find(chat.MessageQuery{User: alice.ID, Text: "be"}))
	checkFound(t, "file", f.find(chat.MessageQuery{User: alice.ID, Text: "minutes"}), 4)
	if _, err := f.s.DeleteMessage(f.ctx, r.ID, 4, f.tick()); err != nil {
		t.Fatal(err)
	}
	checkFound(t, "deleted file", f.find(chat.MessageQuery{User: alice.ID, Text: "minutes"}))
}

func testSearchPaging(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	r1, r2 := f.group(alice, bob), f.group(alice)
	var want []string // newest first
	for i := range 25 {
		r := r1
		if i%3 == 0 {
			r = r2
		}
		m := f.send(r.ID, alice.ID, fmt.Sprintf("회의 note %d", i))
		want = append([]string{fmt.Sprintf("%s/%d", r.ID, m.Seq)}, want...)
		if i == 10 {
			f.send(r1.ID, bob.ID, "unrelated")
		}
	}
	for _, text := range []string{"note", "회의"} {
		var got []string
		below := int64(math.MaxInt64)
		for page := 0; ; page++ {
			docs := f.findDocs(chat.MessageQuery{User: alice.ID, Text: text, Below: below, Limit: 10})
			for _, d := range docs {
				got = append(got, fmt.Sprintf("%s/%d", d.RoomID, d.Seq))
			}
			if len(docs) < 10 {
				break
			}
			below = docs[len(docs)-1].Doc
			if page > 5 {
				t.Fatal("paging does not end")
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q paged: %v\nwant %v", text, got, want)
		}
	}
}

func testSearchBacklogOfANewStore(t *testing.T, f *fixture) {
	for range 2 {
		p, err := f.s.IndexBacklog(f.ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Finished {
			t.Errorf("IndexBacklog of a new store = %+v, want finished", p)
		}
	}
}

// RunBacklog checks the indexing of messages stored before search existed.
// forget puts s back in the state the search migration leaves a database
// with messages in: nothing indexed, the backlog ahead.
func RunBacklog(t *testing.T, s chat.Store, forget func(t *testing.T)) {
	f := &fixture{t: t, s: s, ctx: t.Context(), now: base}
	alice := f.user("alice")
	r1, r2 := f.group(alice), f.group(alice)
	var want []int64 // seqs, newest first, over both rooms
	var rooms []chat.RoomID
	for i := range 23 {
		r := r1
		if i%2 == 1 {
			r = r2
		}
		m := f.send(r.ID, alice.ID, fmt.Sprintf("old note %d", i))
		want = append([]int64{m.Seq}, want...)
		rooms = append([]chat.RoomID{r.ID}, rooms...)
	}
	if _, err := s.DeleteMessage(f.ctx, r1.ID, 2, f.tick()); err != nil { // "old note 0"
		t.Fatal(err)
	}
	want, rooms = want[:len(want)-1], rooms[:len(rooms)-1]
	forget(t)
	checkFound(t, "before indexing", f.find(chat.MessageQuery{User: alice.ID, Text: "note"}))

	// A message sent now is found at once, and first.
	late := f.send(r2.ID, alice.ID, "new note")
	checkFound(t, "the new message", f.find(chat.MessageQuery{User: alice.ID, Text: "note"}), late.Seq)

	batches := 0
	var last chat.BacklogProgress
	for ; batches < 20; batches++ {
		p, err := s.IndexBacklog(f.ctx, 5)
		if err != nil {
			t.Fatal(err)
		}
		if p.Finished {
			break
		}
		if p.Done <= last.Done {
			t.Fatalf("progress went from %+v to %+v", last, p)
		}
		last = p
	}
	// 23 texts + 2 room creations + the new message, 5 a batch.
	if batches != 6 || last.Total != 25 {
		t.Errorf("finished after %d batches, last progress %+v; want 6 batches of a total of 25", batches, last)
	}
	docs := f.findDocs(chat.MessageQuery{User: alice.ID, Text: "note"})
	var got []string
	for _, d := range docs {
		got = append(got, fmt.Sprintf("%s/%d", d.RoomID, d.Seq))
	}
	wantKeys := []string{fmt.Sprintf("%s/%d", r2.ID, late.Seq)}
	for i, seq := range want {
		wantKeys = append(wantKeys, fmt.Sprintf("%s/%d", rooms[i], seq))
	}
	if !slices.Equal(got, wantKeys) {
		t.Errorf("after indexing: %v\nwant %v", got, wantKeys)
	}
	checkFound(t, "short query after indexing", f.find(chat.MessageQuery{User: alice.ID, Text: "22"}), want[0])
	if p, err := s.IndexBacklog(f.ctx, 5); err != nil || !p.Finished {
		t.Errorf("IndexBacklog once finished = %+v, %v", p, err)
	}
}
