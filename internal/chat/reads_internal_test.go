package chat

import (
	"slices"
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
