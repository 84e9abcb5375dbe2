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
