package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"parley/internal/chat"
)

// all reads a room's whole history, oldest first, a page at a time.
func (f *fixture) all(room chat.RoomID) []chat.Message {
	f.t.Helper()
	var out []chat.Message
	for {
		page, err := f.s.Messages(f.ctx, room, chat.Page{After: int64(len(out)), Limit: 100, Asc: true})
		if err != nil {
			f.t.Fatalf("Messages: %v", err)
		}
		out = append(out, page...)
		if len(page) < 100 {
			return out
		}
	}
}

func testAppendAssignsNextSeq(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	room := f.group(alice, bob)
	var last chat.NewMessage
	for i, seq := range []int64{2, 3, 4} {
		sender := []chat.UserID{alice.ID, bob.ID}[i%2]
		nm := f.text(room.ID, sender, newID(), fmt.Sprintf("message %d", seq))
		if seq == 3 {
			nm.ReplyTo = 2
		}
		m, dup, err := f.s.AppendMessage(f.ctx, nm)
		if err != nil || dup {
			t.Fatalf("AppendMessage = dup %v, %v", dup, err)
		}
		checkMessage(t, "AppendMessage", m, asStored(nm, seq))
		checkMessage(t, "Message", f.message(room.ID, seq), asStored(nm, seq))
		last = nm
	}
	r := f.room(room.ID)
	if r.LastSeq != 4 {
		t.Errorf("LastSeq = %d, want 4", r.LastSeq)
	}
	checkTime(t, "LastMessageAt", r.LastMessageAt.Time, last.CreatedAt)
}

func testAppendMovesReadPosition(t *testing.T, f *fixture) {
	alice, bob, carol := f.user("alice"), f.user("bob"), f.user("carol")
	room := f.group(alice, bob, carol)
	for _, step := range []struct {
		sender chat.User
		want   map[string]int64 // username → LastReadSeq after the send
	}{
		{alice, map[string]int64{"alice": 2, "bob": 1, "carol": 1}},
		{bob, map[string]int64{"alice": 2, "bob": 3, "carol": 1}},
		{alice, map[string]int64{"alice": 4, "bob": 3, "carol": 1}},
	} {
		m := f.send(room.ID, step.sender.ID, "hi")
		for _, mem := range f.membersByName(room.ID) {
			if got := mem.LastReadSeq; got != step.want[mem.Username] {
				t.Errorf("after %s sent seq %d: %s LastReadSeq = %d, want %d",
					step.sender.Username, m.Seq, mem.Username, got, step.want[mem.Username])
			}
		}
	}
}

func testAppendMissingRoom(t *testing.T, f *fixture) {
	alice := f.user("alice")
	room := f.group(alice)
	_, _, err := f.s.AppendMessage(f.ctx, f.text(chat.RoomID(newID()), alice.ID, "c-1", "lost"))
	wantCode(t, "AppendMessage to a missing room", err, chat.NotFound)

	// The failed send left nothing behind: its client_id is still free.
	m, dup, err := f.s.AppendMessage(f.ctx, f.text(room.ID, alice.ID, "c-1", "found"))
	if err != nil || dup || m.Seq != 2 || m.Text != "found" {
		t.Errorf("AppendMessage after the failure = seq %d %q, dup %v, %v; want seq 2 \"found\", not dup", m.Seq, m.Text, dup, err)
	}
}

func testSeqGapFreeConcurrent(t *testing.T, f *fixture) {
	const senders, each = 8, 50
	users := make([]chat.User, senders)
	for i := range users {
		users[i] = f.user(fmt.Sprintf("user%d", i))
	}
	room := f.group(users[0], users[1:]...)
	at := f.tick()

	// got[i][j] is sender i's j-th message as AppendMessage returned it.
	got := make([][]chat.Message, senders)
	errs := make(chan error, senders)
	var wg sync.WaitGroup
	for i := range senders {
		wg.Go(func() {
			for j := range each {
				m, dup, err := f.s.AppendMessage(f.ctx, chat.NewMessage{
					ID: newID(), RoomID: room.ID, SenderID: users[i].ID, ClientID: fmt.Sprintf("c-%d-%d", i, j),
					Kind: chat.Text, Text: fmt.Sprintf("%d/%d", i, j), CreatedAt: at.Add(time.Duration(j) * time.Millisecond),
				})
				if err != nil || dup {
					errs <- fmt.Errorf("sender %d send %d: dup %v, %v", i, j, dup, err)
					return
				}
				got[i] = append(got[i], m)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}

	bySeq := map[int64]chat.Message{}
	var seqs []int64
	for i, ms := range got {
		// One sender's sends are sequential, so each commits after the last.
		if s := seqsOf(ms); !slices.IsSorted(s) {
			t.Errorf("sender %d got seqs out of order: %v", i, s)
		}
		for _, m := range ms {
			seqs = append(seqs, m.Seq)
			bySeq[m.Seq] = m
		}
	}
	slices.Sort(seqs)
	const last = 1 + senders*each
	if want := seqRange(2, last); !slices.Equal(seqs, want) {
		t.Fatalf("acked seqs are not exactly 2..%d: %d seqs, first gaps/dups near %v", last, len(seqs), firstMismatch(seqs, want))
	}
	if r := f.room(room.ID); r.LastSeq != last {
		t.Errorf("LastSeq = %d, want %d", r.LastSeq, last)
	}
	stored := f.all(room.ID)
	checkSeqs(t, "stored history", stored, seqRange(1, last))
	// Limit 0 is no limit, not some default page size.
	if whole, err := f.s.Messages(f.ctx, room.ID, chat.Page{Asc: true}); err != nil {
		t.Error(err)
	} else {
		checkSeqs(t, "one page with Limit 0", whole, seqRange(1, last))
	}
	for _, m := range stored[1:] {
		if acked := bySeq[m.Seq]; m.ID != acked.ID || m.Text != acked.Text {
			t.Errorf("seq %d holds %s %q, but was acked as %s %q", m.Seq, m.ID, m.Text, acked.ID, acked.Text)
		}
	}
}

// A member's send (NewMessage.Member) is refused, alone, when its sender
// is no member or is blocked, and otherwise learns the sender's membership
// as it was before the message.
func testMemberSendChecked(t *testing.T, f *fixture) {
	alice, bob, carol, dave := f.user("alice"), f.user("bob"), f.user("carol"), f.user("dave")
	room := f.group(alice, bob, dave)
	if _, err := f.s.RemoveMember(f.ctx, room.ID, dave.ID, f.system(chat.SystemEvent{Type: chat.MemberRemoved, Actor: alice.ID, Users: []chat.UserID{dave.ID}})); err != nil {
		t.Fatalf("RemoveMember: %v", err)
	}
	dm := f.direct(alice, carol)
	f.block(alice, carol)
	type send struct {
		sender chat.User
		room   chat.RoomID
		code   chat.Code // "" for stored
	}
	sends := []send{{alice, room.ID, ""}, {carol, room.ID, chat.NotFound}, {bob, room.ID, ""},
		{dave, room.ID, chat.NotFound}, {carol, dm.ID, chat.Unreachable}, {alice, room.ID, ""}, {alice, dm.ID, ""}}
	before := map[chat.RoomID]int64{}
	for _, r := range []chat.RoomID{room.ID, dm.ID} {
		before[r] = f.room(r).LastSeq
	}
	members := make([]chat.Member, len(sends))
	waits := make([]func() (chat.Message, bool, error), len(sends))
	for i, sd := range sends {
		nm := f.text(sd.room, sd.sender.ID, newID(), fmt.Sprint(i))
		nm.Member = &members[i]
		waits[i] = f.s.QueueAppend(f.ctx, nm)
	}
	last := map[chat.RoomID]int64{}
	for i, wait := range waits {
		m, _, err := wait()
		sd := sends[i]
		if sd.code != "" {
			wantCode(t, fmt.Sprintf("send %d from %s", i, sd.sender.Username), err, sd.code)
			continue
		}
		if err != nil {
			t.Fatalf("send %d from %s: %v", i, sd.sender.Username, err)
		}
		if want := max(before[sd.room], last[sd.room]) + 1; m.Seq != want {
			t.Errorf("send %d: seq %d, want %d (refused sends take none)", i, m.Seq, want)
		}
		last[sd.room] = m.Seq
		if got := members[i]; got.Blocked || got.UserID != sd.sender.ID {
			t.Errorf("send %d: membership %+v, want %s's, not blocked", i, got, sd.sender.Username)
		}
	}
	// Alice and Bob have read the room's first message, its creation, and
	// not the removal after it.
	for _, i := range []int{0, 2} {
		if got := members[i].LastReadSeq; got != 1 {
			t.Errorf("send %d from %s: LastReadSeq before it %d, want 1", i, sends[i].sender.Username, got)
		}
	}
	// Alice's second send was queued before her first committed, and
	// still starts from the position that one left.
	if got, want := members[5].LastReadSeq, before[room.ID]+1; got != want {
		t.Errorf("alice's second send: LastReadSeq before it %d, want %d (her first send's seq)", got, want)
	}
	checkSeqs(t, "history", f.all(room.ID), seqRange(1, last[room.ID]))
}

// One caller's queued appends are stored in the order queued, whoever else
// appends meanwhile, and a resend queued among them is still a duplicate.
func testQueuedAppendsKeepOrder(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	room, other := f.group(alice, bob), f.group(bob, alice)
	first := f.send(room.ID, alice.ID, "first")
	const queued = 60
	at := f.tick()
	var wg sync.WaitGroup
	wg.Go(func() { // bob, into both rooms, at the same time
		for j := range queued {
			if _, _, err := f.s.AppendMessage(f.ctx, f.text([]chat.RoomID{room.ID, other.ID}[j%2], bob.ID, fmt.Sprintf("b-%d", j), "bob")); err != nil {
				t.Errorf("bob's append %d: %v", j, err)
			}
		}
	})
	waits := make([]func() (chat.Message, bool, error), queued)
	for j := range waits {
		target := room.ID
		if j%3 == 2 {
			target = other.ID
		}
		nm := f.text(target, alice.ID, fmt.Sprintf("a-%d", j), fmt.Sprint(j))
		nm.CreatedAt = at.Add(time.Duration(j) * time.Millisecond)
		if j == queued/2 {
			nm = f.text(room.ID, alice.ID, first.ClientID, "again")
		}
		waits[j] = f.s.QueueAppend(f.ctx, nm)
	}
	last := map[chat.RoomID]int64{}
	for j, wait := range waits {
		m, dup, err := wait()
		if err != nil {
			t.Fatalf("queued append %d: %v", j, err)
		}
		if j == queued/2 {
			if !dup || m.ID != first.ID {
				t.Errorf("queued resend: dup %v, id %s; want the original %s", dup, m.ID, first.ID)
			}
			continue
		}
		if dup || m.Text != fmt.Sprint(j) || m.Seq <= last[m.RoomID] {
			t.Errorf("queued append %d: %q seq %d (dup %v) after seq %d in its room; want seqs in the order queued", j, m.Text, m.Seq, dup, last[m.RoomID])
		}
		last[m.RoomID] = m.Seq
	}
	wg.Wait()
	for _, r := range []chat.RoomID{room.ID, other.ID} {
		stored := f.all(r)
		checkSeqs(t, "history", stored, seqRange(1, int64(len(stored))))
	}
}

func firstMismatch(got, want []int64) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("index %d: got %d, want %d", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(got), len(want))
}

func testResendReturnsOriginal(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")

	t.Run("Sequential", func(t *testing.T) {
		room := f.group(alice, bob)
		orig, dup, err := f.s.AppendMessage(f.ctx, f.text(room.ID, alice.ID, "c-1", "hello"))
		if err != nil || dup {
			t.Fatalf("first send: dup %v, %v", dup, err)
		}
		f.send(room.ID, bob.ID, "in between") // the original is no longer the newest

		// A retry carries a fresh id, time and even text; the original wins.
		again, dup, err := f.s.AppendMessage(f.ctx, f.text(room.ID, alice.ID, "c-1", "hello again"))
		if err != nil || !dup {
			t.Fatalf("resend: dup %v, %v; want dup", dup, err)
		}
		checkMessage(t, "resend", again, orig)
		if r := f.room(room.ID); r.LastSeq != 3 {
			t.Errorf("LastSeq = %d after the resend, want 3", r.LastSeq)
		}
		checkSeqs(t, "history", f.all(room.ID), []int64{1, 2, 3})
	})

	t.Run("Concurrent", func(t *testing.T) {
		room := f.group(alice, bob)
		const n = 16
		at := f.tick()
		var (
			msgs  [n]chat.Message
			dups  [n]bool
			errs  [n]error
			wg    sync.WaitGroup
			start = make(chan struct{})
		)
		for i := range n {
			wg.Go(func() {
				<-start
				msgs[i], dups[i], errs[i] = f.s.AppendMessage(f.ctx, chat.NewMessage{
					ID: newID(), RoomID: room.ID, SenderID: alice.ID, ClientID: "c-2",
					Kind: chat.Text, Text: fmt.Sprintf("try %d", i), CreatedAt: at,
				})
			})
		}
		close(start)
		wg.Wait()

		firsts := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("send %d: %v", i, errs[i])
			}
			if !dups[i] {
				firsts++
			}
		}
		if firsts != 1 {
			t.Errorf("%d of %d concurrent sends were stored as new, want exactly 1", firsts, n)
		}
		for i := range n {
			if d := diffMessage(msgs[i], msgs[0]); d != "" || msgs[i].Seq != 2 {
				t.Errorf("send %d got seq %d, differs from send 0: %s", i, msgs[i].Seq, d)
			}
		}
		if r := f.room(room.ID); r.LastSeq != 2 {
			t.Errorf("LastSeq = %d, want 2", r.LastSeq)
		}
		checkSeqs(t, "history", f.all(room.ID), []int64{1, 2})
	})
}

func testClientIDPerSender(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	room := f.group(alice, bob)
	a, dupA, errA := f.s.AppendMessage(f.ctx, f.text(room.ID, alice.ID, "same", "from alice"))
	b, dupB, errB := f.s.AppendMessage(f.ctx, f.text(room.ID, bob.ID, "same", "from bob"))
	if errA != nil || errB != nil || dupA || dupB {
		t.Fatalf("sends: dup %v %v, errors %v %v; want two new messages", dupA, dupB, errA, errB)
	}
	if a.Seq != 2 || b.Seq != 3 || b.Text != "from bob" || b.SenderID != bob.ID {
		t.Errorf("got seq %d %q and seq %d %q from %s; want 2 and 3 \"from bob\"", a.Seq, a.Text, b.Seq, b.Text, b.SenderID)
	}
}

func testEmptyClientID(t *testing.T, f *fixture) {
	alice := f.user("alice")
	room := f.group(alice)
	for _, seq := range []int64{2, 3} {
		m, dup, err := f.s.AppendMessage(f.ctx, f.text(room.ID, alice.ID, "", "no key"))
		if err != nil || dup || m.Seq != seq {
			t.Errorf("send without client_id = seq %d, dup %v, %v; want seq %d, not dup", m.Seq, dup, err, seq)
		}
	}
}

func testMessagesPaging(t *testing.T, f *fixture) {
	alice := f.user("alice")
	room := f.group(alice)
	for i := 2; i <= 10; i++ {
		f.send(room.ID, alice.ID, fmt.Sprint(i))
	}
	other := f.group(alice) // its messages must never show up
	f.send(other.ID, alice.ID, "elsewhere")

	// Every combination of Before (8), After (3), Limit (2) and Asc, then edges.
	// Limit keeps the first messages in the requested order; 0 is no limit.
	const b, a, l = 8, 3, 2
	for _, c := range []struct {
		name string
		page chat.Page
		want []int64
	}{
		{"newest first by default", chat.Page{}, down(10, 1)},
		{"Asc", chat.Page{Asc: true}, seqRange(1, 10)},
		{"Limit", chat.Page{Limit: l}, []int64{10, 9}},
		{"Limit Asc", chat.Page{Limit: l, Asc: true}, []int64{1, 2}},
		{"After", chat.Page{After: a}, down(10, 4)},
		{"After Asc", chat.Page{After: a, Asc: true}, seqRange(4, 10)},
		{"After Limit", chat.Page{After: a, Limit: l}, []int64{10, 9}},
		{"After Limit Asc", chat.Page{After: a, Limit: l, Asc: true}, []int64{4, 5}},
		{"Before", chat.Page{Before: b}, down(7, 1)},
		{"Before Asc", chat.Page{Before: b, Asc: true}, seqRange(1, 7)},
		{"Before Limit", chat.Page{Before: b, Limit: l}, []int64{7, 6}},
		{"Before Limit Asc", chat.Page{Before: b, Limit: l, Asc: true}, []int64{1, 2}},
		{"Before After", chat.Page{Before: b, After: a}, down(7, 4)},
		{"Before After Asc", chat.Page{Before: b, After: a, Asc: true}, seqRange(4, 7)},
		{"Before After Limit", chat.Page{Before: b, After: a, Limit: l}, []int64{7, 6}},
		{"Before After Limit Asc", chat.Page{Before: b, After: a, Limit: l, Asc: true}, []int64{4, 5}},

		{"Limit above the count", chat.Page{Limit: 100}, down(10, 1)},
		{"Before 1 is empty", chat.Page{Before: 1}, nil},
		{"After the last is empty", chat.Page{After: 10}, nil},
		{"After 8 with Before 0 has no upper bound", chat.Page{After: 8, Before: 0, Asc: true}, []int64{9, 10}},
		{"Before past the end", chat.Page{Before: 1000, Limit: 3}, []int64{10, 9, 8}},
		{"empty window", chat.Page{After: 5, Before: 6}, nil},
		{"one-message window", chat.Page{After: 5, Before: 7}, []int64{6}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := f.s.Messages(f.ctx, room.ID, c.page)
			if err != nil {
				t.Fatal(err)
			}
			checkSeqs(t, fmt.Sprintf("Messages(%+v)", c.page), got, c.want)
			for _, m := range got {
				if m.RoomID != room.ID || (m.Seq > 1 && m.Text != fmt.Sprint(m.Seq)) {
					t.Errorf("seq %d is %q in room %s, want %q in %s", m.Seq, m.Text, m.RoomID, fmt.Sprint(m.Seq), room.ID)
				}
			}
		})
	}

	got, err := f.s.Messages(f.ctx, chat.RoomID(newID()), chat.Page{Limit: 10})
	if err != nil || len(got) != 0 {
		t.Errorf("Messages of a missing room = %d messages, %v; want none", len(got), err)
	}
}

// down returns from, from-1, ..., to.
func down(from, to int64) []int64 {
	s := seqRange(to, from)
	slices.Reverse(s)
	return s
}

func testMessageNotFound(t *testing.T, f *fixture) {
	alice := f.user("alice")
	room := f.group(alice)
	f.send(room.ID, alice.ID, "2")
	for _, c := range []struct {
		name string
		room chat.RoomID
		seq  int64
	}{
		{"seq past the end", room.ID, 3},
		{"seq 0", room.ID, 0},
		{"missing room", chat.RoomID(newID()), 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.s.Message(f.ctx, c.room, c.seq)
			wantCode(t, "Message", err, chat.NotFound)
		})
	}
}

func testEditMessage(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	room := f.group(alice, bob)
	orig := f.send(room.ID, alice.ID, "tpyo")
	next := f.send(room.ID, bob.ID, "untouched")

	at := f.tick()
	got, err := f.s.EditMessage(f.ctx, room.ID, orig.Seq, "typo", at, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, edited := orig, chat.TimeOf(at)
	want.Text, want.EditedAt = "typo", &edited
	checkMessage(t, "EditMessage", got, want)
	checkMessage(t, "Message after the edit", f.message(room.ID, orig.Seq), want)
	checkMessage(t, "the next message", f.message(room.ID, next.Seq), next)
	if r := f.room(room.ID); r.LastSeq != next.Seq {
		t.Errorf("LastSeq = %d after an edit, want %d", r.LastSeq, next.Seq)
	}

	_, err = f.s.EditMessage(f.ctx, room.ID, 99, "x", at, nil)
	wantCode(t, "EditMessage of a missing seq", err, chat.NotFound)
	_, err = f.s.EditMessage(f.ctx, chat.RoomID(newID()), orig.Seq, "x", at, nil)
	wantCode(t, "EditMessage in a missing room", err, chat.NotFound)
}

func testDeleteMessage(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	room := f.group(alice, bob)
	orig := f.send(room.ID, alice.ID, "regret")
	next := f.send(room.ID, bob.ID, "untouched")

	got, err := f.s.DeleteMessage(f.ctx, room.ID, orig.Seq, f.tick())
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, m chat.Message) {
		t.Helper()
		if m.Text != "" || !m.Deleted || m.ID != orig.ID || m.Seq != orig.Seq || m.SenderID != orig.SenderID || m.RoomID != room.ID {
			t.Errorf("%s = %+v, want the tombstone of %+v", what, m, orig)
		}
	}
	check("DeleteMessage", got)
	check("Message after the delete", f.message(room.ID, orig.Seq))

	history := f.all(room.ID)
	checkSeqs(t, "history keeps the slot", history, []int64{1, 2, 3})
	if len(history) == 3 {
		check("history entry", history[1])
		checkMessage(t, "the next message", history[2], next)
	}
	if m := f.send(room.ID, alice.ID, "after"); m.Seq != 4 {
		t.Errorf("next send got seq %d, want 4: a deleted seq is never reused", m.Seq)
	}

	_, err = f.s.DeleteMessage(f.ctx, room.ID, 99, f.tick())
	wantCode(t, "DeleteMessage of a missing seq", err, chat.NotFound)
}

func testTimesRoundTrip(t *testing.T, f *fixture) {
	// Not UTC, and .9996 s: a store that rounds to the millisecond instead of
	// truncating lands on the next second.
	kst := time.FixedZone("KST", 9*60*60)
	at := time.Date(2025, 6, 30, 23, 59, 59, 999_600_000, kst)

	u, err := f.s.CreateUser(f.ctx, chat.NewUser{ID: chat.UserID(newID()), Username: "alice", DisplayName: "A", PasswordHash: "h", CreatedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	checkTime(t, "CreateUser CreatedAt", u.CreatedAt.Time, at)
	if u, err = f.s.UserByID(f.ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	checkTime(t, "User CreatedAt", u.CreatedAt.Time, at)

	if err := f.s.CreateSession(f.ctx, chat.Session{TokenHash: []byte("0123456789abcdef0123456789abcdef"), UserID: u.ID, CreatedAt: at, ExpiresAt: at.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	se, err := f.s.SessionByTokenHash(f.ctx, []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	checkTime(t, "Session CreatedAt", se.CreatedAt, at)
	checkTime(t, "Session ExpiresAt", se.ExpiresAt, at.Add(time.Hour))

	nr := f.newGroup(u, "times")
	nr.CreatedAt, nr.Message.CreatedAt = at, at
	room, msg := f.create(nr)
	checkTime(t, "CreateRoom CreatedAt", room.CreatedAt.Time, at)
	checkTime(t, "CreateRoom LastMessageAt", room.LastMessageAt.Time, at)
	checkTime(t, "CreateRoom message CreatedAt", msg.CreatedAt.Time, at)
	room = f.room(room.ID)
	checkTime(t, "Room CreatedAt", room.CreatedAt.Time, at)
	checkTime(t, "Room LastMessageAt", room.LastMessageAt.Time, at)
	checkTime(t, "Member JoinedAt", f.member(room.ID, u.ID).JoinedAt.Time, at)
	checkTime(t, "Message CreatedAt", f.message(room.ID, 1).CreatedAt.Time, at)

	sent, _, err := f.s.AppendMessage(f.ctx, chat.NewMessage{ID: newID(), RoomID: room.ID, SenderID: u.ID, Kind: chat.Text, Text: "t", CreatedAt: at.Add(time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	checkTime(t, "AppendMessage CreatedAt", sent.CreatedAt.Time, at.Add(time.Millisecond))
	edited := at.Add(2 * time.Millisecond)
	if _, err := f.s.EditMessage(f.ctx, room.ID, sent.Seq, "t2", edited, nil); err != nil {
		t.Fatal(err)
	}
	m := f.message(room.ID, sent.Seq)
	checkTime(t, "Message CreatedAt", m.CreatedAt.Time, at.Add(time.Millisecond))
	if m.EditedAt == nil {
		t.Fatal("EditedAt is nil after an edit")
	}
	checkTime(t, "Message EditedAt", m.EditedAt.Time, edited)
}
