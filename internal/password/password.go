// Package password is chat.Passwords on argon2id: it hashes and checks
// passwords in bounded pools, so that a flood of logins or signups costs the
// flooder, not memory or everyone's latency.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"

	"parley/internal/chat"
)

// Params are argon2id's costs for new hashes. Every hash carries the ones
// it was made with and is checked with those, so changing them never
// invalidates a password: raising them makes new hashes (signups, password
// changes) dearer and leaves the old ones as they were. One lane: the pools
// give each hash one core (their slots are sized by cores), and more lanes
// would take cores from the other slots.
type Params struct {
	MemoryKiB uint32 // argon2's m: what one hash holds while it runs
	Passes    uint32 // argon2's t: passes over that memory
}

// DefaultParams is OWASP's recommended minimum for argon2id: 19 MiB, 2
// passes, 1 lane. It is also the floor a server's configuration may not go
// below (CheckFloor).
func DefaultParams() Params { return Params{MemoryKiB: 19 * 1024, Passes: 2} }

// CheckFloor refuses parameters cheaper than DefaultParams in either cost.
// A server's flags pass through it; only tests, which hash thousands of
// throwaway passwords, use cheaper ones (internal/testserver).
func (p Params) CheckFloor() error {
	d := DefaultParams()
	if p.MemoryKiB < d.MemoryKiB || p.Passes < d.Passes {
		return fmt.Errorf("argon2id parameters m=%d KiB, t=%d are below the floor m=%d KiB, t=%d (OWASP's minimum)", p.MemoryKiB, p.Passes, d.MemoryKiB, d.Passes)
	}
	return nil
}

const (
	argonLanes  = 1
	argonKeyLen = 32
)

// Hasher holds two pools: logins check passwords in one of their own, and
// everything else (signups, password changes) hashes in the other, so a
// signup flood never queues a login (decision 0024).
type Hasher struct {
	logins, others *pool
	checks         atomic.Int64 // argon2 runs of verify, both pools: the cost an attacker can cause
}

var _ chat.Passwords = (*Hasher)(nil)

// New returns a Hasher sized by l's LoginHashSlots, HashSlots, HashQueue and
// HashWait (defaults for the ones not set) that makes new hashes with p
// (DefaultParams' for a zero field).
func New(l chat.Limits, p Params) *Hasher {
	l = l.WithDefaults()
	d := DefaultParams()
	if p.MemoryKiB == 0 {
		p.MemoryKiB = d.MemoryKiB
	}
	if p.Passes == 0 {
		p.Passes = d.Passes
	}
	h := &Hasher{}
	h.logins = newPool(l.LoginHashSlots, l.HashQueue, l.HashWait, p, &h.checks)
	h.others = newPool(l.HashSlots, l.HashQueue, l.HashWait, p, &h.checks)
	return h
}

// Hash returns the encoded argon2id hash of password, for a signup or a
// password change.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	return h.others.hash(ctx, password)
}

// Verify checks a password outside a login (a password change).
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (bool, error) {
	return h.others.verify(ctx, password, encoded)
}

// VerifyLogin checks a login's password, in the logins' pool.
func (h *Hasher) VerifyLogin(ctx context.Context, password, encoded string) (bool, error) {
	return h.logins.verify(ctx, password, encoded)
}

// Stats are the pools' counters, for metrics and tests.
type Stats struct {
	Checks       int64 // argon2 verifications run (logins, password changes)
	LoginWaiting int64 // logins waiting for a hashing slot now
	OtherWaiting int64 // signups and password changes waiting now
	Refused      int64 // requests answered 503 because a pool was full or its wait ran out
}

func (h *Hasher) Stats() Stats {
	return Stats{
		Checks:       h.checks.Load(),
		LoginWaiting: h.logins.waiting.Load(),
		OtherWaiting: h.others.waiting.Load(),
		Refused:      h.logins.refused.Load() + h.others.refused.Load(),
	}
}

// pool bounds concurrent hashing: each hash holds its memory (19 MiB by
// default) and a core for tens of milliseconds. Past its slots a bounded number of requests wait,
// each at most wait; the rest are refused at once with Unavailable (503 and
// Retry-After).
type pool struct {
	slots   chan struct{}
	queue   int64         // most requests waiting for a slot
	wait    time.Duration // longest wait for a slot
	waiting atomic.Int64
	refused atomic.Int64
	checks  *atomic.Int64
	params  Params // of new hashes
}

func newPool(slots, queue int, wait time.Duration, params Params, checks *atomic.Int64) *pool {
	return &pool{slots: make(chan struct{}, max(slots, 1)), queue: int64(max(queue, 0)), wait: wait, params: params, checks: checks}
}

func (p *pool) busy() error {
	p.refused.Add(1)
	return chat.Errorf(chat.Unavailable, "server busy, try again shortly")
}

func (p *pool) acquire(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	default:
	}
	if p.waiting.Add(1) > p.queue {
		p.waiting.Add(-1)
		return p.busy()
	}
	defer p.waiting.Add(-1)
	t := time.NewTimer(p.wait)
	defer t.Stop()
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-t.C:
		return p.busy()
	case <-ctx.Done():
		return chat.Wrap(chat.Unavailable, ctx.Err(), "server busy, try again")
	}
}

func (p *pool) release() { <-p.slots }

func (p *pool) hash(ctx context.Context, password string) (string, error) {
	if err := p.acquire(ctx); err != nil {
		return "", err
	}
	defer p.release()
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	m, t := p.params.MemoryKiB, p.params.Passes
	key := argon2.IDKey([]byte(password), salt, t, m, argonLanes, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, m, t, argonLanes, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verify compares in constant time. Parameters are read from the encoded hash
// so they can be raised later without invalidating existing passwords.
func (p *pool) verify(ctx context.Context, password, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, fmt.Errorf("unsupported password hash format")
	}
	var m uint32
	var t uint32
	var par uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &par); err != nil {
		return false, fmt.Errorf("password hash parameters: %w", err)
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, err
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, err
	}
	if err := p.acquire(ctx); err != nil {
		return false, err
	}
	defer p.release()
	p.checks.Add(1)
	got := argon2.IDKey([]byte(password), salt, t, m, par, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
