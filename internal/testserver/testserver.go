// Package testserver starts a real Parley node on a loopback port for tests,
// and gives them users that talk to it through the public Go client.
package testserver

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"parley/client"
	"parley/internal/chat"
	"parley/internal/password"
	"parley/internal/server"
	"parley/internal/testenv"
)

// Server is a running node.
type Server struct {
	URL  string
	Addr string
	DB   string
	stop context.CancelFunc
	done chan error

	validator http.RoundTripper
	frames    func(frame []byte, poll bool)
	errors    *errorLog
}

// Option adjusts the node's configuration before it starts.
type Option func(*server.Config)

// Start runs a node on 127.0.0.1:0 with a fresh SQLite file and stops it when
// the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := Config("127.0.0.1:0", filepath.Join(t.TempDir(), "parley.db"))
	for _, o := range opts {
		o(&cfg)
	}
	return StartConfig(t, cfg)
}

// Config is the test configuration of a node at addr storing in db.
func Config(addr, db string) server.Config {
	cfg := server.Config{Addr: addr, DB: db, ShutdownTimeout: 5 * time.Second}
	// Tests send in bursts; the per-user rate limit has its own test.
	cfg.Limits.MessagesPerSecond = 10000
	cfg.Limits.MessageBurst = 10000
	cfg.Limits.ReceiptWindow = 50 * time.Millisecond
	// Rooms with two or more local connections batch their events, so every
	// test with a conversation runs through the big-room path too.
	cfg.Delivery.FanoutWindow = 10 * time.Millisecond
	cfg.Delivery.FanoutBatchConns = 2
	cfg.Limits.UploadsPerSecond = 10000
	cfg.Limits.UploadBurst = 10000
	cfg.Realtime.MaxConnsPerUser = 1000 // the cap has its own test
	cfg.Realtime.FramesPerSecond = 10000
	cfg.Realtime.FrameBurst = 10000
	// Test users accept anyone's invitations, as every user did before
	// consent: tests of rooms need no friendships. Consent's own tests start
	// with Strict (or set the setting per user) and keep these rates too,
	// apart from the test of the rates themselves.
	cfg.DefaultWhoMayAdd = chat.AddAnyone
	cfg.Limits.RoomCreatesPerSecond, cfg.Limits.RoomCreateBurst = 10000, 10000
	cfg.Limits.InvitesPerSecond, cfg.Limits.InviteBurst = 10000, 10000
	cfg.Limits.DirectsPerSecond, cfg.Limits.DirectBurst = 10000, 10000
	cfg.Limits.JoinsPerSecond, cfg.Limits.JoinBurst = 10000, 10000
	// Every test user signs up from 127.0.0.1; the signup limits have their
	// own tests.
	cfg.Limits.SignupsPerAddress = 100000
	cfg.Limits.Signups = 100000
	// Every test user is a signup, and at the production parameters each
	// signup is tens of milliseconds of argon2 (hundreds under -race).
	// Hashes carry their parameters, so nothing else changes; tests of the
	// hashing pools take RealHashing.
	cfg.PasswordHash = password.Params{MemoryKiB: 64, Passes: 1}
	// Push subscriptions point at internal/pushtest's push service, which
	// listens on http://127.0.0.1.
	cfg.Push.AllowLoopbackHTTP = true
	// Notifications move fast: tests wait for them, never for a timer.
	cfg.Push.PollInterval = 20 * time.Millisecond
	cfg.Push.CoalesceWindow = 100 * time.Millisecond
	cfg.Push.RetryBase = 50 * time.Millisecond
	return cfg
}

// RealHashing gives the node the production argon2id parameters, for tests
// that need a hash to take as long as it does in production.
func RealHashing(c *server.Config) { c.PasswordHash = password.DefaultParams() }

// Strict makes new accounts keep the server's real default: only friends
// add them directly, everyone else's invitations wait for them.
func Strict(c *server.Config) { c.DefaultWhoMayAdd = chat.AddFriends }

// StartConfig runs a node with exactly cfg (Addr and DB must be set).
func StartConfig(t testing.TB, cfg server.Config) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	s := &Server{DB: cfg.DB, stop: cancel, done: make(chan error, 1), errors: &errorLog{}}
	logs := keepLogs(t, s)
	log := slog.New(errorCatcher{slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}), s.errors})
	go func() { s.done <- server.Run(ctx, cfg, log, func(a string) { addrc <- a }) }()
	select {
	case s.Addr = <-addrc:
	case err := <-s.done:
		cancel()
		t.Fatalf("server did not start: %v", err)
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("server did not start in 20s")
	}
	s.URL = "http://" + s.Addr
	s.validator = newValidatingTransport(t, s.URL)
	s.frames = FrameChecker(t)
	waitHealthy(t, s.URL)
	t.Cleanup(func() { s.Stop(t) })
	return s
}

// Stop shuts the node down gracefully and waits for it; safe to call twice.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if s.stop == nil {
		return
	}
	s.stop()
	s.stop = nil
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("server stopped with error: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("server did not stop in 30s")
	}
}

func waitHealthy(t testing.TB, url string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s/healthz not OK within 10s", url)
}

// ErrorLogs returns the messages the node has logged at level Error so far.
// The server logs only internal errors so: a test of bad input expects none.
func (s *Server) ErrorLogs() []string {
	s.errors.mu.Lock()
	defer s.errors.mu.Unlock()
	return slices.Clone(s.errors.msgs)
}

type errorLog struct {
	mu   sync.Mutex
	msgs []string
}

// errorCatcher passes records on to h and keeps the Error ones in log.
type errorCatcher struct {
	h   slog.Handler
	log *errorLog
}

func (c errorCatcher) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError || c.h.Enabled(ctx, l)
}

func (c errorCatcher) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		msg := r.Message
		r.Attrs(func(a slog.Attr) bool { msg += " " + a.String(); return true })
		c.log.mu.Lock()
		c.log.msgs = append(c.log.msgs, msg)
		c.log.mu.Unlock()
	}
	if !c.h.Enabled(ctx, r.Level) {
		return nil
	}
	return c.h.Handle(ctx, r)
}

func (c errorCatcher) WithAttrs(as []slog.Attr) slog.Handler {
	return errorCatcher{c.h.WithAttrs(as), c.log}
}

func (c errorCatcher) WithGroup(name string) slog.Handler {
	return errorCatcher{c.h.WithGroup(name), c.log}
}

// logBuffer keeps a node's log lines for the test's report.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// keepLogs returns where a node logs: a buffer that t's report shows if, and
// only if, the test failed. A passing test prints nothing, and lines logged
// after the test ended (a node shutting down) cannot panic t.Log. Registered
// before the node's own cleanup, so its shutdown lines are in.
func keepLogs(t testing.TB, s *Server) *logBuffer {
	b := &logBuffer{}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.buf.Len() > 0 {
			t.Logf("log of the node at %s:\n%s", s.Addr, b.buf.String())
		}
	})
	return b
}

// Client returns an unauthenticated client of the node whose every response
// is checked against api/openapi.yaml, and every frame its connections
// receive against api/frames.schema.json.
func (s *Server) Client() *client.Client {
	return client.New(s.URL).WithHTTPClient(&http.Client{Transport: s.validator}).WithFrameHook(s.frames)
}

// HTTPClient is a plain HTTP client of the node whose every response is
// checked against api/openapi.yaml, for the requests the Go client never
// makes: malformed bodies, odd paths.
func (s *Server) HTTPClient() *http.Client { return &http.Client{Transport: s.validator} }

// User is a signed-up, logged-in user.
type User struct {
	*client.Client
	client.User
	Password string
}

// NewUser signs up and logs in username (password "password-<username>").
func (s *Server) NewUser(t testing.TB, username string) *User {
	t.Helper()
	ctx := context.Background()
	pw := "password-" + username
	if _, err := s.Client().Signup(ctx, username, pw, "User "+username); err != nil {
		t.Fatalf("signup %s: %v", username, err)
	}
	c, u, err := s.Client().Login(ctx, username, pw)
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	return &User{Client: c, User: u, Password: pw}
}

// Connect opens a live connection for u, closed when the test ends.
func (u *User) Connect(t testing.TB) *client.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := u.Client.Connect(ctx, client.ConnectOptions{})
	if err != nil {
		t.Fatalf("connect %s: %v", u.Username, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// BlobDir is the folder a node started by Start keeps attachments in.
func (s *Server) BlobDir() string { return filepath.Join(filepath.Dir(s.DB), "blobs") }

// StartConfigAt starts a node on the address and database of a stopped one:
// a restart, as clients see it.
func StartConfigAt(t testing.TB, old *Server) *Server {
	t.Helper()
	return StartConfig(t, Config(old.Addr, old.DB))
}

// StartCluster runs n nodes in this process in production mode: one fresh
// PostgreSQL schema and the test Redis shared by all (skipped locally when
// either is missing, failed with CI=true). opts apply to every node.
func StartCluster(t testing.TB, n int, opts ...Option) []*Server {
	t.Helper()
	dsn := testenv.PostgresSchema(t)
	redisURL := testenv.Redis(t)
	blobs := t.TempDir() // one folder, as a cluster shares one bucket
	nodes := make([]*Server, n)
	for i := range nodes {
		cfg := Config("127.0.0.1:0", dsn)
		cfg.Redis = redisURL
		cfg.BlobURL = blobs
		for _, o := range opts {
			o(&cfg)
		}
		nodes[i] = StartConfig(t, cfg)
	}
	return nodes
}

// On returns u as a user of another node: same token, that node's address.
func (u *User) On(s *Server) *User {
	return &User{Client: s.Client().WithToken(u.Token()), User: u.User, Password: u.Password}
}

// ClientFrom returns an unauthenticated client of the node whose connections
// come from ip (any address of 127.0.0.0/8 on Linux loopback), so tests can
// be several clients to the per-address limits. Responses are checked
// against api/openapi.yaml as Client's are.
func (s *Server) ClientFrom(ip string) *client.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	base := &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 64}
	v := *s.validator.(*validatingTransport)
	v.base = base
	return client.New(s.URL).WithHTTPClient(&http.Client{Transport: &v})
}
