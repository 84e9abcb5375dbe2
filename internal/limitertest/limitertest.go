// Package limitertest is the conformance suite of chat.RateLimiter: the
// in-process buckets (internal/ratelimit) and the Redis ones (internal/redis)
// run it, so "take a token if one is left" means the same on one node and
// on many.
package limitertest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"parley/internal/chat"
)

// Open returns a limiter of the named buckets. Called again with the same
// name within a test it returns another handle on the same buckets (another
// node, for a shared implementation).
type Open func(t *testing.T, name string, perSecond float64, burst int) chat.RateLimiter

// Run runs the suite. Rates are tiny, so no token refills while a case runs.
func Run(t *testing.T, open Open) {
	const slow = 0.0001
	t.Run("BurstThenRefusal", func(t *testing.T) {
		l := open(t, "b", slow, 3)
		for i := range 3 {
			if !l.Allow("k") {
				t.Fatalf("take %d of a burst of 3 refused", i+1)
			}
		}
		if l.Allow("k") {
			t.Fatal("a fourth token taken")
		}
		if !l.Allow("other") {
			t.Fatal("keys share a bucket")
		}
	})
	t.Run("NamesAreIndependent", func(t *testing.T) {
		sends, joins := open(t, "sends", slow, 1), open(t, "joins", slow, 1)
		if !sends.Allow("k") || sends.Allow("k") {
			t.Fatal("a burst of 1 did not allow exactly one")
		}
		if !joins.Allow("k") {
			t.Fatal("limiters of different names share a bucket")
		}
	})
	t.Run("RefundGivesOneBackButNeverPastTheBurst", func(t *testing.T) {
		l := open(t, "r", slow, 2)
		l.Allow("k")
		l.Allow("k")
		l.Refund("k")
		if !l.Allow("k") {
			t.Fatal("refunded token not there")
		}
		if l.Allow("k") {
			t.Fatal("refund gave more than one token")
		}
		for range 5 {
			l.Refund("fresh")
		}
		if !l.Allow("fresh") || !l.Allow("fresh") || l.Allow("fresh") {
			t.Fatal("refunds filled a bucket past its burst")
		}
	})
	t.Run("ExhaustedTakesNothing", func(t *testing.T) {
		l := open(t, "e", slow, 1)
		for range 3 {
			if l.Exhausted("k") {
				t.Fatal("full bucket exhausted")
			}
		}
		if !l.Allow("k") || !l.Exhausted("k") {
			t.Fatal("Exhausted took the token, or does not see it gone")
		}
	})
	t.Run("ConcurrentTakesNeverPassTheBurst", func(t *testing.T) {
		// Two handles (nodes), 150 takes at once: exactly the burst wins.
		nodes := []chat.RateLimiter{open(t, "c", slow, 10), open(t, "c", slow, 10)}
		var won atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 150 {
			wg.Go(func() {
				<-start
				if nodes[i%2].Allow("k") {
					won.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		if won.Load() != 10 {
			t.Fatalf("%d of 150 concurrent takes won, want exactly 10", won.Load())
		}
	})
	t.Run("ConcurrentTakeAndRefundBalance", func(t *testing.T) {
		// Each worker takes and gives back: the bucket ends as full as it began.
		l := open(t, "t", slow, 5)
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				for range 10 {
					if l.Allow("k") {
						l.Refund("k")
					}
				}
			})
		}
		wg.Wait()
		got := 0
		for range 8 {
			if l.Allow("k") {
				got++
			}
		}
		if got != 5 {
			t.Fatal(fmt.Sprintf("%d tokens left after balanced takes and refunds, want 5", got))
		}
	})
}
