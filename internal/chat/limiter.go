package chat

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// keyedLimiter is a token bucket per key (user, username, address). Buckets
// idle long enough to be full again are dropped, so memory follows the number
// of recently active keys, not every key ever seen.
type keyedLimiter struct {
	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	now     func() time.Time
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newKeyedLimiter(perSecond float64, burst int, now func() time.Time) *keyedLimiter {
	return &keyedLimiter{limit: rate.Limit(perSecond), burst: burst, now: now, buckets: make(map[string]*bucket)}
}

func (k *keyedLimiter) bucket(key string, now time.Time) *rate.Limiter {
	if now.Sub(k.swept) > time.Minute {
		k.sweep(now)
	}
	b, ok := k.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(k.limit, k.burst)}
		k.buckets[key] = b
	}
	b.seen = now
	return b.lim
}

func (k *keyedLimiter) sweep(now time.Time) {
	k.swept = now
	full := time.Duration(float64(k.burst)/float64(k.limit)*float64(time.Second)) + time.Second
	for key, b := range k.buckets {
		if now.Sub(b.seen) > full {
			delete(k.buckets, key)
		}
	}
}

// Allow takes one token for key.
func (k *keyedLimiter) Allow(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	return k.bucket(key, now).AllowN(now, 1)
}

// Exhausted reports whether key has no token left, without taking one: failed
// logins spend tokens, successful ones do not.
func (k *keyedLimiter) Exhausted(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	return k.bucket(key, now).TokensAt(now) < 1
}
