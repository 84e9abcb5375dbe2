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
	"parley/internal/media"
	"parley/internal/metrics"
	"parley/internal/password"
	"parley/internal/postgres"
	"parley/internal/push"
	"parley/internal/realtime"
	"parley/internal/sqlite"
	"parley/web"
)

// Config is a node's configuration; cmd/parley fills it from flags and env.
type Config struct {
	Addr           string        // listen address, ":8080"
	DB             string        // SQLite file path, or a postgres:// URL
	Redis          string        // redis:// or redis+cluster:// URL (redis.ParseURL); empty = single node (in-process bus and limits)
	PresenceLease  time.Duration // with Redis: a dead node's users go offline this long after its last heartbeat
	AllowedOrigins []string
	TrustedProxies []string
	MaxBodyBytes   int64
	// MaxImageMemory bounds the memory one image decode may take, and
	// ImageDecodeMemory all of a node's decodes together (zero: 192 and 256
	// MiB), computed from each image's header (internal/media).
	MaxImageMemory    int64
	ImageDecodeMemory int64
	// HTTP timeouts (zero: 10 s, 10 s, 8 KiB/s, 2 min): the request headers
	// must arrive within HeaderTimeout; a body, after BodyTimeout, must
	// average MinBodyRate bytes a second; a keep-alive connection closes
	// after IdleTimeout without a request.
	HeaderTimeout   time.Duration
	BodyTimeout     time.Duration
	MinBodyRate     int64
	IdleTimeout     time.Duration
	ShutdownTimeout time.Duration
	// SessionCheckInterval: every open connection's session is looked up
	// again this often (zero: 1 min), so a revoked or expired one ends
	// even if its session_ended event was lost.
	SessionCheckInterval time.Duration
	Limits               chat.Limits
	// PasswordHash is argon2id's cost for new hashes (zero fields:
	// password.DefaultParams). cmd/parley refuses less than the default;
	// tests set less, since every test user's signup is a hash.
	PasswordHash password.Params
	Realtime     realtime.Config
	Delivery     delivery.Config
	DebugAddr    string // where to serve /debug/pprof/; empty = nowhere
	// MetricsAddr, when set, serves /metrics there instead of on Addr (and
	// /debug/pprof/ too when DebugAddr is the same address).
	MetricsAddr string
	// BlobURL is where attachments are kept: a local folder, or an s3://,
	// azblob:// or gs:// bucket URL, the same for every node. Empty: the
	// folder "blobs" next to the SQLite file (data/blobs with PostgreSQL).
	BlobURL string
	// DefaultWhoMayAdd is new accounts' "who may add me"; "" is friends.
	DefaultWhoMayAdd chat.AddPolicy
	Push             push.Config
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
	bk, err := openBackends(ctx, cfg, log, m)
	if err != nil {
		return err
	}
	defer bk.Close()
	store = m.Store(bk.Sessions(store))
	bus := m.Bus(bk.Bus)
	blobLoc, err := BlobLocation(cfg)
	if err != nil {
		return err
	}
	blobs, err := blobstore.Open(ctx, blobLoc)
	if err != nil {
		return err
	}
	defer blobs.Close()
	passwords := password.New(cfg.Limits, cfg.PasswordHash)
	dc := chat.Config{Store: store, Bus: bus, Log: log, Limits: cfg.Limits, RateLimiters: bk.Limiters, Passwords: passwords,
		Images: media.Images{Budget: media.NewBudget(cfg.MaxImageMemory, cfg.ImageDecodeMemory, 0)}, Presence: bk.Presence, Blobs: blobs, DefaultWhoMayAdd: cfg.DefaultWhoMayAdd}
	svc := chat.NewService(dc)
	defer svc.Close()
	accounts := chat.NewAccounts(dc)
	watchPasswords(m, passwords)
	rt := newLive(cfg, bus, svc, log, m)

	pusher, err := push.New(ctx, store, bk.Presence, log, cfg.Push)
	if err != nil {
		return err
	}
	ps := pusher.Stats()
	m.CounterFunc("parley_push_queued_total", "Notifications queued for a push subscription (a message folded into a pending one counts too).", func() float64 { return float64(ps.Queued.Load()) })
	m.CounterFunc("parley_push_sent_total", "Notifications a push service accepted.", func() float64 { return float64(ps.Sent.Load()) })
	m.CounterFunc("parley_push_failed_total", "Notifications given up: refused by the push service, or older than --push-max-age.", func() float64 { return float64(ps.Failed.Load()) })
	m.CounterFunc("parley_push_expired_subscriptions_total", "Push subscriptions deleted because their push service answered 404 or 410.", func() float64 { return float64(ps.Expired.Load()) })
	m.GaugeFunc("parley_push_queue_age_seconds", "Age of the oldest outbox entry or notification this node's last pass found.", func() float64 { return float64(ps.QueueAge.Load()) / 1000 })

	publicMetrics := m.Handler()
	if cfg.MetricsAddr != "" {
		publicMetrics = nil
	}
	handler, err := httpapi.New(httpapi.Deps{
		Accounts: accounts, Chat: svc, Realtime: rt, Push: pusher, Log: log,
		MaxBodyBytes: cfg.MaxBodyBytes, TrustedProxies: cfg.TrustedProxies,
		BodyTimeout: cfg.BodyTimeout, MinBodyRate: cfg.MinBodyRate,
		Metrics: publicMetrics,
		Web:     webAssets(log),
		Ready: func(ctx context.Context) error {
			if err := store.Ping(ctx); err != nil {
				return err
			}
			return bk.Ping(ctx)
		},
	})
	if err != nil {
		return err
	}

	if err := servePrivate(ctx, cfg, m.Handler(), log); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: orDefault(cfg.HeaderTimeout, 10*time.Second),
		IdleTimeout: orDefault(cfg.IdleTimeout, 2*time.Minute)}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	pingCtx, stopPing := context.WithCancel(context.Background())
	defer stopPing()
	go rt.Run(pingCtx)
	go pusher.Run(pingCtx)
	stopSweep := startSweeper(svc, log)
	defer stopSweep()
	stopBacklog := startSearchBacklog(svc, log)
	defer stopBacklog()
	stopSessionSweep := startSessionSweeper(accounts, log)
	defer stopSessionSweep()
	go rt.CheckSessions(pingCtx, orDefault(cfg.SessionCheckInterval, time.Minute), accounts.EndedSessions)
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
	shutdown(srv, rt, orDefault(cfg.ShutdownTimeout, 15*time.Second), log)
	return nil
}

// newLive builds the node's live half: the hub that routes events to the
// connections here, and the transports that hold them.
func newLive(cfg Config, bus chat.Bus, svc *chat.Service, log *slog.Logger, m *metrics.Metrics) *realtime.Server {
	if cfg.Realtime.Metrics == nil {
		cfg.Realtime.Metrics = &realtime.Stats{}
	}
	m.WatchHub(cfg.Realtime.Metrics)
	cfg.Delivery.Metrics = cfg.Realtime.Metrics
	cfg.Delivery.MaxFrameBytes = cfg.Realtime.MaxFrameBytes
	hub := delivery.NewHub(bus, svc.MissedMessages, log, cfg.Delivery)
	if r, ok := bus.(chat.Reconnector); ok {
		// Events published while the bus was cut off are lost to this node:
		// catch every room up from the store and reload who is in which room.
		r.OnReconnect(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			hub.Resync(ctx, svc.Rooms)
		})
	}
	return realtime.NewServer(hub, svc, log, cfg.Realtime)
}

func watchPasswords(m *metrics.Metrics, passwords *password.Hasher) {
	m.CounterFunc("parley_password_checks_total", "Password hashes verified (argon2id runs of logins and password changes).",
		func() float64 { return float64(passwords.Stats().Checks) })
	m.CounterFunc("parley_hash_refused_total", "Requests answered 503 because a password-hashing pool was full.",
		func() float64 { return float64(passwords.Stats().Refused) })
	m.GaugeFunc("parley_hash_waiting_logins", "Logins waiting for a password-hashing slot.",
		func() float64 { return float64(passwords.Stats().LoginWaiting) })
	m.GaugeFunc("parley_hash_waiting_others", "Signups and password changes waiting for a password-hashing slot.",
		func() float64 { return float64(passwords.Stats().OtherWaiting) })
}

// shutdown stops accepting, then drains: http.Server.Shutdown stops the
// listener and idle REST connections but does not track hijacked
// WebSockets, which the realtime server drains.
func shutdown(srv *http.Server, rt *realtime.Server, timeout time.Duration, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// Handshakes held for the database (decision 0022) are requests
	// srv.Shutdown would wait for: they are answered 503 first.
	rt.EndHolds()
	err := srv.Shutdown(ctx)
	if rerr := rt.Shutdown(ctx); rerr != nil {
		err = errors.Join(err, rerr)
	}
	if err != nil {
		log.Warn("shutdown", "err", err)
	}
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
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
	if u, err := url.Parse(dsn); err == nil {
		if u.User != nil {
			return u.Redacted()
		}
		return dsn
	}
	// Not a URL Go reads, e.g. a redis+cluster:// URL with several IPv6
	// seeds: hide all that stands before the @.
	if scheme, rest, ok := strings.Cut(dsn, "://"); ok {
		if i := strings.LastIndex(rest, "@"); i >= 0 {
			return scheme + "://xxxxx" + rest[i:]
		}
	}
	return dsn
}
