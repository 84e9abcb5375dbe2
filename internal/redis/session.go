package redis

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/redis/rueidis"

	"parley/internal/chat"
)

const sessionKeyPrefix = "parley:session:"

// revoked marks a deleted session in the cache. Without it a node that read
// the session from the store just before another node deleted it could put it
// back in the cache after the delete; the marker makes such late fills fail
// (they use SET NX) and refuses the token until it expires.
const revoked = "revoked"

// defaultSessionCacheTTL applies when NewSessionCache is given no TTL.
const defaultSessionCacheTTL = 10 * time.Minute

// SessionCache keeps sessions in Redis in front of a chat.Store, so that
// authenticating a request does not reach the database. The store stays the
// authority: it is written first and read whenever Redis has no answer.
type SessionCache struct {
	chat.Store
	client rueidis.Client
	ttl    time.Duration
	now    func() time.Time
}

type cachedSession struct {
	UserID    chat.UserID `json:"user_id"`
	CreatedAt time.Time   `json:"created_at"`
	ExpiresAt time.Time   `json:"expires_at"`
}

// NewSessionCache wraps store: sessions are cached under
// "parley:session:<hex of token hash>" for at most ttl (and never past their
// expiry). Redis errors fall back to the store, except in DeleteSession.
func NewSessionCache(store chat.Store, client rueidis.Client, ttl time.Duration) chat.Store {
	if ttl <= 0 {
		ttl = defaultSessionCacheTTL
	}
	return &SessionCache{Store: store, client: client, ttl: ttl, now: time.Now}
}

func sessionKey(hash []byte) string { return sessionKeyPrefix + hex.EncodeToString(hash) }

// CreateSession stores the session, then caches it (best effort).
func (c *SessionCache) CreateSession(ctx context.Context, s chat.Session) error {
	if err := c.Store.CreateSession(ctx, s); err != nil {
		return err
	}
	c.fill(ctx, s)
	return nil
}

// SessionByTokenHash answers from Redis when it can, else from the store,
// caching what the store found when Redis had no entry. Sessions the store
// does not know are not cached: a session created on a node without the
// cache, or whose cache write was lost, works at once.
func (c *SessionCache) SessionByTokenHash(ctx context.Context, hash []byte) (chat.Session, error) {
	rctx, cancel := shortCtx(ctx)
	v, err := c.client.Do(rctx, c.client.B().Get().Key(sessionKey(hash)).Build()).ToString()
	cancel()
	if err == nil {
		if v == revoked {
			return chat.Session{}, chat.Errorf(chat.NotFound, "session not found")
		}
		var cs cachedSession
		if json.Unmarshal([]byte(v), &cs) == nil && cs.UserID != "" {
			return chat.Session{
				TokenHash: append([]byte(nil), hash...),
				UserID:    cs.UserID,
				CreatedAt: cs.CreatedAt,
				ExpiresAt: cs.ExpiresAt,
			}, nil
		}
	}
	missed := rueidis.IsRedisNil(err) // not an error: Redis answered
	s, err := c.Store.SessionByTokenHash(ctx, hash)
	if err != nil {
		return s, err
	}
	if missed {
		c.fill(ctx, s) // when Redis is failing, don't wait on it twice
	}
	return s, nil
}

// DeleteSession deletes the session from the store, then marks it revoked in
// Redis so that no node accepts it from the cache. If Redis cannot be
// updated it returns Unavailable: the session is gone from the store, but
// other nodes may still accept it from the cache until the cache TTL, so the
// caller should retry (deleting is idempotent).
func (c *SessionCache) DeleteSession(ctx context.Context, hash []byte) error {
	if err := c.Store.DeleteSession(ctx, hash); err != nil {
		return err
	}
	rctx, cancel := shortCtx(ctx)
	defer cancel()
	err := c.client.Do(rctx, c.client.B().Set().Key(sessionKey(hash)).Value(revoked).Px(c.ttl).Build()).Error()
	if err != nil {
		return chat.Wrap(chat.Unavailable, err, "session cache unavailable")
	}
	return nil
}

// fill caches s unless it has expired or was revoked (SET NX keeps the
// revocation marker). Errors are ignored: the store still answers.
func (c *SessionCache) fill(ctx context.Context, s chat.Session) {
	ttl := min(c.ttl, s.ExpiresAt.Sub(c.now()))
	if ttl < time.Millisecond {
		return
	}
	v, err := json.Marshal(cachedSession{UserID: s.UserID, CreatedAt: s.CreatedAt, ExpiresAt: s.ExpiresAt})
	if err != nil {
		return
	}
	rctx, cancel := shortCtx(context.WithoutCancel(ctx))
	defer cancel()
	_ = c.client.Do(rctx, c.client.B().Set().Key(sessionKey(s.TokenHash)).Value(rueidis.BinaryString(v)).Nx().Px(ttl).Build()).Error()
}
