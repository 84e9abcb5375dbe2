package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"parley/internal/chat"
)

var pinCases = []struct {
	name string
	fn   func(t *testing.T, f *fixture)
}{
	{"Pins", testPins},
	{"PinRefusals", testPinRefusals},
	{"DeleteMessageUnpins", testDeleteMessageUnpins},
	{"PinLimitUnderConcurrency", testPinLimitUnderConcurrency},
}

func (f *fixture) pin(room chat.RoomID, seq int64, by chat.UserID, max int) (chat.Pin, chat.Message, bool, error) {
	return f.s.PinMessage(f.ctx, chat.NewPin{RoomID: room, Seq: seq, By: by, At: f.tick(), Max: max},
		f.system(chat.SystemEvent{Type: chat.MessagePinned, Actor: by, Seq: seq}))
}

func (f *fixture) unpin(room chat.RoomID, seq int64, by chat.UserID) (chat.Message, bool, error) {
	return f.s.UnpinMessage(f.ctx, room, seq, f.system(chat.SystemEvent{Type: chat.MessageUnpinned, Actor: by, Seq: seq}))
}

// pinnedSeqs is the room's pins as seqs of the pinned messages, in the
// store's order.
func (f *fixture) pinnedSeqs(room chat.RoomID) []int64 {
	f.t.Helper()
	pins, err := f.s.Pins(f.ctx, room)
	if err != nil {
		f.t.Fatalf("Pins: %v", err)
	}
	out := []int64{}
	for _, p := range pins {
		out = append(out, p.Seq)
	}
	return out
}

func testPins(t *testing.T, f *fixture) {
	owner, bob := f.user("owner"), f.user("bob")
	room := f.group(owner, bob)
	file := f.upload(bob, chat.KindFile, "plan.pdf")
	first, _, err := f.sendWith(room.ID, bob.ID, "c1", file)
	if err != nil {
		t.Fatal(err)
	}
	second := f.send(room.ID, owner.ID, "second")

	// Pinning appends the system message, with the next seq, in the same
	// transaction, and returns the pin with its message and attachments.
	at := f.now
	p, msg, changed, err := f.pin(room.ID, first.Seq, owner.ID, 50)
	if err != nil || !changed {
		t.Fatalf("pin = changed %v, %v", changed, err)
	}
	if msg.Seq != second.Seq+1 || msg.Kind != chat.System || msg.System.Type != chat.MessagePinned || msg.System.Seq != first.Seq {
		t.Errorf("system message = %+v (%+v), want message_pinned of %d at seq %d", msg, msg.System, first.Seq, second.Seq+1)
	}
	if p.RoomID != room.ID || p.Seq != first.Seq || p.PinnedBy != owner.ID || !p.PinnedAt.After(at) ||
		p.Message.SenderID != bob.ID || p.Message.ClientID != "c1" || len(p.Message.Attachments) != 1 || p.Message.Attachments[0].ID != file.ID {
		t.Errorf("pin = %+v", p)
	}
	// Pinning again changes nothing and appends nothing.
	again, _, changed, err := f.pin(room.ID, first.Seq, bob.ID, 50)
	if err != nil || changed || again.PinnedBy != owner.ID || !again.PinnedAt.Equal(p.PinnedAt.Time) {
		t.Fatalf("second pin = %+v, changed %v, %v; want the first pin unchanged", again, changed, err)
	}
	if r, err := f.s.Room(f.ctx, room.ID); err != nil || r.LastSeq != msg.Seq {
		t.Fatalf("last seq = %d, %v; want %d (a repeated pin appends nothing)", r.LastSeq, err, msg.Seq)
	}

	// Newest pin first, by the pin's seq.
	if _, _, _, err := f.pin(room.ID, second.Seq, bob.ID, 50); err != nil {
		t.Fatal(err)
	}
	if got, want := f.pinnedSeqs(room.ID), []int64{second.Seq, first.Seq}; !slices.Equal(got, want) {
		t.Errorf("pins = %v, want %v", got, want)
	}
	pins, err := f.s.Pins(f.ctx, room.ID)
	if err != nil || len(pins[1].Message.Attachments) != 1 || pins[1].PinnedBy != owner.ID || pins[0].PinnedBy != bob.ID {
		t.Errorf("pins = %+v, %v", pins, err)
	}

	// Unpinning appends its own system message; unpinning again nothing.
	un, changed, err := f.unpin(room.ID, first.Seq, bob.ID)
	if err != nil || !changed || un.System.Type != chat.MessageUnpinned || un.System.Seq != first.Seq || un.Seq != msg.Seq+2 {
		t.Fatalf("unpin = %+v, changed %v, %v", un, changed, err)
	}
	if _, changed, err := f.unpin(room.ID, first.Seq, bob.ID); err != nil || changed {
		t.Fatalf("second unpin = changed %v, %v; want unchanged", changed, err)
	}
	if got, want := f.pinnedSeqs(room.ID), []int64{second.Seq}; !slices.Equal(got, want) {
		t.Errorf("pins after unpin = %v, want %v", got, want)
	}
	if got := f.all(room.ID); got[len(got)-1].Seq != un.Seq {
		t.Errorf("history ends at %d, want the unpin at %d", got[len(got)-1].Seq, un.Seq)
	}
	// Another room's pins are its own.
	if got := f.pinnedSeqs(f.group(owner).ID); len(got) != 0 {
		t.Errorf("a new room has pins %v", got)
	}
}

func testPinRefusals(t *testing.T, f *fixture) {
	owner := f.user("owner")
	room := f.group(owner)
	gone := f.send(room.ID, owner.ID, "gone")
	if _, err := f.s.DeleteMessage(f.ctx, room.ID, gone.Seq, f.tick()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		seq  int64
		code chat.Code
	}{
		{"no such message", 99, chat.NotFound},
		{"a system message", 1, chat.Conflict},
		{"a tombstone", gone.Seq, chat.Conflict},
	} {
		_, _, changed, err := f.pin(room.ID, c.seq, owner.ID, 50)
		if chat.ErrorCode(err) != c.code || changed {
			t.Errorf("%s: changed %v, %v; want %s", c.name, changed, err, c.code)
		}
	}
	if r, err := f.s.Room(f.ctx, room.ID); err != nil || r.LastSeq != gone.Seq {
		t.Errorf("last seq = %d, %v; refused pins appended messages", r.LastSeq, err)
	}
	if _, _, _, err := f.pin("no-such-room", 1, owner.ID, 50); chat.ErrorCode(err) != chat.NotFound {
		t.Errorf("pin in a missing room: %v, want not_found", err)
	}
}

func testDeleteMessageUnpins(t *testing.T, f *fixture) {
	owner := f.user("owner")
	room := f.group(owner)
	keep, gone := f.send(room.ID, owner.ID, "keep"), f.send(room.ID, owner.ID, "gone")
	for _, m := range []chat.Message{keep, gone} {
		if _, _, _, err := f.pin(room.ID, m.Seq, owner.ID, 50); err != nil {
			t.Fatal(err)
		}
	}
	before, err := f.s.Room(f.ctx, room.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.DeleteMessage(f.ctx, room.ID, gone.Seq, f.tick()); err != nil {
		t.Fatal(err)
	}
	if got, want := f.pinnedSeqs(room.ID), []int64{keep.Seq}; !slices.Equal(got, want) {
		t.Errorf("pins after the delete = %v, want %v", got, want)
	}
	if r, err := f.s.Room(f.ctx, room.ID); err != nil || r.LastSeq != before.LastSeq {
		t.Errorf("last seq %d → %d, %v: the delete's unpin appends no message", before.LastSeq, r.LastSeq, err)
	}
	// The freed place counts: with a limit of 1, keep's pin is the one.
	other := f.send(room.ID, owner.ID, "other")
	if _, _, _, err := f.pin(room.ID, other.Seq, owner.ID, 2); err != nil {
		t.Errorf("pin into the place the delete freed: %v", err)
	}
}

// Twenty more pins than the limit race for the last places of a room: the
// limit holds exactly, every refusal is Conflict, and each pin that went in
// has its system message.
func testPinLimitUnderConcurrency(t *testing.T, f *fixture) {
	const max, tries = 50, 70
	owner := f.user("owner")
	room := f.group(owner)
	msgs := make([]chat.Message, tries)
	for i := range msgs {
		msgs[i] = f.send(room.ID, owner.ID, fmt.Sprint("m", i))
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		pinned  []int64
		systems []int64
		errs    []error
	)
	start := make(chan struct{})
	for _, m := range msgs {
		wg.Go(func() {
			<-start
			_, msg, changed, err := f.s.PinMessage(f.ctx, chat.NewPin{RoomID: room.ID, Seq: m.Seq, By: owner.ID, At: base, Max: max},
				chat.NewMessage{ID: newID(), Kind: chat.System, CreatedAt: base,
					System: &chat.SystemEvent{Type: chat.MessagePinned, Actor: owner.ID, Seq: m.Seq}})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && changed:
				pinned = append(pinned, m.Seq)
				systems = append(systems, msg.Seq)
			case chat.ErrorCode(err) != chat.Conflict:
				errs = append(errs, fmt.Errorf("pin %d: changed %v, %v", m.Seq, changed, err))
			}
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	if len(pinned) != max {
		t.Fatalf("%d pins went in, want exactly %d", len(pinned), max)
	}
	got := f.pinnedSeqs(room.ID)
	slices.Sort(got)
	slices.Sort(pinned)
	if !slices.Equal(got, pinned) {
		t.Errorf("stored pins = %v, want the %d that succeeded %v", got, max, pinned)
	}
	slices.Sort(systems)
	last := msgs[tries-1].Seq
	if want := seqRange(last+1, last+max); !slices.Equal(systems, want) {
		t.Errorf("system messages at %v, want %v", systems, want)
	}
}
