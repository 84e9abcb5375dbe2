package storetest

import (
	"slices"
	"testing"

	"parley/internal/chat"
)

func testMarkRead(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	room := f.group(alice, bob)
	for range 4 {
		f.send(room.ID, alice.ID, "hi") // seqs 2..5; bob stays at 1
	}
	for _, s := range []struct {
		name          string
		seq           int64
		before, after int64
	}{
		{"forward", 3, 1, 3},
		{"never back", 2, 3, 3},
		{"same again", 3, 3, 3},
		{"capped at LastSeq", 100, 3, 5},
		{"zero changes nothing", 0, 5, 5},
	} {
		t.Run(s.name, func(t *testing.T) {
			before, after, err := f.s.MarkRead(f.ctx, room.ID, bob.ID, s.seq)
			if err != nil || before != s.before || after != s.after {
				t.Errorf("MarkRead(%d) = %d, %d, %v; want %d, %d", s.seq, before, after, err, s.before, s.after)
			}
			if got := f.member(room.ID, bob.ID).LastReadSeq; got != s.after {
				t.Errorf("stored LastReadSeq = %d, want %d", got, s.after)
			}
		})
	}
	if got := f.member(room.ID, alice.ID).LastReadSeq; got != 5 {
		t.Errorf("alice's LastReadSeq = %d, want 5: bob's reads moved it", got)
	}
}

func testMarkReadNonMember(t *testing.T, f *fixture) {
	alice, carol := f.user("alice"), f.user("carol")
	room := f.group(alice)
	_, _, err := f.s.MarkRead(f.ctx, room.ID, carol.ID, 1)
	wantCode(t, "MarkRead by a non-member", err, chat.NotFound)
	_, _, err = f.s.MarkRead(f.ctx, chat.RoomID(newID()), alice.ID, 1)
	wantCode(t, "MarkRead in a missing room", err, chat.NotFound)
	_, err = f.s.Member(f.ctx, room.ID, carol.ID)
	wantCode(t, "Member(carol) after her MarkRead", err, chat.NotFound)
}

func testReadCounts(t *testing.T, f *fixture) {
	alice, bob, carol, dave := f.user("alice"), f.user("bob"), f.user("carol"), f.user("dave")
	room := f.group(alice, bob, carol, dave)
	for range 3 {
		f.send(room.ID, alice.ID, "hi") // seqs 2..4; alice reads to 4
	}
	if _, _, err := f.s.MarkRead(f.ctx, room.ID, bob.ID, 3); err != nil {
		t.Fatal(err)
	}
	// Read positions: alice 4, bob 3, carol 1, dave 1.
	got, err := f.s.ReadCounts(f.ctx, room.ID)
	if want := []chat.ReadCount{{Seq: 1, Count: 2}, {Seq: 3, Count: 1}, {Seq: 4, Count: 1}}; err != nil || !slices.Equal(got, want) {
		t.Errorf("ReadCounts = %v, %v; want %v", got, err, want)
	}
	got, err = f.s.ReadCounts(f.ctx, chat.RoomID(newID()))
	if err != nil || len(got) != 0 {
		t.Errorf("ReadCounts of a missing room = %v, %v; want none", got, err)
	}
	for _, c := range []struct {
		name string
		seqs []int64
		want []chat.ReadCount
	}{
		{"restricted, zero counts omitted", []int64{4, 2, 1}, []chat.ReadCount{{Seq: 1, Count: 2}, {Seq: 4, Count: 1}}},
		{"restricted to one", []int64{3}, []chat.ReadCount{{Seq: 3, Count: 1}}},
		{"restricted to nobody's position", []int64{2, 99}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := f.s.ReadCountsOf(f.ctx, map[chat.RoomID][]int64{room.ID: c.seqs})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got[room.ID], c.want) || (c.want == nil && len(got) != 0) {
				t.Errorf("ReadCountsOf(%v) = %v, want %v", c.seqs, got, c.want)
			}
		})
	}

	// Several rooms at once: each as ReadCounts restricted to its seqs, a
	// seq asked twice counted once, a missing room and nobody's positions
	// left out.
	other := f.group(bob, carol) // both at 1
	missing := chat.RoomID(newID())
	many, err := f.s.ReadCountsOf(f.ctx, map[chat.RoomID][]int64{
		room.ID: {4, 1, 2, 4}, other.ID: {1}, missing: {1}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[chat.RoomID][]chat.ReadCount{
		room.ID: {{Seq: 1, Count: 2}, {Seq: 4, Count: 1}}, other.ID: {{Seq: 1, Count: 2}}}
	if len(many) != len(want) || !slices.Equal(many[room.ID], want[room.ID]) || !slices.Equal(many[other.ID], want[other.ID]) {
		t.Errorf("ReadCountsOf = %v, want %v", many, want)
	}
}
