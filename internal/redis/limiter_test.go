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
			// One DEL a key: on a cluster the keys are in several slots.
			dels := make(rueidis.Commands, len(e.Elements))
			for i, k := range e.Elements {
				dels[i] = client.B().Del().Key(k).Build()
			}
			client.DoMulti(ctx, dels...)
			if cursor = e.Cursor; cursor == 0 {
				return
			}
		}
	})
}

// A bucket's key expires once the bucket would be full again: Redis keeps
// no bucket nobody is using (the suite checks what the buckets answer).
func TestLimiterBucketExpiresOnceFull(t *testing.T) {
	t.Parallel()
	client := testClient(t)
	prefix := "test" + uniq(t)
	cleanupKeys(t, client, "parley:rl:"+prefix+":*")
	l := NewLimiters(client, prefix)("sends", 1, 3)
	for range 4 {
		l.Allow("u1")
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
	c1, c2 := testClient(t), testClient(t)
	limitertest.Run(t, limiterOpen(t, c1, c2))
}

// limiterOpen opens limiters alternately on c1 and c2: each handle is
// another node on the same buckets.
func limiterOpen(t *testing.T, c1, c2 rueidis.Client) limitertest.Open {
	prefix := "test" + uniq(t)
	cleanupKeys(t, c1, "parley:rl:"+prefix+":*")
	n := 0
	return func(t *testing.T, name string, perSecond float64, burst int) chat.RateLimiter {
		n++
		c := c1
		if n%2 == 0 {
			c = c2
		}
		return NewLimiters(c, prefix+":"+t.Name())(name, perSecond, burst)
	}
}
