// Package server assembles a Parley node from its parts — store, bus, domain
// services, hub, HTTP API — and runs it until its context ends.
package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"parley/internal/blobstore"
	"parley/internal/chat"
	"parley/internal/delivery"
	"parley/internal/httpapi"
	"parley/internal/inmem"
	"parley/internal/metrics"
	"parley/internal/postgres"
	"parley/internal/realtime"
	"parley/internal/redis"
	"parley/internal/sqlite"
	"parley/web"
)

// Config is a node's configuration; cmd/parley fills it from flags and env.
type Config struct {
	Addr            string        // listen address, ":8080"
	DB              string        // SQLite file path, or a postgres:// URL
	Redis           string        // redis:// URL; empty = single node (in-process bus and limits)
	PresenceLease   time.Duration // with Redis: a dead node's users go offline this long after its last heartbeat
	AllowedOrigins  []string
	TrustedProxies  []string
	MaxBodyBytes    int64
	ShutdownTimeout time.Duration
	Limits          chat.Limits
	Realtime        realtime.Config
	Delivery        delivery.Config
	DebugAddr       string // where to serve /debug/pprof/; empty = nowhere
	// BlobURL is where attachments are kept: a local folder, or an s3://,
	// azblob:// or gs:// bucket URL, the same for every node. Empty: the
	// folder "blobs" next to the SQLite file (data/blobs with PostgreSQL).
	BlobURL string
	// DefaultWhoMayAdd is new accounts' "who may add me"; "" is friends.
	DefaultWhoMayAdd chat.AddPolicy
}

// Run serves until ctx is done, then shuts down in reverse order of start:
// stop accepting, drain WebSockets (each finishes the frame it is handling
// and is told to reconnect), close the store. onListen, if set, is called
// with the bound address once the node accepts connections.
func Run(ctx context.Context, cfg Config, log *slog.Logger, onListen func(addr string)) error {
	store, err := OpenStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer store.Close()

	m := metrics.New()
	var bus chat.Bus = inmem.NewBus()
	var limiters func(string, float64, int) chat.RateLimiter
	var presence chat.Presence = inmem.NewPresence(time.Now)
	redisPing := func(context.Context) error { return nil }
	if cfg.Redis != "" {
		rb, err := redis.NewBus(ctx, cfg.Redis, log)
		if err != nil {
			return err
		}
		defer rb.Close()
		rc, err := redis.NewClient(cfg.Redis)
		if err != nil {
			return err
		}
		defer rc.Close()
		m.CounterFunc("parley_bus_reconnects_total", "Times the Redis bus reconnected.", func() float64 { return float64(rb.Stats().Reconnects) })
		m.CounterFunc("parley_bus_published_total", "Events this node published to Redis for the other nodes.", func() float64 { return float64(rb.Stats().Published) })
		m.CounterFunc("parley_bus_publish_failed_total", "Events this node could not publish to Redis (Redis failing, or the publish queue full): the other nodes backfill their messages from the store.", func() float64 { return float64(rb.Stats().PublishFailed) })
		m.CounterFunc("parley_bus_dropped_total", "Events received from Redis and dropped because this node's delivery queue was full (followed by a resync from the store).", func() float64 { return float64(rb.Stats().Dropped) })
		bus = rb
		store = redis.NewSessionCache(store, rc, 10*time.Minute)
		limiters = redis.NewLimiters(rc, "v1")
		rp, err := redis.NewPresence(ctx, rc, redis.PresenceOptions{Log: log, Lease: cfg.PresenceLease})
		if err != nil {
			return err
		}
		presence = rp
		redisPing = func(ctx context.Context) error {
			if err := rc.Do(ctx, rc.B().Ping().Build()).Error(); err != nil {
				return chat.Wrap(chat.Unavailable, err, "redis unreachable")
			}
			return nil
		}
	}
	store = m.Store(store)
	bus = m.Bus(bus)
	defer presence.Close()
	blobLoc, err := BlobLocation(cfg)
	if err != nil {
		return err
	}
	blobs, err := blobstore.Open(ctx, blobLoc)
	if err != nil {
		return err
	}
	defer blobs.Close()
	dc := chat.Config{Store: store, Bus: bus, Log: log, Limits: cfg.Limits, RateLimiters: limiters, Presence: presence, Blobs: blobs,
		DefaultWhoMayAdd: cfg.DefaultWhoMayAdd}
	svc := chat.NewService(dc)
	defer svc.Close()
	accounts := chat.NewAccounts(dc)
	m.CounterFunc("parley_password_checks_total", "Password hashes verified (argon2id runs of logins and password changes).",
		func() float64 { return float64(accounts.HashStats().PasswordChecks) })
	m.CounterFunc("parley_hash_refused_total", "Requests answered 503 because a password-hashing pool was full.",
		func() float64 { return float64(accounts.HashStats().Refused) })
	m.GaugeFunc("parley_hash_waiting_logins", "Logins waiting for a password-hashing slot.",
		func() float64 { return float64(accounts.HashStats().LoginWaiting) })
	m.GaugeFunc("parley_hash_waiting_others", "Signups and password changes waiting for a password-hashing slot.",
		func() float64 { return float64(accounts.HashStats().OtherWaiting) })

	if cfg.Realtime.Metrics == nil {
		cfg.Realtime.Metrics = &realtime.Stats{}
	}
	m.WatchHub(cfg.Realtime.Metrics)
	cfg.Delivery.Metrics = cfg.Realtime.Metrics
	cfg.Delivery.MaxFrameBytes = cfg.Realtime.MaxFrameBytes
	hub := delivery.NewHub(bus, svc.MissedMessages, log, cfg.Delivery)
	rt := realtime.NewServer(hub, svc, log, cfg.Realtime)
	if r, ok := bus.(chat.Reconnector); ok {
		// Events published while the bus was cut off are lost to this node:
		// catch every room up from the store and reload who is in which room.
		r.OnReconnect(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			hub.Resync(ctx, svc.Rooms)
		})
	}

	handler, err := httpapi.New(httpapi.Deps{
		Accounts: accounts, Chat: svc, Realtime: rt, Log: log,
		MaxBodyBytes: cfg.MaxBodyBytes, TrustedProxies: cfg.TrustedProxies,
		Metrics: m.Handler(),
		Web:     webAssets(log),
		Ready: func(ctx context.Context) error {
			if err := store.Ping(ctx); err != nil {
				return err
			}
			return redisPing(ctx)
		},
	})
	if err != nil {
		return err
	}

	if cfg.DebugAddr != "" {
		if err := serveDebug(ctx, cfg.DebugAddr, log); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	pingCtx, stopPing := context.WithCancel(context.Background())
	defer stopPing()
	go rt.Run(pingCtx)
	stopSweep := startSweeper(svc, log)
	defer stopSweep()
	stopSessionSweep := startSessionSweeper(accounts, log)
	defer stopSessionSweep()
	go rt.TouchSessions(pingCtx, accounts.TouchEvery(), accounts.TouchLive)
	log.Info("parley serving", "addr", ln.Addr().String(), "db", redact(cfg.DB), "redis", redact(cfg.Redis))
	if onListen != nil {
		onListen(ln.Addr().String())
	}

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	log.Info("parley shutting down")
	timeout := cfg.ShutdownTimeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// http.Server.Shutdown stops the listener and idle REST connections but
	// does not track hijacked WebSockets: the realtime server drains those.
	shutErr := srv.Shutdown(sctx)
	if err := rt.Shutdown(sctx); err != nil {
		shutErr = errors.Join(shutErr, err)
	}
	if shutErr != nil {
		log.Warn("shutdown", "err", shutErr)
	}
	return nil
}

// webAssets is the embedded web client, or the page saying how to build it.
func webAssets(log *slog.Logger) fs.FS {
	assets, built := web.Assets()
	if !built {
		log.Warn("web client not built: / serves a page saying to run make build")
	}
	return assets
}

// OpenStore opens (and migrates) the store named by dsn: a postgres:// URL,
// or else a SQLite file path.
func OpenStore(ctx context.Context, dsn string) (chat.Store, error) {
	if dsn == "" {
		return nil, fmt.Errorf("no database configured")
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		s, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		return s, nil
	}
	if dir := filepath.Dir(dsn); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	s, err := sqlite.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", dsn, err)
	}
	return s, nil
}

// redact hides a password in a database or Redis URL before it is logged.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		return u.Redacted()
	}
	return dsn
}
