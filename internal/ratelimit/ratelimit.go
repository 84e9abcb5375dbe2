// Package ratelimit is chat.RateLimiter in one process: a token bucket per
// key (user, username, address). It is exact for a single node; across nodes
// internal/redis shares the buckets and falls back to these while Redis does
// not answer.
package ratelimit

import (
	"math"
	"sync"
	"time"

	"parley/internal/chat"
)

// Limiter is the bucket of golang.org/x/time/rate, written out so that a
// token can be given back (Refund) — the same arithmetic as the Redis script
// (internal/redis/limiter.go). Buckets idle long enough to be full again are
// dropped, so memory follows the number of recently active keys, not every
// key ever seen.
type Limiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	now     func() time.Time
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was right
}

var _ chat.RateLimiter = (*Limiter)(nil)

// New returns buckets refilling at perSecond tokens a second (math.Inf(1):
// no limit) and holding at most burst, on the clock now.
func New(perSecond float64, burst int, now func() time.Time) *Limiter {
	return &Limiter{rate: perSecond, burst: float64(burst), now: now, buckets: make(map[string]*bucket)}
}

// bucket returns key's bucket brought up to now.
func (k *Limiter) bucket(key string, now time.Time) *bucket {
	if now.Sub(k.swept) > time.Minute {
		k.sweep(now)
	}
	b, ok := k.buckets[key]
	if !ok {
		b = &bucket{tokens: k.burst, at: now}
		k.buckets[key] = b
	}
	if d := now.Sub(b.at); d > 0 {
		b.tokens = math.Min(k.burst, b.tokens+d.Seconds()*k.rate)
		b.at = now
	}
	return b
}

func (k *Limiter) sweep(now time.Time) {
	k.swept = now
	full := time.Second
	if k.rate > 0 && !math.IsInf(k.rate, 1) {
		full += time.Duration(k.burst / k.rate * float64(time.Second))
	} else if k.rate <= 0 {
		return // a bucket that never refills must be kept
	}
	for key, b := range k.buckets {
		if now.Sub(b.at) > full {
			delete(k.buckets, key)
		}
	}
}

// Allow takes one token for key if one is left. Taking is the reservation:
// a caller that checks and takes in one step cannot be raced past the limit.
func (k *Limiter) Allow(key string) bool {
	if math.IsInf(k.rate, 1) {
		return true
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	b := k.bucket(key, k.now())
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Refund gives back a token taken by Allow (a reservation that turned out
// not to count, such as a login whose password was right).
func (k *Limiter) Refund(key string) {
	if math.IsInf(k.rate, 1) {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	b := k.bucket(key, k.now())
	b.tokens = math.Min(k.burst, b.tokens+1)
}

// Exhausted reports whether key has no token left, without taking one.
func (k *Limiter) Exhausted(key string) bool {
	if math.IsInf(k.rate, 1) {
		return false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.bucket(key, k.now()).tokens < 1
}

// Local is chat.Config.RateLimiters for a single node: every named limit
// gets buckets of its own in this process, on the clock now.
func Local(now func() time.Time) func(name string, perSecond float64, burst int) chat.RateLimiter {
	return func(_ string, perSecond float64, burst int) chat.RateLimiter {
		return New(perSecond, burst, now)
	}
}
