package redis

import (
	"context"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"parley/internal/chat"
	"parley/internal/sessioncachetest"
)

// memStore keeps sessions only and counts reads, to tell cache hits apart.
type memStore struct {
	chat.Store // nil: only the session methods are used
	mu         sync.Mutex
	sessions   map[string]chat.Session
	reads      int
}

func newMemStore() *memStore { return &memStore{sessions: make(map[string]chat.Session)} }

func (m *memStore) CreateSession(_ context.Context, s chat.Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[string(s.TokenHash)] = s
	return nil
}

func (m *memStore) SessionByTokenHash(_ context.Context, hash []byte) (chat.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reads++
	s, ok := m.sessions[string(hash)]
	if !ok {
		return chat.Session{}, chat.Errorf(chat.NotFound, "session not found")
	}
	return s, nil
}

func (m *memStore) DeleteSession(_ context.Context, hash []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, string(hash))
	return nil
}

func (m *memStore) readCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reads
}

func newSession(t *testing.T, life time.Duration) chat.Session {
	t.Helper()
	hash := make([]byte, 32)
	if _, err := rand.Read(hash); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	return chat.Session{TokenHash: hash, UserID: chat.UserID("u-" + uniq(t)), CreatedAt: now, ExpiresAt: now.Add(life)}
}

func sameSession(t *testing.T, got, want chat.Session) {
	t.Helper()
	if string(got.TokenHash) != string(want.TokenHash) || got.UserID != want.UserID ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Fatalf("got session %+v, want %+v", got, want)
	}
}

func TestSessionCacheCreateGetDelete(t *testing.T) {
	t.Parallel()
	client := testClient(t)
	store := newMemStore()
	node1 := NewSessionCache(store, client, time.Minute)
	node2 := NewSessionCache(store, testClient(t), time.Minute)
	ctx := t.Context()
	s := newSession(t, time.Hour)
	t.Cleanup(func() { client.Do(context.Background(), client.B().Del().Key(sessionKey(s.TokenHash)).Build()) })

	if err := node1.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	for _, n := range []chat.Store{node1, node2} {
		got, err := n.SessionByTokenHash(ctx, s.TokenHash)
		if err != nil {
			t.Fatal(err)
		}
		sameSession(t, got, s)
	}
	if r := store.readCount(); r != 0 {
		t.Fatalf("store read %d times, want every read from the cache", r)
	}
	// TTL: at most the cache's.
	pttl, err := client.Do(ctx, client.B().Pttl().Key(sessionKey(s.TokenHash)).Build()).AsInt64()
	if err != nil || pttl <= 0 || pttl > time.Minute.Milliseconds() {
		t.Fatalf("pttl = %d, %v; want (0, 60000]", pttl, err)
	}

	// Revoked on node1: refused on node2 at once, though node2 read it cached.
	if err := node1.DeleteSession(ctx, s.TokenHash); err != nil {
		t.Fatal(err)
	}
	for _, n := range []chat.Store{node2, node1} {
		if _, err := n.SessionByTokenHash(ctx, s.TokenHash); chat.ErrorCode(err) != chat.NotFound {
			t.Fatalf("revoked session: err = %v, want NotFound", err)
		}
	}
	// Deleting again is fine.
	if err := node2.DeleteSession(ctx, s.TokenHash); err != nil {
		t.Fatal(err)
	}
}

func TestSessionCacheFallbackAndFill(t *testing.T) {
	t.Parallel()
	client := testClient(t)
	store := newMemStore()
	cache := NewSessionCache(store, client, time.Minute)
	ctx := t.Context()
	s := newSession(t, 2*time.Second) // expires before the cache TTL
	key := sessionKey(s.TokenHash)
	t.Cleanup(func() { client.Do(context.Background(), client.B().Del().Key(key).Build()) })

	// Created on a node without the cache (or the cache write was lost).
	if err := store.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	got, err := cache.SessionByTokenHash(ctx, s.TokenHash)
	if err != nil {
		t.Fatal(err)
	}
	sameSession(t, got, s)
	if r := store.readCount(); r != 1 {
		t.Fatalf("store reads = %d, want 1", r)
	}
	// Now cached, for no longer than the session lives.
	pttl, err := client.Do(ctx, client.B().Pttl().Key(key).Build()).AsInt64()
	if err != nil || pttl <= 0 || pttl > 2000 {
		t.Fatalf("pttl = %d, %v; want (0, 2000]", pttl, err)
	}
	if _, err := cache.SessionByTokenHash(ctx, s.TokenHash); err != nil {
		t.Fatal(err)
	}
	if r := store.readCount(); r != 1 {
		t.Fatalf("store reads = %d, want the second read from the cache", r)
	}

	// The key is gone (evicted, expired): the store answers again.
	if err := client.Do(ctx, client.B().Del().Key(key).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	got, err = cache.SessionByTokenHash(ctx, s.TokenHash)
	if err != nil {
		t.Fatal(err)
	}
	sameSession(t, got, s)
	if r := store.readCount(); r != 2 {
		t.Fatalf("store reads = %d, want 2", r)
	}

	// Misses are not cached: a session created afterwards works at once.
	s2 := newSession(t, time.Hour)
	t.Cleanup(func() { client.Do(context.Background(), client.B().Del().Key(sessionKey(s2.TokenHash)).Build()) })
	if _, err := cache.SessionByTokenHash(ctx, s2.TokenHash); chat.ErrorCode(err) != chat.NotFound {
		t.Fatalf("unknown session: err = %v, want NotFound", err)
	}
	if err := store.CreateSession(ctx, s2); err != nil {
		t.Fatal(err)
	}
	if _, err := cache.SessionByTokenHash(ctx, s2.TokenHash); err != nil {
		t.Fatalf("new session refused: %v", err)
	}
}

func TestSessionCacheRedisDown(t *testing.T) {
	t.Parallel()
	client, err := NewClient(testURL())
	requireRedis(t, err)
	client.Close() // every command now fails
	store := newMemStore()
	cache := NewSessionCache(store, client, time.Minute)
	ctx := t.Context()
	s := newSession(t, time.Hour)
	if err := cache.CreateSession(ctx, s); err != nil {
		t.Fatalf("create with Redis down: %v", err)
	}
	got, err := cache.SessionByTokenHash(ctx, s.TokenHash)
	if err != nil {
		t.Fatalf("get with Redis down: %v", err)
	}
	sameSession(t, got, s)
	// The store forgets the session, but other nodes' caches could not be
	// told: the caller learns it must retry.
	if err := cache.DeleteSession(ctx, s.TokenHash); chat.ErrorCode(err) != chat.Unavailable {
		t.Fatalf("delete with Redis down: err = %v, want Unavailable", err)
	}
	if _, err := cache.SessionByTokenHash(ctx, s.TokenHash); chat.ErrorCode(err) != chat.NotFound {
		t.Fatalf("deleted session: err = %v, want NotFound", err)
	}
}

func TestSessionCacheConformance(t *testing.T) {
	t.Parallel()
	sessioncachetest.Run(t, func(t *testing.T, store chat.Store) chat.Store {
		return NewSessionCache(store, testClient(t), time.Minute)
	})
}
