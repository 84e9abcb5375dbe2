package bench

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	us := time.Microsecond
	tests := []struct {
		name   string
		values func(h *Histogram)
		q      float64
		want   time.Duration
		tol    float64 // relative
	}{
		{"empty", func(*Histogram) {}, .99, 0, 0},
		{"single", func(h *Histogram) { h.Record(1234 * us) }, .5, 1234 * us, .01},
		{"exact below 256µs", func(h *Histogram) {
			for v := 1; v <= 100; v++ {
				h.Record(time.Duration(v) * us)
			}
		}, .9, 90 * us, 0},
		{"uniform 1..10000µs p50", uniform(10000), .5, 5000 * us, .01},
		{"uniform 1..10000µs p99", uniform(10000), .99, 9900 * us, .01},
		{"uniform 1..10000µs p999", uniform(10000), .999, 9990 * us, .01},
		{"q=1 is the max", uniform(10000), 1, 10000 * us, .01},
		{"bimodal p50 in the low mode", bimodal, .5, time.Millisecond, .01},
		{"bimodal p99 in the high mode", bimodal, .99, time.Second, .01},
		{"negative counts as zero", func(h *Histogram) { h.Record(-time.Second) }, .5, 0, 0},
		{"beyond the range is clamped", func(h *Histogram) { h.Record(10 * time.Minute) }, .5, 67108 * time.Millisecond, .01},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Histogram
			tt.values(&h)
			got := h.Quantile(tt.q)
			if diff := math.Abs(float64(got - tt.want)); diff > tt.tol*float64(tt.want) {
				t.Errorf("Quantile(%v) = %v, want %v ± %.1f%%", tt.q, got, tt.want, tt.tol*100)
			}
		})
	}
}

func uniform(n int) func(h *Histogram) {
	return func(h *Histogram) {
		for _, v := range rand.Perm(n) {
			h.Record(time.Duration(v+1) * time.Microsecond)
		}
	}
}

func bimodal(h *Histogram) {
	for range 980 {
		h.Record(time.Millisecond)
	}
	for range 20 {
		h.Record(time.Second)
	}
}

// Every value falls in a bucket whose range holds it and is at most 1/128
// of it wide: the histogram's precision claim.
func TestHistogramBucketPrecision(t *testing.T) {
	for _, v := range []uint64{0, 1, 255, 256, 257, 511, 512, 1000, 12345, 999999, 1 << 20, histMaxUS} {
		i := bucketOf(v)
		lo, hi := bucketRange(i)
		if v < lo || v > hi {
			t.Errorf("value %d in bucket %d = [%d, %d]", v, i, lo, hi)
		}
		if v >= histLinear && float64(hi-lo+1)/float64(lo) > 1.0/128+1e-9 {
			t.Errorf("bucket [%d, %d] is wider than 1/128", lo, hi)
		}
		if i < 0 || i >= histBuckets {
			t.Errorf("bucket %d out of range", i)
		}
	}
	if i := bucketOf(histMaxUS); i != histBuckets-1 {
		t.Errorf("largest value in bucket %d, want the last (%d)", i, histBuckets-1)
	}
}

func TestHistogramMergeAndRecorder(t *testing.T) {
	rec := newRecorder(4)
	for k := range 8 {
		for v := 1; v <= 1000; v++ {
			rec.Record(k, time.Duration(v)*time.Millisecond)
		}
	}
	w := rec.Window()
	if w.Count() != 8000 || w.Max() != time.Second {
		t.Fatalf("window: count %d max %v", w.Count(), w.Max())
	}
	if again := rec.Window(); again.Count() != 0 {
		t.Errorf("window not reset: %d", again.Count())
	}
	tot := rec.Total()
	if tot.Count() != 8000 {
		t.Errorf("total count %d", tot.Count())
	}
	if p := tot.Quantile(.5); math.Abs(float64(p-500*time.Millisecond)) > 0.01*float64(500*time.Millisecond) {
		t.Errorf("merged p50 %v", p)
	}
}
