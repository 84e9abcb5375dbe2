package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"parley/internal/chat"
	"parley/internal/inmem"
)

// fakeStore is the hub's view of the store: messages by seq, and a switch
// to make it unreachable.
type fakeStore struct {
	mu    sync.Mutex
	msgs  map[int64]chat.Message
	down  bool
	reads int
}

func (f *fakeStore) backfill(_ context.Context, room chat.RoomID, after, upTo int64) ([]chat.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if f.down {
		return nil, errors.New("store down")
	}
	var out []chat.Message
	for s, m := range f.msgs {
		if s > after && s <= upTo {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b chat.Message) int { return int(a.Seq - b.Seq) })
	return out, nil
}

// seqsQueued reads the seqs of the message events queued on a held connection.
func seqsQueued(c *Conn) []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int64
	for _, f := range c.queue {
		for line := range splitLines(f.b) {
			var ev struct {
				Type string       `json:"type"`
				Data chat.Message `json:"data"`
			}
			if json.Unmarshal(line, &ev) == nil && ev.Type == "message" {
				out = append(out, ev.Data.Seq)
			}
		}
	}
	return out
}

func splitLines(b []byte) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(b) > 0 {
			i := slices.Index(b, '\n')
			if i < 0 {
				yield(b)
				return
			}
			if !yield(b[:i]) {
				return
			}
			b = b[i+1:]
		}
	}
}

func newTestHub(t *testing.T, st *fakeStore) (*Hub, *inmem.Bus, *Conn) {
	t.Helper()
	bus := inmem.NewBus()
	h := NewHub(bus, st.backfill, slog.New(slog.NewTextHandler(io.Discard, nil)), Config{})
	c := newConn(nil, "bob", "", h.cfg) // held: events queue up without a writer
	h.attach(context.Background(), c, func() ([]chat.RoomSummary, error) { return nil, nil })
	h.joinRoom(context.Background(), "room", 1, []*Conn{c}, "bob")
	return h, bus, c
}

func publishSeq(t *testing.T, bus *inmem.Bus, st *fakeStore, seq int64) {
	t.Helper()
	m := chat.Message{ID: "m", RoomID: "room", Seq: seq, Kind: chat.Text, Text: "x"}
	st.mu.Lock()
	if st.msgs == nil {
		st.msgs = map[int64]chat.Message{}
	}
	st.msgs[seq] = m
	st.mu.Unlock()
	b, _ := json.Marshal(m)
	bus.Publish(context.Background(), chat.RoomTopic("room"), chat.Event{Type: chat.EvMessage, Room: "room", Seq: seq, Data: b})
}

func waitQueued(t *testing.T, c *Conn, want []int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := seqsQueued(c)
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("queued %v, want %v", got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Messages published out of order are delivered in order, without reading
// the store when the missing one comes through the bus in time.
func TestHubReordersWithoutTheStore(t *testing.T) {
	st := &fakeStore{}
	_, bus, c := newTestHub(t, st)
	st.reads = 0 // joining read the (empty) room once
	publishSeq(t, bus, st, 2)
	publishSeq(t, bus, st, 4)
	publishSeq(t, bus, st, 3)
	waitQueued(t, c, []int64{2, 3, 4})
	if st.reads != 0 {
		t.Fatalf("the store was read %d times for a reordering the bus repaired", st.reads)
	}
}

// A message the bus lost is read from the store; while the store is down,
// later messages wait rather than reach clients with a gap.
func TestHubHoldsLaterMessagesUntilTheStoreAnswers(t *testing.T) {
	st := &fakeStore{}
	_, bus, c := newTestHub(t, st)
	publishSeq(t, bus, st, 2)
	st.mu.Lock()
	st.msgs[3] = chat.Message{ID: "m", RoomID: "room", Seq: 3, Kind: chat.Text} // committed, its publish lost
	st.down = true
	st.mu.Unlock()
	publishSeq(t, bus, st, 4)
	publishSeq(t, bus, st, 5)
	time.Sleep(100 * time.Millisecond)
	if got := seqsQueued(c); !slices.Equal(got, []int64{2}) {
		t.Fatalf("while the store is down, queued %v: later messages must wait", got)
	}
	st.mu.Lock()
	st.down = false
	st.mu.Unlock()
	waitQueued(t, c, []int64{2, 3, 4, 5})
}

// In a big room a count waits for a window that carries a message: alone
// it is due lazyWindows windows later; a message brings the flush forward to
// one window, and both go out in one payload per connection.
func TestBigRoomCountsRideWithTheNextMessage(t *testing.T) {
	cfg := Config{MaxQueueBytes: 1 << 30, FanoutWindow: time.Hour}.withDefaults()
	h := NewHub(inmem.NewBus(), nil, slog.Default(), cfg)
	r, _ := h.room("room", 0)
	conns := make([]*Conn, h.cfg.FanoutBatchConns)
	for i := range conns {
		c := newConn(nil, chat.UserID(rune('a'+i%26))+chat.UserID(string(rune('0'+i/26))), "", h.cfg)
		conns[i] = c
		r.members[c.user] = []*Conn{c}
	}
	r.dirty = true
	due := func() time.Duration {
		r.mu.Lock()
		defer r.mu.Unlock()
		return time.Until(r.flushAt)
	}

	h.onRoomEvent(r, chat.Event{Type: chat.EvReceipts, Room: "room", Data: []byte(`{"room_id":"room","counts":[]}`)})
	if d := due(); d < 4*time.Hour {
		t.Fatalf("a lone count is due in %s, want about %d windows", d, lazyWindows)
	}
	h.onRoomEvent(r, chat.Event{Type: chat.EvMessage, Room: "room", Seq: 1, Data: []byte(`{"room_id":"room","seq":1}`)})
	if d := due(); d > time.Hour {
		t.Fatalf("with a message the batch is due in %s, want one window", d)
	}
	h.onRoomEvent(r, chat.Event{Type: chat.EvRoomPresence, Room: "room", Data: []byte(`{"room_id":"room","online":3}`)})
	if d := due(); d > time.Hour {
		t.Fatalf("a later count pushed the flush back to %s", d)
	}

	r.mu.Lock()
	h.flushLocked(r) // what the window's timer does
	r.mu.Unlock()
	for _, c := range conns {
		c.mu.Lock()
		n, events := len(c.queue), 0
		if n == 1 {
			events = c.queue[0].events
		}
		c.mu.Unlock()
		if n != 1 || events != 3 {
			t.Fatalf("connection got %d payloads holding %d events, want 1 holding 3", n, events)
		}
	}
}

// commitSeq stores a message without publishing it: its publish is still on
// its way, or lost.
func commitSeq(st *fakeStore, seq int64) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.msgs == nil {
		st.msgs = map[int64]chat.Message{}
	}
	st.msgs[seq] = chat.Message{ID: "m", RoomID: "room", Seq: seq, Kind: chat.Text, Text: "x"}
}

func attachedConn(h *Hub, user chat.UserID) *Conn {
	c := newConn(nil, user, "", h.cfg)
	h.attach(context.Background(), c, func() ([]chat.RoomSummary, error) { return nil, nil })
	return c
}

// A connection whose snapshot is ahead of what this node has delivered (the
// newest messages' publishes are still on their way) joins after the room
// catches up from the store: the room's members get those messages, the
// new connection gets none of them, and their late publishes change nothing.
func TestHubJoinAheadOfTheRoomStartsAfterTheSnapshot(t *testing.T) {
	st := &fakeStore{}
	h, bus, bob := newTestHub(t, st)
	commitSeq(st, 2)
	commitSeq(st, 3)
	carol := attachedConn(h, "carol")
	h.start(context.Background(), carol, []chat.RoomSummary{{Room: chat.Room{ID: "room", LastSeq: 3}}})
	if got := seqsQueued(carol); len(got) != 0 {
		t.Fatalf("the new connection got %v, which its snapshot (last_seq 3) covers", got)
	}
	waitQueued(t, bob, []int64{2, 3})
	publishSeq(t, bus, st, 2)
	publishSeq(t, bus, st, 3)
	publishSeq(t, bus, st, 4)
	waitQueued(t, carol, []int64{4})
	waitQueued(t, bob, []int64{2, 3, 4})
}

// A connection whose snapshot is behind the room here gets the difference
// from the store, then the live messages.
func TestHubJoinBehindTheRoomFillsTheGap(t *testing.T) {
	st := &fakeStore{}
	h, bus, bob := newTestHub(t, st)
	publishSeq(t, bus, st, 2)
	publishSeq(t, bus, st, 3)
	carol := attachedConn(h, "carol")
	h.start(context.Background(), carol, []chat.RoomSummary{{Room: chat.Room{ID: "room", LastSeq: 1}}})
	publishSeq(t, bus, st, 4)
	waitQueued(t, carol, []int64{2, 3, 4})
	waitQueued(t, bob, []int64{2, 3, 4})
}

// A message adding a user whose connection is still loading its snapshot
// does not start delivery from that message: the snapshot, taken later,
// says where the connection stands.
func TestHubAddWhileStartingWaitsForTheSnapshot(t *testing.T) {
	st := &fakeStore{}
	h, bus, _ := newTestHub(t, st)
	carol := attachedConn(h, "carol") // loading its rooms
	m := chat.Message{ID: "m", RoomID: "room", Seq: 2, Kind: chat.System,
		System: &chat.SystemEvent{Type: chat.MembersAdded, Users: []chat.UserID{"carol"}}}
	commitSeq(st, 2)
	b, _ := json.Marshal(m)
	bus.Publish(context.Background(), chat.RoomTopic("room"), chat.Event{Type: chat.EvMessage, Room: "room", Seq: 2, Added: []chat.UserID{"carol"}, Data: b})
	publishSeq(t, bus, st, 3)
	h.start(context.Background(), carol, []chat.RoomSummary{{Room: chat.Room{ID: "room", LastSeq: 3}}})
	publishSeq(t, bus, st, 4)
	waitQueued(t, carol, []int64{4})
}
