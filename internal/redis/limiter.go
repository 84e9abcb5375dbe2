package redis

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/redis/rueidis"

	"parley/internal/chat"
	"parley/internal/ratelimit"
)

// tokenBucket is the token bucket of golang.org/x/time/rate, kept in a Redis
// hash {t: last update in µs (Redis clock), n: tokens then}. A missing key is
// a full bucket; the key expires once the bucket would be full again.
//
// KEYS[1] bucket; ARGV[1] tokens per second; ARGV[2] burst (capacity);
// ARGV[3] "1" to take a token, "0" to only look, "-1" to give one back.
// Returns 1 when a token is (was) available. A script runs atomically, so
// "take if available" is a reservation: however many nodes and requests
// race, no more tokens are taken than the bucket holds.
const tokenBucket = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tokens = burst
local v = redis.call('HMGET', KEYS[1], 't', 'n')
if v[1] and v[2] then
  local last = tonumber(v[1])
  tokens = tonumber(v[2])
  if now > last then
    tokens = math.min(burst, tokens + (now - last) * rate / 1000000)
  end
end
if ARGV[3] == '-1' then
  tokens = math.min(burst, tokens + 1)
elseif tokens < 1 then
  return 0
end
if ARGV[3] ~= '0' then
  if ARGV[3] == '1' then
    tokens = tokens - 1
  end
  local ttl = 86400000
  if rate > 0 then
    ttl = math.ceil((burst - tokens) / rate * 1000) + 1000
  end
  redis.call('HSET', KEYS[1], 't', string.format('%.0f', now), 'n', string.format('%.17g', tokens))
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return 1
`

// NewLimiters returns a factory for chat.Config.RateLimiters: token buckets
// (rate perSecond, capacity burst, as the in-process limiter) kept in Redis
// under "parley:rl:<prefix>:<name>:<key>", so every node shares them. Each
// check is one EVALSHA bounded by limiterTimeout. When Redis does not answer,
// the node's own bucket of the same size decides: the limit then holds per
// node (N nodes allow at most N times it) instead of not at all — failing
// open would let anyone who can slow Redis down (a login flood does) past
// the failed-login limits.
func NewLimiters(client rueidis.Client, prefix string) func(name string, perSecond float64, burst int) chat.RateLimiter {
	script := rueidis.NewLuaScript(tokenBucket)
	return func(name string, perSecond float64, burst int) chat.RateLimiter {
		return &limiter{
			client: client,
			script: script,
			prefix: "parley:rl:" + prefix + ":" + name + ":",
			rate:   strconv.FormatFloat(perSecond, 'g', -1, 64),
			burst:  strconv.Itoa(burst),
			inf:    math.IsInf(perSecond, 1),
			local:  ratelimit.New(perSecond, burst, time.Now),
		}
	}
}

type limiter struct {
	client      rueidis.Client
	script      *rueidis.Lua
	prefix      string
	rate, burst string
	inf         bool             // rate.Inf: no limit
	local       chat.RateLimiter // decides while Redis does not answer
}

// limiterTimeout bounds one limiter script. It is longer than other calls on
// a request's path (opTimeout): under a burst — 150 logins at once on a busy
// machine — answers take hundreds of milliseconds, and every one that timed
// out would be decided by a node's own bucket, loosening the limit.
const limiterTimeout = 2 * time.Second

// Allow takes one token for key if one is left.
func (l *limiter) Allow(key string) bool {
	if l.inf {
		return true
	}
	ok, err := l.check(key, "1")
	if err != nil {
		return l.local.Allow(key)
	}
	return ok
}

// Refund gives back a token taken by Allow.
func (l *limiter) Refund(key string) {
	if l.inf {
		return
	}
	if _, err := l.check(key, "-1"); err != nil {
		l.local.Refund(key)
	}
}

// Exhausted reports whether key has no token left, without taking one.
func (l *limiter) Exhausted(key string) bool {
	if l.inf {
		return false
	}
	ok, err := l.check(key, "0")
	if err != nil {
		return l.local.Exhausted(key)
	}
	return !ok
}

// check reports whether a token is available (taking it if take is "1",
// giving one back if "-1").
func (l *limiter) check(key, take string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limiterTimeout)
	defer cancel()
	n, err := l.script.Exec(ctx, l.client, []string{l.prefix + key}, []string{l.rate, l.burst, take}).AsInt64()
	return n == 1, err
}
