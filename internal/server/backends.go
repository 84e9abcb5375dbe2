package server

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"parley/internal/chat"
	"parley/internal/inmem"
	"parley/internal/metrics"
	"parley/internal/ratelimit"
	"parley/internal/redis"
)

// backends are the parts a node shares with the other nodes of its cluster,
// or keeps to itself when it runs alone: built as one set, so a node never
// mixes a Redis bus with in-process presence.
type backends struct {
	Bus      chat.Bus
	Presence chat.Presence
	// Limiters makes the rate limiters: buckets in this process, or in Redis.
	Limiters func(name string, perSecond float64, burst int) chat.RateLimiter
	// Sessions puts the session cache in front of the store.
	Sessions func(chat.Store) chat.Store
	// Ping reports whether the shared backends answer (for /readyz).
	Ping    func(context.Context) error
	closers []func() error
}

// Close releases the backends in reverse order of construction.
func (b *backends) Close() error {
	var err error
	for i := len(b.closers) - 1; i >= 0; i-- {
		err = errors.Join(err, b.closers[i]())
	}
	return err
}

// openBackends builds the Redis set when cfg names a Redis server, else the
// in-process set.
func openBackends(ctx context.Context, cfg Config, log *slog.Logger, m *metrics.Metrics) (*backends, error) {
	if cfg.Redis == "" {
		return inprocessBackends(), nil
	}
	return redisBackends(ctx, cfg, log, m)
}

// inprocessBackends serve a single node: events go from publisher to
// subscriber in this process, and sessions are read from the store.
func inprocessBackends() *backends {
	presence := inmem.NewPresence(time.Now)
	return &backends{
		Bus:      inmem.NewBus(),
		Presence: presence,
		Limiters: ratelimit.Local(time.Now),
		Sessions: inmem.SessionCache,
		Ping:     func(context.Context) error { return nil },
		closers:  []func() error{presence.Close},
	}
}

// sessionCacheTTL bounds how long a node may answer a session from Redis
// without the store.
const sessionCacheTTL = 10 * time.Minute

// redisBackends share events, presence, rate limits and sessions with the
// other nodes through the Redis server at cfg.Redis.
func redisBackends(ctx context.Context, cfg Config, log *slog.Logger, m *metrics.Metrics) (_ *backends, err error) {
	b := &backends{}
	defer func() {
		if err != nil {
			err = errors.Join(err, b.Close())
		}
	}()
	bus, err := redis.NewBus(ctx, cfg.Redis, log)
	if err != nil {
		return nil, err
	}
	b.closers = append(b.closers, func() error { bus.Close(); return nil })
	rc, err := redis.NewClient(cfg.Redis)
	if err != nil {
		return nil, err
	}
	b.closers = append(b.closers, func() error { rc.Close(); return nil })
	presence, err := redis.NewPresence(ctx, rc, redis.PresenceOptions{Log: log, Lease: cfg.PresenceLease})
	if err != nil {
		return nil, err
	}
	b.closers = append(b.closers, presence.Close)

	m.CounterFunc("parley_bus_reconnects_total", "Times the Redis bus reconnected.", func() float64 { return float64(bus.Stats().Reconnects) })
	m.CounterFunc("parley_bus_published_total", "Events this node published to Redis for the other nodes.", func() float64 { return float64(bus.Stats().Published) })
	m.CounterFunc("parley_bus_publish_failed_total", "Events this node could not publish to Redis (Redis failing, or the publish queue full): the other nodes backfill their messages from the store.", func() float64 { return float64(bus.Stats().PublishFailed) })
	m.CounterFunc("parley_bus_republished_total", "Rooms' newest messages this node published to Redis again after their first publish failed, so other nodes repair the gap without waiting for the room's next message.", func() float64 { return float64(bus.Stats().Republished) })
	m.CounterFunc("parley_bus_dropped_total", "Events received from Redis and dropped because this node's delivery queue was full (followed by a resync from the store).", func() float64 { return float64(bus.Stats().Dropped) })

	b.Bus = bus
	b.Presence = presence
	b.Limiters = redis.NewLimiters(rc, "v1")
	b.Sessions = func(s chat.Store) chat.Store { return redis.NewSessionCache(s, rc, sessionCacheTTL) }
	b.Ping = func(ctx context.Context) error {
		if err := rc.Do(ctx, rc.B().Ping().Build()).Error(); err != nil {
			return chat.Wrap(chat.Unavailable, err, "redis unreachable")
		}
		return nil
	}
	return b, nil
}
