package chat

import (
	"context"
	"math"
	"slices"
	"sync"
	"time"
)

// MarkRead moves the caller's read position forward to seq (capped at the
// room's last seq). The caller's other devices hear it at once; the room hears
// it through the coalesced receipts event.
func (s *Service) MarkRead(ctx context.Context, caller UserID, room RoomID, seq int64) (ReadPosition, error) {
	if seq < 0 {
		return ReadPosition{}, Errorf(Invalid, "seq must not be negative")
	}
	if err := validateString("room_id", string(room)); err != nil {
		return ReadPosition{}, err
	}
	before, after, err := s.store.MarkRead(ctx, room, caller, seq)
	if ErrorCode(err) == NotFound {
		return ReadPosition{}, Errorf(NotFound, "room not found")
	}
	if err != nil {
		return ReadPosition{}, err
	}
	pos := ReadPosition{RoomID: room, UserID: caller, LastReadSeq: after}
	if pos.Mentions, pos.LastSeq, err = s.store.UnreadMentions(ctx, room, caller, after, math.MaxInt64); err != nil {
		return ReadPosition{}, err
	}
	if pos.Unread, err = s.store.Unread(ctx, room, after, pos.LastSeq); err != nil {
		return ReadPosition{}, err
	}
	if after != before {
		s.publish(ctx, UserTopic(caller), Event{Type: EvRead, Room: room, Data: raw(pos)})
		s.receipts.touch(room, before, after)
	}
	return pos, nil
}

// Receipts returns the room's read-position histogram (see ReadCount).
func (s *Service) Receipts(ctx context.Context, caller UserID, room RoomID) ([]ReadCount, error) {
	if _, err := s.member(ctx, room, caller); err != nil {
		return nil, err
	}
	return s.store.ReadCounts(ctx, room)
}

func (s *Service) flushReceipts(room RoomID, seqs []int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := s.counts.get(ctx, s.store, room, seqs)
	if s.outages.Observe("receipts flush", err, "room", room); err != nil {
		return
	}
	// Absolute counts, zero included, make the event idempotent: a client can
	// apply it twice or late and still hold the right histogram.
	counts := make([]ReadCount, 0, len(seqs))
	for _, seq := range seqs {
		c := ReadCount{Seq: seq}
		if i := slices.IndexFunc(got, func(g ReadCount) bool { return g.Seq == seq }); i >= 0 {
			c.Count = got[i].Count
		}
		counts = append(counts, c)
	}
	s.publish(ctx, RoomTopic(room), Event{Type: EvReceipts, Room: room, Data: raw(ReceiptsData{RoomID: room, Counts: counts})})
}

// readCountBatch lets the receipt flushes of many rooms share one query
// (Store.ReadCountsOf): under load nearly every send opens its room's
// window and flushes at once, a read each. A flush that finds no query
// running runs one, for itself and every flush that queued meanwhile; the
// others wait for it, and when it is done the first flush queued since leads
// the next one. A flush alone waits for nobody, and every count is read
// after its flush was asked for, so it is as exact as a read of its own.
type readCountBatch struct {
	mu      sync.Mutex
	running bool
	queued  []*countWait
}

type countWait struct {
	room RoomID
	seqs []int64
	done chan countResult // buffered: the lead, then the result, each read before the next is sent
}

type countResult struct {
	lead   bool // run the queue now
	counts []ReadCount
	err    error
}

func (b *readCountBatch) get(ctx context.Context, store Store, room RoomID, seqs []int64) ([]ReadCount, error) {
	w := &countWait{room: room, seqs: seqs, done: make(chan countResult, 1)}
	b.mu.Lock()
	b.queued = append(b.queued, w)
	lead := !b.running
	b.running = true
	b.mu.Unlock()
	if !lead {
		if r := <-w.done; !r.lead {
			return r.counts, r.err
		}
	}
	b.run(ctx, store)
	r := <-w.done
	return r.counts, r.err
}

// run answers what is queued, w's own flush among it, with one query, then
// hands the lead to the first flush queued since, if any.
func (b *readCountBatch) run(ctx context.Context, store Store) {
	b.mu.Lock()
	batch := b.queued
	b.queued = nil
	b.mu.Unlock()
	want := make(map[RoomID][]int64, len(batch))
	for _, w := range batch {
		want[w.room] = append(want[w.room], w.seqs...)
	}
	got, err := store.ReadCountsOf(ctx, want)
	for _, w := range batch {
		w.done <- countResult{counts: got[w.room], err: err}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queued) == 0 {
		b.running = false
		return
	}
	b.queued[0].done <- countResult{lead: true}
}

// receiptCoalescer throttles a room's receipts events to one per window. A
// touch in a quiet room goes out at once, in the caller's goroutine — right
// before the message it comes with, so both share a write to each member —
// and opens a window; touches inside the window go out together when it ends.
// However many members read, a room gets at most one receipts event per
// window, so receipts never multiply the fan-out.
type receiptCoalescer struct {
	window time.Duration
	flush  func(RoomID, []int64)

	mu      sync.Mutex
	pending map[RoomID]map[int64]struct{} // touched inside the open window
	timers  map[RoomID]*time.Timer        // the rooms whose window is open
	stopped bool
}

func newReceiptCoalescer(window time.Duration, flush func(RoomID, []int64)) *receiptCoalescer {
	return &receiptCoalescer{window: window, flush: flush,
		pending: make(map[RoomID]map[int64]struct{}), timers: make(map[RoomID]*time.Timer)}
}

func (c *receiptCoalescer) touch(room RoomID, seqs ...int64) {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	if c.timers[room] != nil {
		set := c.pending[room]
		if set == nil {
			set = make(map[int64]struct{})
			c.pending[room] = set
		}
		for _, s := range seqs {
			set[s] = struct{}{}
		}
		c.mu.Unlock()
		return
	}
	c.openLocked(room)
	c.mu.Unlock()
	now := slices.Clone(seqs)
	slices.Sort(now)
	c.flush(room, slices.Compact(now))
}

func (c *receiptCoalescer) openLocked(room RoomID) {
	c.timers[room] = time.AfterFunc(c.window, func() { c.fire(room) })
}

// fire ends a room's window: what it gathered goes out and opens the next
// one; an empty window closes, so the room's next touch goes out at once.
func (c *receiptCoalescer) fire(room RoomID) {
	c.mu.Lock()
	set := c.pending[room]
	delete(c.pending, room)
	delete(c.timers, room)
	if c.stopped || len(set) == 0 {
		c.mu.Unlock()
		return
	}
	c.openLocked(room)
	c.mu.Unlock()
	seqs := make([]int64, 0, len(set))
	for s := range set {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	c.flush(room, seqs)
}

func (c *receiptCoalescer) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	for _, t := range c.timers {
		t.Stop()
	}
}
