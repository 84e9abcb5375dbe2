package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"parley/internal/chat"
	"parley/internal/password"
	"parley/internal/push"
	"parley/internal/server"
)

const usage = `usage: parley <command> [flags]

commands:
  serve     run a Parley node (the default)
  migrate   apply database migrations and exit
  bench     load-test a running server (parley bench -h)

Run 'parley <command> -h' for the flags of a command. Every flag can also be
set by the environment variable named in its help.`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stderr)
	case "migrate":
		return migrate(ctx, args, getenv, stdout, stderr)
	case "bench":
		return bench(ctx, args, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// flags binds flags whose defaults come from the environment, so the same
// setting can be given either way (the flag wins).
type flags struct {
	fs     *flag.FlagSet
	getenv func(string) string
	errs   []error
}

func newFlags(name string, getenv func(string) string, out io.Writer) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	return &flags{fs: fs, getenv: getenv}
}

func (f *flags) env(key, def string) string {
	if v := f.getenv(key); v != "" {
		return v
	}
	return def
}

func (f *flags) String(name, env, def, help string) *string {
	return f.fs.String(name, f.env(env, def), help+" ($"+env+")")
}

func (f *flags) Int(name, env string, def int, help string) *int {
	v, err := strconv.Atoi(f.env(env, strconv.Itoa(def)))
	if err != nil {
		f.errs = append(f.errs, fmt.Errorf("$%s: %w", env, err))
	}
	return f.fs.Int(name, v, help+" ($"+env+")")
}

func (f *flags) Bool(name, env string, def bool, help string) *bool {
	v, err := strconv.ParseBool(f.env(env, strconv.FormatBool(def)))
	if err != nil {
		f.errs = append(f.errs, fmt.Errorf("$%s: %w", env, err))
	}
	return f.fs.Bool(name, v, help+" ($"+env+")")
}

func (f *flags) Float(name, env string, def float64, help string) *float64 {
	v, err := strconv.ParseFloat(f.env(env, strconv.FormatFloat(def, 'f', -1, 64)), 64)
	if err != nil {
		f.errs = append(f.errs, fmt.Errorf("$%s: %w", env, err))
	}
	return f.fs.Float64(name, v, help+" ($"+env+")")
}

func (f *flags) Duration(name, env string, def time.Duration, help string) *time.Duration {
	v, err := time.ParseDuration(f.env(env, def.String()))
	if err != nil {
		f.errs = append(f.errs, fmt.Errorf("$%s: %w", env, err))
	}
	return f.fs.Duration(name, v, help+" ($"+env+")")
}

func (f *flags) parse(args []string) error {
	if err := f.fs.Parse(args); err != nil {
		return err
	}
	return errors.Join(f.errs...)
}

func list(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func newLogger(format, level string, w io.Writer) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format must be text or json")
}

func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	f := newFlags("serve", getenv, stderr)
	d := chat.DefaultLimits()
	addr := f.String("addr", "PARLEY_ADDR", ":8080", "listen address")
	db := f.String("db", "PARLEY_DB", "data/parley.db", "SQLite database file, or a postgres:// URL")
	redisURL := f.String("redis", "PARLEY_REDIS", "", "redis:// URL, or redis+cluster://host:port,host:port,… for a Redis Cluster: the event bus, presence, session cache and rate limits shared by all nodes (empty: single node)")
	lease := f.Duration("presence-lease", "PARLEY_PRESENCE_LEASE", 30*time.Second, "with --redis: users of a node that died go offline this long after its last heartbeat")
	logFormat := f.String("log-format", "PARLEY_LOG_FORMAT", "text", "log format: text or json")
	logLevel := f.String("log-level", "PARLEY_LOG_LEVEL", "info", "log level: debug, info, warn, error")
	origins := f.String("allowed-origins", "PARLEY_ALLOWED_ORIGINS", "", "comma-separated browser origins allowed besides the server's own")
	proxies := f.String("trusted-proxies", "PARLEY_TRUSTED_PROXIES", "", "comma-separated proxy addresses whose X-Forwarded-For is trusted")
	maxBody := f.Int("max-body-bytes", "PARLEY_MAX_BODY_BYTES", 1<<20, "largest REST request body")
	headerTimeout := f.Duration("header-timeout", "PARLEY_HEADER_TIMEOUT", 10*time.Second, "a request's headers must arrive within this long, or the connection is closed")
	bodyTimeout := f.Duration("body-timeout", "PARLEY_BODY_TIMEOUT", 10*time.Second, "grace before a request body must keep up --min-body-rate")
	minBodyRate := f.Int("min-body-rate", "PARLEY_MIN_BODY_RATE", 8<<10, "bytes a second a request body must average after --body-timeout; slower is cut (400, connection closed)")
	idleTimeout := f.Duration("idle-timeout", "PARLEY_IDLE_TIMEOUT", 2*time.Minute, "a keep-alive connection with no request for this long is closed")
	maxFrame := f.Int("max-frame-bytes", "PARLEY_MAX_FRAME_BYTES", 64<<10, "largest inbound WebSocket frame")
	maxQueue := f.Int("max-queue-bytes", "PARLEY_MAX_QUEUE_BYTES", 4<<20, "outbound bytes queued per connection before it is closed as too slow")
	maxMsg := f.Int("max-message-len", "PARLEY_MAX_MESSAGE_LEN", d.MaxMessageLen, "longest message, in characters")
	maxMembers := f.Int("max-room-members", "PARLEY_MAX_ROOM_MEMBERS", d.MaxRoomMembers, "most members in one room")
	maxRooms := f.Int("max-rooms-per-user", "PARLEY_MAX_ROOMS_PER_USER", d.MaxRoomsPerUser, "most rooms one user belongs to")
	rate := f.Float("messages-per-second", "PARLEY_MESSAGES_PER_SECOND", d.MessagesPerSecond, "sustained sends per user")
	burst := f.Int("message-burst", "PARLEY_MESSAGE_BURST", d.MessageBurst, "sends per user allowed in a burst")
	receipts := f.Duration("receipt-window", "PARLEY_RECEIPT_WINDOW", d.ReceiptWindow, "read receipts of a room are coalesced over this window")
	counts := f.Duration("count-window", "PARLEY_COUNT_WINDOW", time.Second, "a big room's counts (receipts, online count) go out at most once per window, merged, riding with its messages")
	fanout := f.Duration("fanout-window", "PARLEY_FANOUT_WINDOW", 50*time.Millisecond, "a room with many connections on this node sends its events at most once per window, many per write (0: each at once)")
	reactionLists := f.Float("reaction-lists-per-second", "PARLEY_REACTION_LISTS_PER_SECOND", d.ReactionListsPerSecond, "sustained \"who reacted\" lookups per user (GET …/reactions), across nodes")
	reactionListBurst := f.Int("reaction-list-burst", "PARLEY_REACTION_LIST_BURST", d.ReactionListBurst, "\"who reacted\" lookups per user allowed in a burst")
	presenceRooms := f.Int("presence-room-limit", "PARLEY_PRESENCE_ROOM_LIMIT", d.PresenceRoomLimit, "rooms with more members get a coalesced online count instead of per-member presence, and a shared typing budget")
	writeDelay := f.Duration("write-delay", "PARLEY_WRITE_DELAY", 0, "hold outbound frames this long so more share one write (throughput for latency)")
	framesPS := f.Float("frames-per-second", "PARLEY_FRAMES_PER_SECOND", 50, "sustained inbound WebSocket frames per connection")
	maxConns := f.Int("max-conns-per-user", "PARLEY_MAX_CONNS_PER_USER", 20, "open WebSockets and poll sessions one user may hold on this node; more are closed with 4003 (poll: 429)")
	frameBurst := f.Int("frame-burst", "PARLEY_FRAME_BURST", 100, "inbound WebSocket frames per connection allowed in a burst")
	maxInFlight := f.Int("max-frames-in-flight", "PARLEY_MAX_FRAMES_IN_FLIGHT", 64, "frames of one WebSocket read and not yet answered (sends waiting for their commit); at the bound the socket is not read until a reply goes out")
	debugAddr := f.String("debug-addr", "PARLEY_DEBUG_ADDR", "", "serve the Go profiler (/debug/pprof/) on this address, e.g. 127.0.0.1:6060; empty: off")
	metricsAddr := f.String("metrics-addr", "PARLEY_METRICS_ADDR", "", "serve /metrics on this separate address (e.g. 127.0.0.1:9090) instead of the public one; set it in production")
	blobURL := f.String("blob-url", "PARLEY_BLOB_URL", "", "where attachments are kept: a folder, or an s3://, azblob:// or gs:// bucket URL shared by all nodes (empty: blobs/ beside the SQLite file)")
	maxUpload := f.Int("max-upload-bytes", "PARLEY_MAX_UPLOAD_BYTES", int(d.MaxUploadBytes), "largest uploaded file or avatar")
	maxImageMem := f.Int("max-image-memory", "PARLEY_MAX_IMAGE_MEMORY", 192<<20, "bytes one image may take to decode (from its header: pixels × bytes per pixel, progressive JPEG buffers); more is refused with 413")
	imageMem := f.Int("image-decode-memory", "PARLEY_IMAGE_DECODE_MEMORY", 256<<20, "bytes all image decodes of the node may take together; a decode waits up to 10 s for room, then 503")
	storageQuota := f.Int("user-storage-quota", "PARLEY_USER_STORAGE_QUOTA", int(d.StorageQuota), "bytes one user's files and avatars may take together, uploads in progress included; an upload past it is refused with 413 quota_exceeded (0: the default; no setting is unlimited)")
	grace := f.Duration("attachment-grace", "PARLEY_ATTACHMENT_GRACE", d.AttachmentGrace, "an upload that no message uses is deleted this long after it was made")
	// Accounts and sessions (decision 0024).
	loginFailures := f.Int("login-failures", "PARLEY_LOGIN_FAILURES", d.LoginFailures, "wrong passwords per username and client address per --login-window; more are refused (429) before any hashing")
	loginAddrFailures := f.Int("login-address-failures", "PARLEY_LOGIN_ADDRESS_FAILURES", d.LoginAddressFailures, "wrong passwords per client address, all usernames, per --login-window")
	loginUserFailures := f.Int("login-user-failures", "PARLEY_LOGIN_USER_FAILURES", d.LoginUserFailures, "wrong passwords per username from devices it never logged in on, per --login-window")
	loginWindow := f.Duration("login-window", "PARLEY_LOGIN_WINDOW", d.LoginWindow, "the failed-login buckets refill completely over this window")
	signupsPerAddr := f.Int("signups-per-address", "PARLEY_SIGNUPS_PER_ADDRESS", d.SignupsPerAddress, "signups per client address per --signup-window")
	signups := f.Int("signups", "PARLEY_SIGNUPS", d.Signups, "signups on the whole service per --signup-window")
	signupWindow := f.Duration("signup-window", "PARLEY_SIGNUP_WINDOW", d.SignupWindow, "the signup buckets refill completely over this window")
	loginSlots := f.Int("login-hash-slots", "PARLEY_LOGIN_HASH_SLOTS", d.LoginHashSlots, "password checks of logins running at once (default: the number of cores)")
	hashSlots := f.Int("hash-slots", "PARLEY_HASH_SLOTS", d.HashSlots, "password hashes of signups and password changes running at once (default: half the cores)")
	hashQueue := f.Int("hash-queue", "PARLEY_HASH_QUEUE", d.HashQueue, "requests waiting for a hashing slot, per pool; more are refused with 503")
	hashWait := f.Duration("hash-wait", "PARLEY_HASH_WAIT", d.HashWait, "longest wait for a hashing slot before 503")
	hp := password.DefaultParams()
	hashMemory := f.Int("hash-memory-kib", "PARLEY_HASH_MEMORY_KIB", int(hp.MemoryKiB), "argon2id memory of a new password hash, in KiB (at least the default); each running hash holds it")
	hashPasses := f.Int("hash-passes", "PARLEY_HASH_PASSES", int(hp.Passes), "argon2id passes of a new password hash (at least the default)")
	sessionTTL := f.Duration("session-ttl", "PARLEY_SESSION_TTL", d.SessionTTL, "a session ends this long after its login, used or not")
	sessionIdle := f.Duration("session-idle-timeout", "PARLEY_SESSION_IDLE_TIMEOUT", d.SessionIdleTimeout, "a session unused this long (no request, no live connection) ends")
	maxSessions := f.Int("max-sessions-per-user", "PARLEY_MAX_SESSIONS_PER_USER", d.MaxSessionsPerUser, "a login past this many sessions ends the user's least recently used one")
	sessionCheck := f.Duration("session-check-interval", "PARLEY_SESSION_CHECK_INTERVAL", time.Minute, "open WebSockets and poll sessions have their session looked up again this often; a revoked or expired one is closed (4500) even if its revocation event was lost")
	ticketTTL := f.Duration("ws-ticket-ttl", "PARLEY_WS_TICKET_TTL", d.TicketTTL, "a WebSocket ticket (POST /api/v1/ws/ticket) is good this long, for one handshake")
	connectHold := f.Duration("connect-hold", "PARLEY_CONNECT_HOLD", 30*time.Second, "while the database is unavailable, a WebSocket handshake waits this long for it, retrying, before 503")
	shutdown := f.Duration("shutdown-timeout", "PARLEY_SHUTDOWN_TIMEOUT", 15*time.Second, "how long to drain connections on SIGTERM")
	// Consent (docs/decisions/0020-consent.md): rates per user, per minute.
	roomCreates := f.Float("room-creates-per-minute", "PARLEY_ROOM_CREATES_PER_MINUTE", d.RoomCreatesPerSecond*60, "group rooms one user may create per minute, sustained")
	roomCreateBurst := f.Int("room-create-burst", "PARLEY_ROOM_CREATE_BURST", d.RoomCreateBurst, "group rooms one user may create in a burst")
	invites := f.Float("invites-per-minute", "PARLEY_INVITES_PER_MINUTE", d.InvitesPerSecond*60, "people one user may name in room creations and invites (and links made) per minute, sustained")
	inviteBurst := f.Int("invite-burst", "PARLEY_INVITE_BURST", d.InviteBurst, "people one user may invite in a burst")
	directs := f.Float("directs-per-minute", "PARLEY_DIRECTS_PER_MINUTE", d.DirectsPerSecond*60, "new 1:1 chats one user may open per minute, sustained")
	directBurst := f.Int("direct-burst", "PARLEY_DIRECT_BURST", d.DirectBurst, "new 1:1 chats one user may open in a burst")
	maxPins := f.Int("max-pins-per-room", "PARLEY_MAX_PINS_PER_ROOM", d.MaxPinsPerRoom, "pinned messages one room keeps; one more is refused (409) until one is unpinned")
	pins := f.Float("pins-per-second", "PARLEY_PINS_PER_SECOND", d.PinsPerSecond, "sustained pins and unpins per user, across nodes")
	pinBurst := f.Int("pin-burst", "PARLEY_PIN_BURST", d.PinBurst, "pins and unpins per user allowed in a burst")
	maxPending := f.Int("max-pending-invites", "PARLEY_MAX_PENDING_INVITES", d.MaxPendingInvites, "pending invites one user keeps; a new one drops the oldest")
	whoMayAdd := f.String("default-who-may-add", "PARLEY_DEFAULT_WHO_MAY_ADD", string(chat.AddFriends), "new accounts' \"who may add me\": friends, or anyone")
	// Web Push (docs/decisions/0028-notifications.md).
	maxPushSubs := f.Int("max-push-subscriptions", "PARLEY_MAX_PUSH_SUBSCRIPTIONS", 10, "push subscriptions (browsers) one user keeps; a new one beyond drops the oldest")
	pushSubject := f.String("push-subject", "PARLEY_PUSH_SUBJECT", "mailto:postmaster@localhost", "the contact push services see in Web Push requests (VAPID sub): a mailto: or https: URL of the operator")
	pushWindow := f.Duration("push-coalesce-window", "PARLEY_PUSH_COALESCE_WINDOW", time.Second, "a notification waits this long after the first message it stands for, so a burst in one room is one notification")
	pushMaxAge := f.Duration("push-max-age", "PARLEY_PUSH_MAX_AGE", time.Hour, "a notification not delivered this long after its message is given up (retries stop; also its TTL at the push service)")
	pushLoopback := f.Bool("push-allow-loopback-http", "PARLEY_PUSH_ALLOW_LOOPBACK_HTTP", false, "accept push endpoints at http://127.0.0.1 (a local test push service); never in production")
	// The Go runtime's memory (decision 0046); GOGC and GOMEMLIMIT, when
	// set, are the defaults, as they are for any Go program.
	gcPercent := f.Int("gc-percent", "PARLEY_GC_PERCENT", envGCPercent(getenv), "the garbage collector's heap goal, in percent of the live heap added on top of it (GOGC); -1: no collection but at --memory-limit")
	memLimit := f.Int("memory-limit", "PARLEY_MEMORY_LIMIT", envMemoryLimit(), "soft limit in bytes on the Go runtime's memory (GOMEMLIMIT): the collector works harder as it nears it; 0: none")
	release := f.Duration("memory-release-interval", "PARLEY_MEMORY_RELEASE_INTERVAL", 10*time.Second, "check this often whether the node has gone quiet, and if so return its free heap to the system; 0: leave it to the runtime")
	if err := f.parse(args); err != nil {
		return err
	}
	log, err := newLogger(*logFormat, *logLevel, stderr)
	if err != nil {
		return err
	}
	debug.SetGCPercent(*gcPercent)
	if *memLimit > 0 {
		debug.SetMemoryLimit(int64(*memLimit))
	} else {
		debug.SetMemoryLimit(math.MaxInt64)
	}
	releaseCtx, stopRelease := context.WithCancel(ctx)
	defer stopRelease()
	go server.ReleaseIdleMemory(releaseCtx, *release)
	lim := d
	lim.MaxMessageLen, lim.MaxRoomMembers, lim.MaxRoomsPerUser = *maxMsg, *maxMembers, *maxRooms
	lim.MessagesPerSecond, lim.MessageBurst, lim.ReceiptWindow = *rate, *burst, *receipts
	lim.PresenceRoomLimit = *presenceRooms
	lim.ReactionListsPerSecond, lim.ReactionListBurst = *reactionLists, *reactionListBurst
	lim.MaxUploadBytes, lim.AttachmentGrace, lim.StorageQuota = int64(*maxUpload), *grace, int64(*storageQuota)
	lim.RoomCreatesPerSecond, lim.RoomCreateBurst = *roomCreates/60, *roomCreateBurst
	lim.InvitesPerSecond, lim.InviteBurst = *invites/60, *inviteBurst
	lim.DirectsPerSecond, lim.DirectBurst = *directs/60, *directBurst
	lim.MaxPendingInvites = *maxPending
	lim.MaxPinsPerRoom, lim.PinsPerSecond, lim.PinBurst = *maxPins, *pins, *pinBurst
	policy := chat.AddPolicy(*whoMayAdd)
	if policy != chat.AddFriends && policy != chat.AddAnyone {
		return fmt.Errorf("--default-who-may-add must be friends or anyone")
	}
	lim.LoginFailures, lim.LoginAddressFailures, lim.LoginUserFailures, lim.LoginWindow = *loginFailures, *loginAddrFailures, *loginUserFailures, *loginWindow
	lim.SignupsPerAddress, lim.Signups, lim.SignupWindow = *signupsPerAddr, *signups, *signupWindow
	lim.LoginHashSlots, lim.HashSlots, lim.HashQueue, lim.HashWait = *loginSlots, *hashSlots, *hashQueue, *hashWait
	hashParams, err := passwordParams(*hashMemory, *hashPasses)
	if err != nil {
		return err
	}
	lim.SessionTTL, lim.SessionIdleTimeout, lim.MaxSessionsPerUser, lim.TicketTTL = *sessionTTL, *sessionIdle, *maxSessions, *ticketTTL
	cfg := server.Config{
		Addr: *addr, DB: *db, Redis: *redisURL, PresenceLease: *lease, AllowedOrigins: list(*origins), TrustedProxies: list(*proxies),
		MaxBodyBytes: int64(*maxBody), MaxImageMemory: int64(*maxImageMem), ImageDecodeMemory: int64(*imageMem),
		HeaderTimeout: *headerTimeout, BodyTimeout: *bodyTimeout, MinBodyRate: int64(*minBodyRate), IdleTimeout: *idleTimeout,
		SessionCheckInterval: *sessionCheck, ShutdownTimeout: *shutdown, Limits: lim, DebugAddr: *debugAddr, MetricsAddr: *metricsAddr,
		BlobURL: *blobURL, DefaultWhoMayAdd: policy, PasswordHash: hashParams,
		Push: push.Config{MaxSubscriptionsPerUser: *maxPushSubs, AllowLoopbackHTTP: *pushLoopback,
			Subject: *pushSubject, CoalesceWindow: *pushWindow, MaxAge: *pushMaxAge},
	}
	cfg.Realtime.ReadLimit = int64(*maxFrame)
	cfg.Realtime.MaxQueueBytes = *maxQueue
	cfg.Realtime.WriteDelay = *writeDelay
	cfg.Realtime.ConnectHold = *connectHold
	cfg.Delivery.FanoutWindow = *fanout
	cfg.Delivery.CountWindow = *counts
	cfg.Realtime.FramesPerSecond, cfg.Realtime.FrameBurst = *framesPS, *frameBurst
	cfg.Realtime.MaxConnsPerUser = *maxConns
	cfg.Realtime.MaxInFlight = *maxInFlight
	cfg.Realtime.AllowedOrigins = cfg.AllowedOrigins
	return server.Run(ctx, cfg, log, nil)
}

// passwordParams reads the argon2id flags. An operator may raise them (new
// hashes get dearer; existing ones keep verifying with their own), never go
// below the floor.
func passwordParams(memoryKiB, passes int) (password.Params, error) {
	p := password.Params{MemoryKiB: uint32(max(0, min(memoryKiB, math.MaxUint32))), Passes: uint32(max(0, min(passes, math.MaxUint32)))}
	if err := p.CheckFloor(); err != nil {
		return password.Params{}, fmt.Errorf("--hash-memory-kib, --hash-passes: %w", err)
	}
	return p, nil
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("migrate", getenv, stderr)
	db := f.String("db", "PARLEY_DB", "data/parley.db", "SQLite database file, or a postgres:// URL")
	if err := f.parse(args); err != nil {
		return err
	}
	s, err := server.OpenStore(ctx, *db) // opening applies the embedded migrations
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "migrations applied to", *db)
	return s.Close()
}

// envGCPercent is GOGC's value, "off" as -1, or the runtime's default 100.
func envGCPercent(getenv func(string) string) int {
	v := getenv("GOGC")
	if v == "off" {
		return -1
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n
	}
	return 100
}

// envMemoryLimit is the limit the runtime read from GOMEMLIMIT, or 0.
func envMemoryLimit() int {
	if l := debug.SetMemoryLimit(-1); l < math.MaxInt64 {
		return int(l)
	}
	return 0
}
