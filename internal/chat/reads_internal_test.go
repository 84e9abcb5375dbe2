package chat

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// The window here never ends by itself: the test ends it with fire, so what
// goes out when is decided by the coalescer's logic alone.
func TestReceiptCoalescerLeadingEdgeThenOnePerWindow(t *testing.T) {
	var flushed [][]int64
	c := newReceiptCoalescer(time.Hour, func(_ RoomID, seqs []int64) { flushed = append(flushed, seqs) })
	defer c.stop()
	want := func(step string, w ...[]int64) {
		t.Helper()
		if !slices.EqualFunc(flushed, w, slices.Equal[[]int64]) {
			t.Fatalf("%s: flushed %v, want %v", step, flushed, w)
		}
	}

	c.touch("r", 7, 3, 7)
	want("a quiet room's touch goes out at once", []int64{3, 7})

	c.touch("r", 8)
	c.touch("r", 9, 8)
	c.touch("other", 1)
	want("inside the window only another room goes out", []int64{3, 7}, []int64{1})

	c.fire("r")
	want("the window's end sends what it gathered", []int64{3, 7}, []int64{1}, []int64{8, 9})

	c.touch("r", 10)
	want("that flush opened a new window", []int64{3, 7}, []int64{1}, []int64{8, 9})
	c.fire("r")
	c.fire("r") // an empty window closes
	c.touch("r", 11)
	want("after an empty window the next touch is immediate",
		[]int64{3, 7}, []int64{1}, []int64{8, 9}, []int64{10}, []int64{11})

	c.stop()
	c.fire("r")
	c.touch("r", 12)
	want("nothing goes out once stopped",
		[]int64{3, 7}, []int64{1}, []int64{8, 9}, []int64{10}, []int64{11})
}

// countStore answers ReadCountsOf with one member at every seq asked, and
// holds its first query until release is closed, so flushes pile up behind it.
type countStore struct {
	Store
	release chan struct{}
	mu      sync.Mutex
	queries []map[RoomID][]int64
}

func (s *countStore) ReadCountsOf(_ context.Context, want map[RoomID][]int64) (map[RoomID][]ReadCount, error) {
	s.mu.Lock()
	s.queries = append(s.queries, want)
	first := len(s.queries) == 1
	s.mu.Unlock()
	if first {
		<-s.release
	}
	out := make(map[RoomID][]ReadCount)
	for room, seqs := range want {
		for _, seq := range seqs {
			out[room] = append(out[room], ReadCount{Seq: seq, Count: 1})
		}
	}
	return out, nil
}

// Flushes that arrive while a query runs share the next one, and each gets
// its own room's counts.
func TestReadCountBatchSharesOneQuery(t *testing.T) {
	st := &countStore{release: make(chan struct{})}
	var b readCountBatch
	ctx := context.Background()
	type got struct {
		room   RoomID
		counts []ReadCount
		err    error
	}
	results := make(chan got, 4)
	get := func(room RoomID, seq int64) {
		c, err := b.get(ctx, st, room, []int64{seq})
		results <- got{room, c, err}
	}
	go get("first", 1)
	queued := func(n int) bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.queued) == n
	}
	deadline := time.Now().Add(10 * time.Second)
	for st.queryCount() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the first flush never queried")
		}
		time.Sleep(time.Millisecond)
	}
	for i, room := range []RoomID{"a", "b", "c"} {
		go get(room, int64(i+10))
	}
	for !queued(3) {
		if time.Now().After(deadline) {
			t.Fatal("the flushes never queued behind the running query")
		}
		time.Sleep(time.Millisecond)
	}
	close(st.release)
	for range 4 {
		r := <-results
		if r.err != nil || len(r.counts) != 1 {
			t.Fatalf("%s: %v, %v", r.room, r.counts, r.err)
		}
	}
	if n := st.queryCount(); n != 2 {
		t.Fatalf("%d queries for 4 flushes, want 2: %v", n, st.queries)
	}
	if len(st.queries[1]) != 3 {
		t.Errorf("second query %v, want the three queued rooms", st.queries[1])
	}
}

func (s *countStore) queryCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queries)
}
