package bench

import (
	"math/bits"
	"sync"
	"time"
)

// Histogram is a compact HDR-style latency histogram: log-linear buckets of
// one microsecond each below 256 µs, then 128 buckets per power of two up to
// about 67 s, so any recorded value is known to within 1/128 (< 0.8 %). It
// takes 20 KiB whatever the number of samples, which is what lets the bench
// keep one per shard and one per second of the run.
type Histogram struct {
	counts [histBuckets]uint64
	n      uint64
	max    uint64 // µs, exact
}

const (
	histSubBits = 7                // 128 sub-buckets per power of two
	histSub     = 1 << histSubBits // 128
	histLinear  = 2 * histSub      // values below 256 µs have their own bucket
	histMaxBits = 26               // 2^26 µs ≈ 67 s: anything slower is clamped
	histBuckets = histLinear + (histMaxBits-histSubBits-1)*histSub
	histMaxUS   = 1<<histMaxBits - 1 // largest value a bucket holds
)

// bucketOf maps a value in microseconds to its bucket.
func bucketOf(us uint64) int {
	if us < histLinear {
		return int(us)
	}
	if us > histMaxUS {
		us = histMaxUS
	}
	shift := bits.Len64(us) - histSubBits - 1 // ≥ 1: keeps 8 significant bits
	return histLinear + (shift-1)*histSub + int(us>>shift) - histSub
}

// bucketRange is the smallest and largest value (µs) of bucket i.
func bucketRange(i int) (lo, hi uint64) {
	if i < histLinear {
		return uint64(i), uint64(i)
	}
	shift := (i-histLinear)/histSub + 1
	lo = uint64((i-histLinear)%histSub+histSub) << shift
	return lo, lo + 1<<shift - 1
}

// Record adds one value. Negative durations (clock steps) count as zero.
func (h *Histogram) Record(d time.Duration) {
	us := uint64(0)
	if d > 0 {
		us = uint64(d / time.Microsecond)
	}
	h.counts[bucketOf(us)]++
	h.n++
	if us > h.max {
		h.max = us
	}
}

// Count is the number of recorded values.
func (h *Histogram) Count() uint64 { return h.n }

// Max is the largest recorded value (exact, to the microsecond).
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) * time.Microsecond }

// Quantile returns the value below which a fraction q of the samples fall:
// the middle of the bucket holding the ceil(q·n)-th smallest sample (never
// above Max). Zero when the histogram is empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.999999)
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, hi := bucketRange(i)
			v := min(lo+(hi-lo)/2, h.max)
			return time.Duration(v) * time.Microsecond
		}
	}
	return h.Max()
}

// Merge adds o's samples to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// Reset empties h.
func (h *Histogram) Reset() { *h = Histogram{} }

// each calls fn for every non-empty bucket, in increasing order.
func (h *Histogram) each(fn func(lo, hi uint64, count uint64)) {
	for i, c := range h.counts {
		if c > 0 {
			lo, hi := bucketRange(i)
			fn(lo, hi, c)
		}
	}
}

// recorder is a Histogram many goroutines write at once. Writers are spread
// over shards (each its own lock and cache lines) so 15,000 reader goroutines
// do not queue on one mutex; each shard keeps the whole run and the current
// one-second window, which the sampler takes and resets.
type recorder struct {
	shards []recShard
}

type recShard struct {
	mu     sync.Mutex
	total  Histogram
	window Histogram
	_      [64]byte // keep neighbouring shards' locks off one cache line
}

func newRecorder(shards int) *recorder {
	return &recorder{shards: make([]recShard, max(shards, 1))}
}

// shard returns the shard for writer k; callers lock it and use add, so a
// batch of values costs one lock.
func (r *recorder) shard(k int) *recShard { return &r.shards[k%len(r.shards)] }

func (s *recShard) add(d time.Duration) {
	s.total.Record(d)
	s.window.Record(d)
}

// Record adds one value from writer k.
func (r *recorder) Record(k int, d time.Duration) {
	s := r.shard(k)
	s.mu.Lock()
	s.add(d)
	s.mu.Unlock()
}

// Window returns the values recorded since the previous call and starts a
// new window.
func (r *recorder) Window() *Histogram {
	h := new(Histogram)
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.Lock()
		h.Merge(&s.window)
		s.window.Reset()
		s.mu.Unlock()
	}
	return h
}

// Total returns every value recorded so far.
func (r *recorder) Total() *Histogram {
	h := new(Histogram)
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.Lock()
		h.Merge(&s.total)
		s.mu.Unlock()
	}
	return h
}
