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
	ID         string      `json:"id"`
	UserID     chat.UserID `json:"user_id"`
	CreatedAt  time.Time   `json:"created_at"`
	ExpiresAt  time.Time   `json:"expires_at"`
	LastSeenAt time.Time   `json:"last_seen_at"`
	UserAgent  string      `json:"user_agent,omitempty"`
	Addr       string      `json:"addr,omitempty"`
	DeviceHash []byte      `json:"device_hash,omitempty"`
}

// NewSessionCache wraps store: sessions are cached under
// "parley:session:{<hex of token hash>}" for at most ttl (and never past their
// expiry). Redis errors fall back to the store, except in DeleteSession.
func NewSessionCache(store chat.Store, client rueidis.Client, ttl time.Duration) chat.Store {
	if ttl <= 0 {
		ttl = defaultSessionCacheTTL
	}
	return &SessionCache{Store: store, client: client, ttl: ttl, now: time.Now}
}

// sessionKey and touchKey share the hash tag of the token's hash, so the
// script that drops the one and releases the other touches one slot of a
// Redis Cluster; sessions spread over the slots.
func sessionKey(hash []byte) string { return sessionKeyPrefix + "{" + hex.EncodeToString(hash) + "}" }

func touchKey(hash []byte) string { return touchLockPrefix + "{" + hex.EncodeToString(hash) + "}" }

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
				ID:         cs.ID,
				TokenHash:  append([]byte(nil), hash...),
				UserID:     cs.UserID,
				CreatedAt:  cs.CreatedAt,
				ExpiresAt:  cs.ExpiresAt,
				LastSeenAt: cs.LastSeenAt,
				UserAgent:  cs.UserAgent,
				Addr:       cs.Addr,
				DeviceHash: cs.DeviceHash,
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
	return c.revoke(ctx, hash)
}

// revoke marks sessions deleted from the store as revoked in the cache.
func (c *SessionCache) revoke(ctx context.Context, hashes ...[]byte) error {
	if len(hashes) == 0 {
		return nil
	}
	rctx, cancel := shortCtx(context.WithoutCancel(ctx))
	defer cancel()
	cmds := make(rueidis.Commands, 0, len(hashes))
	for _, h := range hashes {
		cmds = append(cmds, c.client.B().Set().Key(sessionKey(h)).Value(revoked).Px(c.ttl).Build())
	}
	for _, r := range c.client.DoMulti(rctx, cmds...) {
		if err := r.Error(); err != nil {
			return chat.Wrap(chat.Unavailable, err, "session cache unavailable")
		}
	}
	return nil
}

// revokeAll revokes the sessions a store call deleted. On a Redis failure
// the sessions are still returned (they are gone from the store, and their
// connections must be ended) with an Unavailable error: other nodes may
// accept them from the cache until it expires, so the caller should retry.
func (c *SessionCache) revokeAll(ctx context.Context, gone []chat.Session, err error) ([]chat.Session, error) {
	if err != nil {
		return gone, err
	}
	hashes := make([][]byte, len(gone))
	for i, s := range gone {
		hashes[i] = s.TokenHash
	}
	return gone, c.revoke(ctx, hashes...)
}

func (c *SessionCache) DeleteUserSession(ctx context.Context, user chat.UserID, id string) (chat.Session, error) {
	s, err := c.Store.DeleteUserSession(ctx, user, id)
	if err != nil {
		return s, err
	}
	return s, c.revoke(ctx, s.TokenHash)
}

func (c *SessionCache) DeleteOtherSessions(ctx context.Context, user chat.UserID, keepID string) ([]chat.Session, error) {
	gone, err := c.Store.DeleteOtherSessions(ctx, user, keepID)
	return c.revokeAll(ctx, gone, err)
}

func (c *SessionCache) ChangePassword(ctx context.Context, user chat.UserID, hash string, keepID string) ([]chat.Session, error) {
	gone, err := c.Store.ChangePassword(ctx, user, hash, keepID)
	return c.revokeAll(ctx, gone, err)
}

func (c *SessionCache) DeleteExpiredSessions(ctx context.Context, now, idleBefore time.Time, limit int) ([]chat.Session, error) {
	gone, err := c.Store.DeleteExpiredSessions(ctx, now, idleBefore, limit)
	return c.revokeAll(ctx, gone, err)
}

func (c *SessionCache) TrimSessions(ctx context.Context, user chat.UserID, keep int) ([]chat.Session, error) {
	gone, err := c.Store.TrimSessions(ctx, user, keep)
	return c.revokeAll(ctx, gone, err)
}

// dropUnlessRevoked removes a cached session (KEYS[1]) so that the next
// read takes the store's fresh last-seen, but never removes a revocation
// marker; and it releases the writer's claim (KEYS[2]).
const dropUnlessRevoked = `
if redis.call('GET', KEYS[1]) ~= 'revoked' then
  redis.call('DEL', KEYS[1])
end
redis.call('DEL', KEYS[2])
return 1
`

var dropScript = rueidis.NewLuaScript(dropUnlessRevoked)

// touchLockPrefix names the claim a node holds while it writes a session's
// last-seen: nodes serving the same session at the same moment write once
// (each node also writes a session at most once per interval: chat.Accounts).
const touchLockPrefix = "parley:touch:"

// TouchSession writes the session's last-seen through to the store, at most
// once at a time across the cluster, then drops the cached copy so every
// node reads the new last-seen (one store read per touch, about once a
// minute per session in use).
func (c *SessionCache) TouchSession(ctx context.Context, hash []byte, at time.Time) error {
	lock := touchKey(hash)
	rctx, cancel := shortCtx(ctx)
	// The claim's expiry only matters for a node that dies while writing.
	err := c.client.Do(rctx, c.client.B().Set().Key(lock).Value("1").Nx().Px(5*time.Second).Build()).Error()
	cancel()
	if rueidis.IsRedisNil(err) {
		return nil // another node is writing it now
	}
	if err := c.Store.TouchSession(ctx, hash, at); err != nil {
		return err
	}
	rctx, cancel = shortCtx(ctx)
	defer cancel()
	return dropScript.Exec(rctx, c.client, []string{sessionKey(hash), lock}, nil).Error()
}

// fill caches s unless it has expired or was revoked (SET NX keeps the
// revocation marker). Errors are ignored: the store still answers.
func (c *SessionCache) fill(ctx context.Context, s chat.Session) {
	ttl := min(c.ttl, s.ExpiresAt.Sub(c.now()))
	if ttl < time.Millisecond {
		return
	}
	v, err := json.Marshal(cachedSession{ID: s.ID, UserID: s.UserID, CreatedAt: s.CreatedAt, ExpiresAt: s.ExpiresAt,
		LastSeenAt: s.LastSeenAt, UserAgent: s.UserAgent, Addr: s.Addr, DeviceHash: s.DeviceHash})
	if err != nil {
		return
	}
	rctx, cancel := shortCtx(context.WithoutCancel(ctx))
	defer cancel()
	_ = c.client.Do(rctx, c.client.B().Set().Key(sessionKey(s.TokenHash)).Value(rueidis.BinaryString(v)).Nx().Px(ttl).Build()).Error()
}
