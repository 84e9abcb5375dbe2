package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"parley/internal/chat"
)

// sendMentioning appends a text message that mentions users.
func (f *fixture) sendMentioning(room chat.RoomID, sender chat.UserID, text string, users ...chat.UserID) chat.Message {
	f.t.Helper()
	nm := f.text(room, sender, newID(), text)
	nm.Mentions = slices.Sorted(slices.Values(users))
	m, dup, err := f.s.AppendMessage(f.ctx, nm)
	if err != nil || dup {
		f.t.Fatalf("AppendMessage(%q) = dup %v, %v", text, dup, err)
	}
	return m
}

func (f *fixture) unreadMentions(room chat.RoomID, user chat.UserID, after, upTo int64) (n, through int64) {
	f.t.Helper()
	n, through, err := f.s.UnreadMentions(f.ctx, room, user, after, upTo)
	if err != nil {
		f.t.Fatalf("UnreadMentions: %v", err)
	}
	return n, through
}

func testMentionsAreStoredWithTheMessage(t *testing.T, f *fixture) {
	alice, bob, carol := f.user("alice"), f.user("bob"), f.user("carol")
	room := f.group(alice, bob, carol)
	want := slices.Sorted(slices.Values([]chat.UserID{bob.ID, carol.ID}))
	m := f.sendMentioning(room.ID, alice.ID, "@bob @carol", bob.ID, carol.ID)
	plain := f.send(room.ID, alice.ID, "no one")
	if !slices.Equal(m.Mentions, want) {
		t.Errorf("AppendMessage Mentions = %v, want %v", m.Mentions, want)
	}
	if got := f.message(room.ID, m.Seq).Mentions; !slices.Equal(got, want) {
		t.Errorf("Message Mentions = %v, want %v", got, want)
	}
	if plain.Mentions != nil || f.message(room.ID, plain.Seq).Mentions != nil {
		t.Errorf("a message without mentions has Mentions %v", f.message(room.ID, plain.Seq).Mentions)
	}
	history := f.all(room.ID)
	checkSeqs(t, "history", history, []int64{1, 2, 3})
	if len(history) == 3 {
		checkMessage(t, "history entry", history[1], m)
		checkMessage(t, "plain history entry", history[2], plain)
	}
}

func testResendReturnsTheOriginalMentions(t *testing.T, f *fixture) {
	alice, bob, carol := f.user("alice"), f.user("bob"), f.user("carol")
	room := f.group(alice, bob, carol)
	nm := f.text(room.ID, alice.ID, "c-m", "@bob")
	nm.Mentions = []chat.UserID{bob.ID}
	orig, _, err := f.s.AppendMessage(f.ctx, nm)
	if err != nil {
		t.Fatal(err)
	}
	// The retry resolved differently (say bob left): the original still wins.
	retry := f.text(room.ID, alice.ID, "c-m", "@carol")
	retry.Mentions = []chat.UserID{carol.ID}
	again, dup, err := f.s.AppendMessage(f.ctx, retry)
	if err != nil || !dup {
		t.Fatalf("resend: dup %v, %v", dup, err)
	}
	checkMessage(t, "resend", again, orig)
	plain := f.text(room.ID, alice.ID, "c-p", "plain")
	orig, _, _ = f.s.AppendMessage(f.ctx, plain)
	again, _, err = f.s.AppendMessage(f.ctx, plain)
	if err != nil || again.Mentions != nil {
		t.Errorf("resend of a plain message: Mentions %v, %v", again.Mentions, err)
	}
	if n, _ := f.unreadMentions(room.ID, carol.ID, 0, 100); n != 0 {
		t.Errorf("carol has %d mentions from a resend that was not stored", n)
	}
}

func testUnreadMentions(t *testing.T, f *fixture) {
	alice, bob, carol := f.user("alice"), f.user("bob"), f.user("carol")
	room := f.group(alice, bob, carol)
	m2 := f.sendMentioning(room.ID, alice.ID, "@bob", bob.ID)
	f.send(room.ID, alice.ID, "plain")
	m4 := f.sendMentioning(room.ID, carol.ID, "@bob @alice", bob.ID, alice.ID)
	for _, c := range []struct {
		name          string
		user          chat.UserID
		after, upTo   int64
		wantN, wantTo int64
	}{
		{"all unread", bob.ID, 1, 1 << 62, 2, 4},
		{"after the first", bob.ID, m2.Seq, 1 << 62, 1, 4},
		{"bounded above", bob.ID, 1, m4.Seq - 1, 1, 3},
		{"all read", bob.ID, m4.Seq, 1 << 62, 0, 4},
		{"someone else's", alice.ID, 1, 1 << 62, 1, 4},
		{"nobody mentioned carol", carol.ID, 0, 1 << 62, 0, 4},
	} {
		if n, through := f.unreadMentions(room.ID, c.user, c.after, c.upTo); n != c.wantN || through != c.wantTo {
			t.Errorf("%s: UnreadMentions = %d through %d, want %d through %d", c.name, n, through, c.wantN, c.wantTo)
		}
	}
	_, _, err := f.s.UnreadMentions(f.ctx, chat.RoomID(newID()), bob.ID, 0, 10)
	wantCode(t, "UnreadMentions in a missing room", err, chat.NotFound)

	// The room list counts after each member's read position.
	mentionsIn := func(user chat.UserID) (int64, []chat.UserID) {
		t.Helper()
		rooms, err := f.s.RoomsForUser(f.ctx, user)
		if err != nil || len(rooms) != 1 || rooms[0].LastMessage == nil {
			t.Fatalf("RoomsForUser = %+v, %v", rooms, err)
		}
		return rooms[0].Mentions, rooms[0].LastMessage.Mentions
	}
	wantLast := slices.Sorted(slices.Values([]chat.UserID{alice.ID, bob.ID}))
	if n, last := mentionsIn(bob.ID); n != 2 || !slices.Equal(last, wantLast) {
		t.Errorf("bob's room: Mentions %d, last message mentions %v; want 2, %v", n, last, wantLast)
	}
	if _, _, err := f.s.MarkRead(f.ctx, room.ID, bob.ID, m2.Seq); err != nil {
		t.Fatal(err)
	}
	if n, _ := mentionsIn(bob.ID); n != 1 {
		t.Errorf("bob's mentions after reading %d = %d, want 1", m2.Seq, n)
	}
	if n, _ := mentionsIn(carol.ID); n != 0 {
		t.Errorf("carol's mentions = %d, want 0", n)
	}
	// Alice's read position is 3 (her last send): carol's message at 4 is unread.
	if n, _ := mentionsIn(alice.ID); n != 1 {
		t.Errorf("alice's mentions = %d, want 1", n)
	}
}

func testMembersByUsername(t *testing.T, f *fixture) {
	alice, bob, carol := f.user("alice"), f.user("bob"), f.user("carol")
	room := f.group(alice, bob)
	got, err := f.s.MembersByUsername(f.ctx, room.ID, []string{"bob", "carol", "alice", "nobody"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]chat.UserID{"alice": alice.ID, "bob": bob.ID}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MembersByUsername = %v, want %v (carol %s is no member)", got, want, carol.ID)
	}
}

func testEditReplacesMentions(t *testing.T, f *fixture) {
	alice, bob, carol := f.user("alice"), f.user("bob"), f.user("carol")
	room := f.group(alice, bob, carol)
	m := f.sendMentioning(room.ID, alice.ID, "@bob", bob.ID)
	got, err := f.s.EditMessage(f.ctx, room.ID, m.Seq, "@carol", f.tick(), []chat.UserID{carol.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Mentions, []chat.UserID{carol.ID}) || !slices.Equal(f.message(room.ID, m.Seq).Mentions, []chat.UserID{carol.ID}) {
		t.Errorf("mentions after the edit: returned %v, stored %v; want carol", got.Mentions, f.message(room.ID, m.Seq).Mentions)
	}
	if n, _ := f.unreadMentions(room.ID, bob.ID, 1, 1<<62); n != 0 {
		t.Errorf("bob still has %d mentions after the edit removed his", n)
	}
	if n, _ := f.unreadMentions(room.ID, carol.ID, 1, 1<<62); n != 1 {
		t.Errorf("carol has %d mentions after the edit added hers, want 1", n)
	}
	if got, err = f.s.EditMessage(f.ctx, room.ID, m.Seq, "nobody", f.tick(), nil); err != nil || got.Mentions != nil {
		t.Errorf("edit to no mentions: %v, %v", got.Mentions, err)
	}
	if f.message(room.ID, m.Seq).Mentions != nil {
		t.Error("mentions stored after an edit removed them all")
	}
}

func (f *fixture) react(room chat.RoomID, seq int64, user chat.UserID, emoji string, on bool) (int, bool, error) {
	return f.s.SetReaction(f.ctx, chat.ReactionChange{RoomID: room, Seq: seq, UserID: user, Emoji: emoji, On: on, At: f.tick(), MaxEmojis: 3})
}

func (f *fixture) reactions(room chat.RoomID, viewer chat.UserID) map[int64][]chat.ReactionCount {
	f.t.Helper()
	got, err := f.s.Reactions(f.ctx, room, viewer, 0, 1<<62)
	if err != nil {
		f.t.Fatalf("Reactions: %v", err)
	}
	return got
}

func testReactions(t *testing.T, f *fixture) {
	alice, bob, carol := f.user("alice"), f.user("bob"), f.user("carol")
	room := f.group(alice, bob, carol)
	m := f.send(room.ID, alice.ID, "react to me")
	other := f.send(room.ID, alice.ID, "and me")
	for _, s := range []struct {
		name        string
		user        chat.UserID
		emoji       string
		on          bool
		wantCount   int
		wantChanged bool
	}{
		{"first", bob.ID, "👍", true, 1, true},
		{"second member", carol.ID, "👍", true, 2, true},
		{"again is one reaction", bob.ID, "👍", true, 2, false},
		{"another emoji", bob.ID, "🎉", true, 1, true},
		{"remove", carol.ID, "👍", false, 1, true},
		{"remove again", carol.ID, "👍", false, 1, false},
		{"remove what was never there", alice.ID, "😢", false, 0, false},
		{"back", carol.ID, "👍", true, 2, true},
	} {
		count, changed, err := f.react(room.ID, m.Seq, s.user, s.emoji, s.on)
		if err != nil || count != s.wantCount || changed != s.wantChanged {
			t.Errorf("%s: SetReaction = %d, changed %v, %v; want %d, %v", s.name, count, changed, err, s.wantCount, s.wantChanged)
		}
	}
	if _, _, err := f.react(room.ID, other.Seq, carol.ID, "❤️", true); err != nil {
		t.Fatal(err)
	}
	want := map[int64][]chat.ReactionCount{
		m.Seq:     {{Emoji: "👍", Count: 2, Me: true}, {Emoji: "🎉", Count: 1, Me: true}},
		other.Seq: {{Emoji: "❤️", Count: 1}},
	}
	if got := f.reactions(room.ID, bob.ID); !reflect.DeepEqual(got, want) {
		t.Errorf("Reactions for bob = %v, want %v", got, want)
	}
	want[m.Seq] = []chat.ReactionCount{{Emoji: "👍", Count: 2, Me: true}, {Emoji: "🎉", Count: 1}}
	want[other.Seq] = []chat.ReactionCount{{Emoji: "❤️", Count: 1, Me: true}}
	if got := f.reactions(room.ID, carol.ID); !reflect.DeepEqual(got, want) {
		t.Errorf("Reactions for carol = %v, want %v", got, want)
	}
	if got, err := f.s.Reactions(f.ctx, room.ID, bob.ID, m.Seq, other.Seq); err != nil || len(got) != 0 {
		t.Errorf("Reactions of an empty range = %v, %v", got, err)
	}

	// Who reacted: emojis in first-use order, people earliest first, cut at the limit.
	who := []chat.Reactors{
		{Emoji: "👍", Count: 2, Users: []chat.UserID{bob.ID, carol.ID}},
		{Emoji: "🎉", Count: 1, Users: []chat.UserID{bob.ID}},
	}
	if got, err := f.s.Reactors(f.ctx, room.ID, m.Seq, 10); err != nil || !reflect.DeepEqual(got, who) {
		t.Errorf("Reactors = %v, %v; want %v", got, err, who)
	}
	who[0].Users = who[0].Users[:1]
	if got, err := f.s.Reactors(f.ctx, room.ID, m.Seq, 1); err != nil || !reflect.DeepEqual(got, who) {
		t.Errorf("Reactors cut at 1 = %v, %v; want %v", got, err, who)
	}
	if got, err := f.s.Reactors(f.ctx, room.ID, f.send(room.ID, alice.ID, "nobody reacts").Seq, 10); err != nil || len(got) != 0 {
		t.Errorf("Reactors of a message without any = %v, %v", got, err)
	}

	// The last one out takes the emoji off the message.
	f.react(room.ID, m.Seq, bob.ID, "🎉", false)
	if got := f.reactions(room.ID, bob.ID)[m.Seq]; len(got) != 1 || got[0].Emoji != "👍" {
		t.Errorf("reactions after the last 🎉 went = %v", got)
	}
}

func testReactionRefusals(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	room := f.group(alice, bob)
	m := f.send(room.ID, alice.ID, "limited")
	for _, e := range []string{"1️⃣", "2️⃣", "3️⃣"} {
		if _, _, err := f.react(room.ID, m.Seq, bob.ID, e, true); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := f.react(room.ID, m.Seq, alice.ID, "4️⃣", true)
	wantCode(t, "a fourth emoji (MaxEmojis 3)", err, chat.Conflict)
	if count, _, err := f.react(room.ID, m.Seq, alice.ID, "1️⃣", true); err != nil || count != 2 {
		t.Errorf("an emoji already on the message: %d, %v; want 2", count, err)
	}

	_, _, err = f.react(room.ID, 1, bob.ID, "👍", true)
	wantCode(t, "a reaction on a system message", err, chat.Conflict)
	_, _, err = f.react(room.ID, 99, bob.ID, "👍", true)
	wantCode(t, "a reaction on a missing message", err, chat.NotFound)
	_, _, err = f.react(chat.RoomID(newID()), 1, bob.ID, "👍", true)
	wantCode(t, "a reaction in a missing room", err, chat.NotFound)

	// A tombstone drops its reactions and mentions and takes no new ones.
	victim := f.sendMentioning(room.ID, alice.ID, "@bob", bob.ID)
	f.react(room.ID, victim.Seq, bob.ID, "👍", true)
	if _, err := f.s.DeleteMessage(f.ctx, room.ID, victim.Seq, f.tick()); err != nil {
		t.Fatal(err)
	}
	if got := f.reactions(room.ID, bob.ID)[victim.Seq]; got != nil {
		t.Errorf("a tombstone's reactions = %v", got)
	}
	if got := f.message(room.ID, victim.Seq).Mentions; got != nil {
		t.Errorf("a tombstone's mentions = %v", got)
	}
	if n, _ := f.unreadMentions(room.ID, bob.ID, 1, 1<<62); n != 0 {
		t.Errorf("bob counts %d mentions in a deleted message", n)
	}
	_, _, err = f.react(room.ID, victim.Seq, bob.ID, "👍", true)
	wantCode(t, "a reaction on a tombstone", err, chat.Conflict)
	if count, changed, err := f.react(room.ID, victim.Seq, bob.ID, "👍", false); err != nil || changed || count != 0 {
		t.Errorf("removing from a tombstone = %d, %v, %v; want nothing to do", count, changed, err)
	}
}

// Concurrent reactions to one message: every change is counted once, and the
// counts returned for one emoji are exactly 1..n.
func testConcurrentReactions(t *testing.T, f *fixture) {
	owner := f.user("owner")
	const n = 12
	users := make([]chat.User, n)
	for i := range users {
		users[i] = f.user(fmt.Sprintf("user%02d", i))
	}
	room := f.group(owner, users...)
	m := f.send(room.ID, owner.ID, "popular")
	counts := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			counts[i], _, errs[i] = f.s.SetReaction(f.ctx, chat.ReactionChange{
				RoomID: room.ID, Seq: m.Seq, UserID: users[i].ID, Emoji: "🔥", On: true, At: base, MaxEmojis: 50})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("reaction %d: %v", i, err)
		}
	}
	slices.Sort(counts)
	if want := seqRange(1, n); !slices.Equal(toInt64(counts), want) {
		t.Errorf("counts returned = %v, want each of 1..%d once", counts, n)
	}
	if got := f.reactions(room.ID, owner.ID)[m.Seq]; len(got) != 1 || got[0].Count != n {
		t.Errorf("stored reactions = %v, want 🔥 × %d", got, n)
	}
}

func toInt64(s []int) []int64 {
	out := make([]int64, len(s))
	for i, v := range s {
		out[i] = int64(v)
	}
	return out
}
