package chat

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
)

// argon2id with the OWASP-recommended minimum (19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
)

// hashPool bounds concurrent hashing: each hash holds 19 MiB and a core for
// tens of milliseconds. Past its slots a bounded number of requests wait, each
// at most wait; the rest are refused at once with Unavailable (503 and
// Retry-After), so a flood costs the flooder, not memory or everyone's
// latency. Logins and everything else (signups, password changes) have pools
// of their own, so a signup flood never queues a login (decision 0024).
type hashPool struct {
	name    string
	slots   chan struct{}
	queue   int64         // most requests waiting for a slot
	wait    time.Duration // longest wait for a slot
	waiting atomic.Int64
	refused atomic.Int64
	checks  *atomic.Int64 // argon2 runs of verify, shared by the pools (tests assert it)
}

func newHashPool(name string, slots, queue int, wait time.Duration, checks *atomic.Int64) *hashPool {
	return &hashPool{name: name, slots: make(chan struct{}, max(slots, 1)), queue: int64(max(queue, 0)), wait: wait, checks: checks}
}

func (h *hashPool) busy() error {
	h.refused.Add(1)
	return Errorf(Unavailable, "server busy, try again shortly")
}

func (h *hashPool) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	default:
	}
	if h.waiting.Add(1) > h.queue {
		h.waiting.Add(-1)
		return h.busy()
	}
	defer h.waiting.Add(-1)
	t := time.NewTimer(h.wait)
	defer t.Stop()
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-t.C:
		return h.busy()
	case <-ctx.Done():
		return Wrap(Unavailable, ctx.Err(), "server busy, try again")
	}
}

func (h *hashPool) release() { <-h.slots }

func (h *hashPool) hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return hashPassword(password)
}

func hashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verify compares in constant time. Parameters are read from the encoded hash
// so they can be raised later without invalidating existing passwords.
func (h *hashPool) verify(ctx context.Context, password, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, fmt.Errorf("unsupported password hash format")
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
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
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	h.checks.Add(1)
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
