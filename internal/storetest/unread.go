package storetest

import (
	"context"
	"sync"
	"time"

	"testing"

	"parley/internal/chat"
)

var unreadCases = []struct {
	name string
	fn   func(t *testing.T, f *fixture)
}{
	{"UnreadLeavesOutSystemLines", testUnreadLeavesOutSystemLines},
	{"UnreadUnderConcurrentAppends", testUnreadUnderConcurrentAppends},
	{"AppendTextsIsCounted", testAppendTextsIsCounted},
}

// unreadEverywhere checks that every place a store reports user's unread
// count in room agrees on want: the room list, the badge total (user is in
// this room alone) and Unread from the read position to the last seq.
func (f *fixture) unreadEverywhere(step string, room chat.RoomID, user chat.User, want int64) {
	f.t.Helper()
	r, m := f.room(room), f.member(room, user.ID)
	if n, err := f.s.Unread(f.ctx, room, m.LastReadSeq, r.LastSeq); err != nil || n != want {
		f.t.Errorf("%s: Unread(%d, %d) for %s = %d, %v; want %d", step, m.LastReadSeq, r.LastSeq, user.Username, n, err, want)
	}
	rooms, err := f.s.RoomsForUser(f.ctx, user.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, s := range rooms {
		if s.ID == room && s.Unread != want {
			f.t.Errorf("%s: RoomsForUser(%s) Unread = %d, want %d", step, user.Username, s.Unread, want)
		}
	}
	if n, err := f.s.UnreadTotal(f.ctx, user.ID); err != nil || n != want {
		f.t.Errorf("%s: UnreadTotal(%s) = %d, %v; want %d", step, user.Username, n, err, want)
	}
}

func testUnreadLeavesOutSystemLines(t *testing.T, f *fixture) {
	alice, bob, carol := f.user("alice"), f.user("bob"), f.user("carol")
	room := f.group(alice, bob) // seq 1, RoomCreated: read by both

	name := "renamed"
	if _, _, err := f.s.UpdateRoom(f.ctx, room.ID, chat.RoomUpdate{Name: &name},
		f.systemIn(room.ID, chat.SystemEvent{Type: chat.RoomRenamed, Actor: alice.ID, Name: name})); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.AddMembers(f.ctx, chat.Admission{Room: room.ID, Users: []chat.UserID{carol.ID},
		Message: f.systemIn(room.ID, chat.SystemEvent{Type: chat.MembersAdded, Actor: alice.ID, Users: []chat.UserID{carol.ID}})}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SetRole(f.ctx, room.ID, carol.ID, chat.RoleAdmin,
		f.systemIn(room.ID, chat.SystemEvent{Type: chat.RoleChanged, Actor: alice.ID, Users: []chat.UserID{carol.ID}, Role: chat.RoleAdmin})); err != nil {
		t.Fatal(err)
	}
	f.unreadEverywhere("after a rename, a join and a role change", room.ID, bob, 0)

	first := f.send(room.ID, alice.ID, "one") // seq 5
	f.unreadEverywhere("after alice's message", room.ID, bob, 1)
	if _, _, _, err := f.pin(room.ID, first.Seq, alice.ID, 10); err != nil { // seq 6
		t.Fatal(err)
	}
	f.unreadEverywhere("after a pin", room.ID, bob, 1)
	f.send(room.ID, carol.ID, "two")   // seq 7
	f.send(room.ID, alice.ID, "three") // seq 8
	f.unreadEverywhere("after three messages", room.ID, bob, 3)

	for _, c := range []struct {
		after, through, want int64
	}{
		{0, 8, 3}, {1, 4, 0}, {4, 5, 1}, {5, 6, 0}, {5, 7, 1}, {6, 8, 2}, {8, 8, 0}, {8, 5, 0},
	} {
		if n, err := f.s.Unread(f.ctx, room.ID, c.after, c.through); err != nil || n != c.want {
			t.Errorf("Unread(%d, %d) = %d, %v; want %d", c.after, c.through, n, err, c.want)
		}
	}

	// Reading part of the way counts only what is after the new position.
	if _, _, err := f.s.MarkRead(f.ctx, room.ID, bob.ID, first.Seq); err != nil {
		t.Fatal(err)
	}
	f.unreadEverywhere("read through the first message", room.ID, bob, 2)
	// Sending reads everything before it, so one's own messages never count.
	f.send(room.ID, bob.ID, "four")
	f.unreadEverywhere("after bob's own message", room.ID, bob, 0)
	f.unreadEverywhere("alice after bob's message", room.ID, alice, 1)
}

// The running count is kept in the append's transaction: however sends and
// system lines interleave (and however a store batches commits), the count
// through the last seq is the number of messages that are not system lines.
func testUnreadUnderConcurrentAppends(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	room := f.group(alice, bob)
	const texts, systems = 40, 20
	msgs := make([]chat.NewMessage, 0, texts+systems)
	for range texts {
		msgs = append(msgs, f.text(room.ID, alice.ID, newID(), "hi"))
	}
	for range systems {
		msgs = append(msgs, f.systemIn(room.ID, chat.SystemEvent{Type: chat.RoomRenamed, Actor: alice.ID, Name: "n"}))
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(msgs))
	for _, m := range msgs {
		wg.Go(func() {
			if _, _, err := f.s.AppendMessage(f.ctx, m); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	f.unreadEverywhere("after concurrent appends", room.ID, bob, texts)
	// Each message's running count: one more than the previous for a
	// message that counts, the same for a system line.
	var counted, prev int64
	for _, m := range f.all(room.ID) {
		if m.Kind != chat.System {
			counted++
		}
		if n, err := f.s.Unread(f.ctx, room.ID, m.Seq-1, m.Seq); err != nil || n != counted-prev {
			t.Fatalf("Unread(%d, %d) = %d, %v; want %d (a %s message)", m.Seq-1, m.Seq, n, err, counted-prev, m.Kind)
		}
		prev = counted
	}
}

// The bulk import the search bench uses keeps the count too.
func testAppendTextsIsCounted(t *testing.T, f *fixture) {
	bulk, ok := f.s.(interface {
		AppendTexts(ctx context.Context, room chat.RoomID, sender chat.UserID, ids, texts []string, at time.Time) error
	})
	if !ok {
		t.Skip("the store has no bulk import")
	}
	alice, bob := f.user("alice"), f.user("bob")
	room := f.group(alice, bob)
	if err := bulk.AppendTexts(f.ctx, room.ID, alice.ID, []string{newID(), newID(), newID()}, []string{"a", "b", "c"}, f.tick()); err != nil {
		t.Fatal(err)
	}
	f.unreadEverywhere("after a bulk import of three", room.ID, bob, 3)
	f.send(room.ID, alice.ID, "d")
	f.unreadEverywhere("after one more", room.ID, bob, 4)
}
