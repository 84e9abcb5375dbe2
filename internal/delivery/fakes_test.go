package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"parley/internal/chat"
)

// fakeStore is the hub's view of the store: messages by seq, a switch to
// make it unreachable, and an optional gate that holds every read.
type fakeStore struct {
	mu      sync.Mutex
	msgs    map[int64]chat.Message
	down    bool
	reads   int
	gate    chan struct{} // when set, a read waits for a receive from it
	entered chan struct{} // when set, a read sends here first
}

func (f *fakeStore) backfill(_ context.Context, room chat.RoomID, after, upTo int64) ([]chat.Message, error) {
	f.mu.Lock()
	gate, entered := f.gate, f.entered
	f.mu.Unlock()
	if entered != nil {
		entered <- struct{}{}
	}
	if gate != nil {
		<-gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if f.down {
		return nil, errors.New("store down")
	}
	var out []chat.Message
	for s, m := range f.msgs {
		if m.RoomID == room && s > after && s <= upTo {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b chat.Message) int { return int(a.Seq - b.Seq) })
	return out, nil
}

func (f *fakeStore) setDown(down bool) {
	f.mu.Lock()
	f.down = down
	f.mu.Unlock()
}

func (f *fakeStore) readCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads
}

// commit stores a message of room "room" without publishing it: its publish
// is still on its way, or lost.
func (f *fakeStore) commit(seq int64, system *chat.SystemEvent) chat.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.msgs == nil {
		f.msgs = map[int64]chat.Message{}
	}
	m := chat.Message{ID: "m", RoomID: "room", Seq: seq, Kind: chat.Text, Text: "x", System: system}
	if system != nil {
		m.Kind = chat.System
	}
	f.msgs[seq] = m
	return m
}

// fakeBus delivers synchronously, in the publisher's goroutine, like the
// in-process bus; a test drops or reorders an event by not publishing it or
// publishing it later.
type fakeBus struct {
	mu   sync.Mutex
	subs map[string]map[int]func(chat.Event)
	next int
}

func (b *fakeBus) Publish(_ context.Context, topic string, ev chat.Event) error {
	b.mu.Lock()
	fns := make([]func(chat.Event), 0, len(b.subs[topic]))
	for _, fn := range b.subs[topic] {
		fns = append(fns, fn)
	}
	b.mu.Unlock()
	for _, fn := range fns {
		fn(ev)
	}
	return nil
}

func (b *fakeBus) Subscribe(topic string, fn func(chat.Event)) func() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs == nil {
		b.subs = map[string]map[int]func(chat.Event){}
	}
	if b.subs[topic] == nil {
		b.subs[topic] = map[int]func(chat.Event){}
	}
	b.next++
	id := b.next
	b.subs[topic][id] = fn
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs[topic], id)
		if len(b.subs[topic]) == 0 {
			delete(b.subs, topic)
		}
	}
}

func (b *fakeBus) subscribed(topic string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs[topic]) > 0
}

// publish sends message seq of room "room", storing it first as the
// service does.
func (b *fakeBus) publish(st *fakeStore, seq int64) {
	b.publishMsg(st.commit(seq, nil))
}

func (b *fakeBus) publishMsg(m chat.Message) {
	added, removed := chat.MembershipChange(m)
	data, _ := json.Marshal(m)
	b.Publish(context.Background(), chat.RoomTopic(m.RoomID), chat.Event{Type: chat.EvMessage, Room: m.RoomID, Seq: m.Seq, Added: added, Removed: removed, Data: data})
}

// fakeClock fires timers only when the test advances it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []fakeTimer
}

type fakeTimer struct {
	at time.Time
	f  func()
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timers = append(c.timers, fakeTimer{c.now.Add(d), f})
}

// Advance moves time forward by d, firing every timer that comes due, in
// order, including timers those timers set within the span.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		sort.SliceStable(c.timers, func(i, j int) bool { return c.timers[i].at.Before(c.timers[j].at) })
		if len(c.timers) == 0 || c.timers[0].at.After(end) {
			c.now = end
			c.mu.Unlock()
			return
		}
		t := c.timers[0]
		c.timers = c.timers[1:]
		c.now = t.at
		c.mu.Unlock()
		t.f()
	}
}

// fakeRecipient records what the hub hands it.
type fakeRecipient struct {
	user    chat.UserID
	session string

	mu       sync.Mutex
	payloads [][]byte
	events   int
	closed   int // close code, 0 while open
	// limit, when set, makes the recipient close itself as too slow once
	// it holds more than limit payloads, as a real connection does.
	limit int
}

func (f *fakeRecipient) User() chat.UserID { return f.user }
func (f *fakeRecipient) Session() string   { return f.session }

func (f *fakeRecipient) Enqueue(b []byte, events int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed != 0 {
		return
	}
	if f.limit > 0 && len(f.payloads) >= f.limit {
		f.closed = 4001
		return
	}
	f.payloads = append(f.payloads, b)
	f.events += events
}

func (f *fakeRecipient) Close(code int, _ string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed == 0 {
		f.closed = code
	}
}

func (f *fakeRecipient) closeCode() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}

// frames is every event frame received, in order, split out of payloads.
func (f *fakeRecipient) frames() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, p := range f.payloads {
		for line := range strings.SplitSeq(string(p), "\n") {
			out = append(out, line)
		}
	}
	return out
}

// seqs is the seqs of the message events received.
func (f *fakeRecipient) seqs() []int64 {
	var out []int64
	for _, line := range f.frames() {
		var ev struct {
			Type string       `json:"type"`
			Data chat.Message `json:"data"`
		}
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Type == "message" {
			out = append(out, ev.Data.Seq)
		}
	}
	return out
}

func (f *fakeRecipient) payloadCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.payloads)
}

type harness struct {
	h     *Hub
	bus   *fakeBus
	st    *fakeStore
	clock *fakeClock
	log   *logBuffer // what the hub logged at warning level and above
}

func newHarness(t testing.TB, cfg Config) *harness {
	t.Helper()
	x := &harness{bus: &fakeBus{}, st: &fakeStore{}, clock: newFakeClock(), log: &logBuffer{}}
	cfg.Clock = x.clock
	x.h = NewHub(x.bus, x.st.backfill, slog.New(slog.NewTextHandler(x.log, &slog.HandlerOptions{Level: slog.LevelWarn})), cfg)
	return x
}

// logBuffer collects log lines from any goroutine.
type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// connect attaches a recipient of user whose ready snapshot has room "room"
// at lastSeq (or no room when lastSeq < 0), and starts it.
func (x *harness) connect(user chat.UserID, lastSeq int64) *fakeRecipient {
	rc := &fakeRecipient{user: user, session: "s-" + string(user)}
	var rooms []chat.RoomSummary
	if lastSeq >= 0 {
		rooms = []chat.RoomSummary{{Room: chat.Room{ID: "room", LastSeq: lastSeq}}}
	}
	x.h.Attach(context.Background(), rc, func() ([]chat.RoomSummary, error) { return rooms, nil })
	x.h.Start(context.Background(), rc, rooms)
	return rc
}

func wantSeqs(t *testing.T, who string, rc *fakeRecipient, want ...int64) {
	t.Helper()
	if got := rc.seqs(); !slices.Equal(got, want) {
		t.Fatalf("%s got seqs %v, want %v", who, got, want)
	}
}
