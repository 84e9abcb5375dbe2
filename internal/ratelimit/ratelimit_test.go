package ratelimit_test

import (
	"testing"
	"time"

	"parley/internal/chat"
	"parley/internal/limitertest"
	"parley/internal/ratelimit"
)

func TestConformance(t *testing.T) {
	locals := map[string]chat.RateLimiter{}
	limitertest.Run(t, func(t *testing.T, name string, perSecond float64, burst int) chat.RateLimiter {
		// One process: every "node" is the same limiter.
		if l, ok := locals[t.Name()+name]; ok {
			return l
		}
		l := ratelimit.New(perSecond, burst, time.Now)
		locals[t.Name()+name] = l
		return l
	})
}
