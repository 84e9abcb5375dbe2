package redis

import (
	"context"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"parley/internal/chat"
	"parley/internal/limitertest"
)

// cleanupKeys deletes the test's buckets (the keys would expire anyway).
func cleanupKeys(t *testing.T, client rueidis.Client, pattern string) {
	t.Cleanup(func() {
		ctx := context.Background()
		var cursor uint64
		for {
			e, err := client.Do(ctx, client.B().Scan().Cursor(cursor).Match(pattern).Count(1000).Build()).AsScanEntry()
			if err != nil {
				return
			}
			if len(e.Elements) > 0 {
				client.Do(ctx, client.B().Del().Key(e.Elements...).Build())
			}
			if cursor = e.Cursor; cursor == 0 {
				return
			}
		}
	})
}

func TestLimiterBurstThenRefusal(t *testing.T) {
	t.Parallel()
	client := testClient(t)
	prefix := "test" + uniq(t)
	cleanupKeys(t, client, "parley:rl:"+prefix+":*")
	l := NewLimiters(client, prefix)("sends", 1, 3)
	for i := range 3 {
		if !l.Allow("u1") {
			t.Fatalf("call %d refused within the burst", i+1)
		}
	}
	if l.Allow("u1") {
		t.Fatal("call past the burst allowed")
	}
	if !l.Allow("u2") {
		t.Fatal("another key shares the bucket")
	}
	pttl, err := client.Do(t.Context(), client.B().Pttl().Key("parley:rl:"+prefix+":sends:u1").Build()).AsInt64()
	if err != nil || pttl <= 0 || pttl > 5000 {
		t.Fatalf("bucket pttl = %d, %v; want it to expire once full again (~4 s)", pttl, err)
	}
}

func TestLimiterRefill(t *testing.T) {
	t.Parallel()
	client := testClient(t)
	prefix := "test" + uniq(t)
	cleanupKeys(t, client, "parley:rl:"+prefix+":*")
	// A token every 500 ms: the margins (100 ms one way, 400 ms the other)
	// hold on a loaded machine, where a Redis round trip can take tens of ms.
	l := NewLimiters(client, prefix)("sends", 2, 2)
	if !l.Allow("u") || !l.Allow("u") {
		t.Fatal("burst refused")
	}
	if l.Allow("u") {
		t.Fatal("empty bucket allowed")
	}
	time.Sleep(600 * time.Millisecond)
	if !l.Allow("u") {
		t.Fatal("not refilled after one token's time")
	}
	if l.Allow("u") {
		t.Fatal("refilled more than one token")
	}
	time.Sleep(1750 * time.Millisecond) // 3.5 tokens' time, capped at the burst
	if !l.Allow("u") || !l.Allow("u") {
		t.Fatal("not refilled to the burst")
	}
	if l.Allow("u") {
		t.Fatal("refilled past the burst")
	}
}

func TestLimiterExhaustedDoesNotConsume(t *testing.T) {
	t.Parallel()
	client := testClient(t)
	prefix := "test" + uniq(t)
	cleanupKeys(t, client, "parley:rl:"+prefix+":*")
	l := NewLimiters(client, prefix)("logins", 0.01, 2)
	for range 5 {
		if l.Exhausted("alice") {
			t.Fatal("fresh bucket exhausted")
		}
	}
	if !l.Allow("alice") || l.Exhausted("alice") || !l.Allow("alice") {
		t.Fatal("Exhausted took tokens")
	}
	if !l.Exhausted("alice") {
		t.Fatal("empty bucket not exhausted")
	}
	if l.Allow("alice") {
		t.Fatal("empty bucket allowed")
	}
}

func TestLimiterSharedAcrossNodes(t *testing.T) {
	t.Parallel()
	prefix := "test" + uniq(t)
	c1, c2 := testClient(t), testClient(t)
	cleanupKeys(t, c1, "parley:rl:"+prefix+":*")
	node1 := NewLimiters(c1, prefix)("sends", 0.01, 2)
	node2 := NewLimiters(c2, prefix)("sends", 0.01, 2)
	other := NewLimiters(c2, prefix)("joins", 0.01, 2)
	if !node1.Allow("u") || !node2.Allow("u") {
		t.Fatal("burst refused")
	}
	if node1.Allow("u") || node2.Allow("u") || !node2.Exhausted("u") {
		t.Fatal("the nodes do not share the bucket")
	}
	if !other.Allow("u") {
		t.Fatal("limiters of different names share a bucket")
	}
}

// Without Redis the node's own bucket decides: the limit holds per node,
// promptly.
func TestLimiterFallsBackToTheNodesBucket(t *testing.T) {
	t.Parallel()
	client, err := NewClient(testURL())
	requireRedis(t, err)
	client.Close()
	l := NewLimiters(client, "test"+uniq(t))("sends", 0.001, 2)
	start := time.Now()
	if !l.Allow("u") || l.Exhausted("u") || !l.Allow("u") {
		t.Fatal("limiter without Redis refuses within the burst")
	}
	if l.Allow("u") || !l.Exhausted("u") {
		t.Fatal("limiter without Redis allows past the burst")
	}
	l.Refund("u")
	if !l.Allow("u") {
		t.Fatal("refund lost without Redis")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("falling back took %v", d)
	}
}

func TestLimiterConformance(t *testing.T) {
	t.Parallel()
	prefix := "test" + uniq(t)
	c1, c2 := testClient(t), testClient(t)
	cleanupKeys(t, c1, "parley:rl:"+prefix+":*")
	n := 0
	limitertest.Run(t, func(t *testing.T, name string, perSecond float64, burst int) chat.RateLimiter {
		// Alternate clients: each handle is another node on the same buckets.
		n++
		c := c1
		if n%2 == 0 {
			c = c2
		}
		return NewLimiters(c, prefix+":"+t.Name())(name, perSecond, burst)
	})
}
