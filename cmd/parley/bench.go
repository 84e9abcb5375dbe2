package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"

	loadgen "parley/internal/bench"
)

const benchUsage = `usage: parley bench <scenario> [flags]
       parley bench search --db FILE|URL [flags]   (message search; parley bench search -h)

Load-tests a running Parley server (any node's base URL, --url; several
nodes of one cluster: --url repeated or comma-separated, connections spread
round-robin, each node's /metrics read) from a separate process, and counts
what it sees: every delivery is checked by room
and seq, per connection, against the messages the server acknowledged.

scenarios:
  broadcast  --conns connections, all in one room; --publishers of them send
             --rate messages per minute in total for --duration
  rooms      --conns users in rooms of --room-size; each sends one message
             every --interval for --duration
  connect    --conns clients connect at --connect-rate per second; time until
             every one has its ready frame, and failures; with --hold, the
             server's idle RSS per connection after holding them that long
  ingest     --conns senders keep --inflight sends each in flight over --rooms
             rooms for --duration; acknowledged messages per second

preparing users, tokens and rooms (named bench_<run-id>_<n>):
  --db PATH|URL  fast path: write them straight into the server's database
                 (the SQLite file or postgres:// URL the server uses), with
                 one shared password hash and sessions issued without login.
                 Everything is created before the first connection opens.
                 Bench users accept anyone's invitations, so rooms are
                 filled by invites of a hundred. Use it beyond a few hundred
                 users.
  (no --db)      the REST API: signup, login, create room, an invite link
                 per room that its members join with (strangers cannot add
                 each other). Every signup and login is an argon2 hash on
                 the server: slow, fine for a few hundred users.

The server must allow the load: its per-user message rate
(--messages-per-second, --message-burst) and per-connection frame rate
(--frames-per-second, --frame-burst)
apply to bench senders like to anyone; refusals are counted as errors.

output: a live progress line when stdout is a terminal, a summary at the end,
--json FILE (scenario, connections, duration_s, sent, delivered, expected,
lost, duplicates, deliveries_per_s, latency_ms{p50,p90,p99,p999,max},
server{end_rss_bytes,peak_rss_bytes,cpu_seconds,cpu_s_per_m_deliveries,
goroutines, with --hold idle_rss_bytes and rss_per_conn_bytes} summed over
the nodes, nodes[{url,connections,delivered, and the server fields of that
node}], with --redis-info redis{addr,cpu_seconds,cpu_s_per_m_deliveries},
errors: an object counting errors by kind), and --html FILE (a self-contained report with charts). The server
figures are the server's own /metrics: end_rss_bytes is
process_resident_memory_bytes read once sending and the drain are over, with
every connection still open; peak_rss_bytes the highest of the readings taken
once a second through the measured phase; cpu_seconds the growth of
process_cpu_seconds_total over it.

flags:`

// bench is `parley bench`: flags in, internal/bench (imported as loadgen,
// since this function has its name) does the work.
func bench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "search" {
		return benchSearch(ctx, args[1:], getenv, stdout, stderr)
	}
	f := newFlags("bench", getenv, stderr)
	f.fs.Usage = func() {
		fmt.Fprintln(stderr, benchUsage)
		f.fs.PrintDefaults()
	}
	d := loadgen.DefaultConfig()
	var cfg loadgen.Config
	var urls urlsFlag
	f.fs.Var(&urls, "url", "base URL of a node under test; several nodes: repeat the flag or separate with commas, and connections (publishers too) go to them round-robin (default "+strings.Join(d.URLs, ",")+") ($PARLEY_BENCH_URL)")
	redisInfo := f.String("redis-info", "PARLEY_BENCH_REDIS_INFO", "", "the Redis the nodes share (redis:// URL or host:port): report its CPU (INFO cpu) over the measured phase")
	db := f.String("db", "PARLEY_BENCH_DB", "", "the server's database (SQLite file or postgres:// URL) for fast direct preparation; empty: prepare over REST")
	conns := f.Int("conns", "PARLEY_BENCH_CONNS", d.Conns, "connections (= users)")
	pubs := f.Int("publishers", "PARLEY_BENCH_PUBLISHERS", d.Publishers, "broadcast: connections that also send")
	rate := f.Float("rate", "PARLEY_BENCH_RATE", d.Rate, "broadcast: messages per minute, all publishers together")
	dur := f.Duration("duration", "PARLEY_BENCH_DURATION", d.Duration, "how long to send")
	roomSize := f.Int("room-size", "PARLEY_BENCH_ROOM_SIZE", d.RoomSize, "rooms, connect: members per room (connect: 0 for no rooms)")
	interval := f.Duration("interval", "PARLEY_BENCH_INTERVAL", d.Interval, "rooms: each user sends one message this often")
	connectRate := f.Float("connect-rate", "PARLEY_BENCH_CONNECT_RATE", d.ConnectRate, "connections opened per second (0: as fast as possible)")
	rooms := f.Int("rooms", "PARLEY_BENCH_ROOMS", d.Rooms, "ingest: rooms the senders spread over")
	inflight := f.Int("inflight", "PARLEY_BENCH_INFLIGHT", d.Inflight, "ingest: sends awaiting their ack per connection")
	sourceIPs := f.Int("source-ips", "PARLEY_BENCH_SOURCE_IPS", d.SourceIPs, "spread connections over source addresses 127.0.0.1..127.0.0.N (loopback targets only; more ephemeral ports)")
	hold := f.Duration("hold", "PARLEY_BENCH_HOLD", 0, "connect: hold every connection open this long, then report the server's idle RSS per connection")
	drain := f.Duration("drain", "PARLEY_BENCH_DRAIN", d.Drain, "after sending, how long to wait for acks and late deliveries")
	runID := f.String("run-id", "PARLEY_BENCH_RUN_ID", "", "names this run's users bench_<run-id>_<n> (a-z0-9, ≤ 12; random when empty)")
	jsonPath := f.String("json", "PARLEY_BENCH_JSON", "", "write the result as JSON to this file")
	htmlPath := f.String("html", "PARLEY_BENCH_HTML", "", "write an HTML report with charts to this file")
	cpuProfile := f.String("cpuprofile", "PARLEY_BENCH_CPUPROFILE", "", "write the load generator's own CPU profile to this file (the server's: its --debug-addr)")

	// The scenario comes first (`parley bench broadcast --conns 10`), but a
	// scenario after the flags is accepted too.
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cfg.Scenario, args = args[0], args[1:]
	}
	if err := f.parse(args); err != nil {
		return err
	}
	if cfg.Scenario == "" && f.fs.NArg() > 0 {
		cfg.Scenario = f.fs.Arg(0)
	} else if f.fs.NArg() > 0 {
		return fmt.Errorf("bench: unexpected arguments %q", f.fs.Args())
	}
	if cfg.Scenario == "" {
		f.fs.Usage()
		return fmt.Errorf("bench: name a scenario: %s", strings.Join(loadgen.Scenarios(), ", "))
	}
	if len(urls) == 0 {
		urls = urlsFlag{f.env("PARLEY_BENCH_URL", strings.Join(d.URLs, ","))}
	}
	cfg.URLs, cfg.RedisInfo = loadgen.SplitURLs(urls), *redisInfo
	cfg.DB, cfg.Conns, cfg.Publishers, cfg.Rate = *db, *conns, *pubs, *rate
	cfg.Duration, cfg.RoomSize, cfg.Interval, cfg.ConnectRate = *dur, *roomSize, *interval, *connectRate
	cfg.Rooms, cfg.Inflight, cfg.SourceIPs, cfg.Drain, cfg.Hold = *rooms, *inflight, *sourceIPs, *drain, *hold
	cfg.RunID, cfg.JSONPath, cfg.HTMLPath = *runID, *jsonPath, *htmlPath
	cfg.Summary, cfg.Status = stdout, stderr
	if isTerminal(stdout) {
		cfg.Progress = stdout
	}
	if *cpuProfile != "" {
		pf, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	_, err := loadgen.Run(ctx, cfg)
	return err
}

// urlsFlag collects --url values: the flag repeated, comma-separated, or both.
type urlsFlag []string

func (u *urlsFlag) String() string     { return strings.Join(*u, ",") }
func (u *urlsFlag) Set(v string) error { *u = append(*u, v); return nil }

// isTerminal reports whether w is a terminal (a character device), where a
// \r-updated progress line makes sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// benchSearch is `parley bench search`: message search measured on a
// database it fills itself (or reuses), through the store, no server.
func benchSearch(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("bench search", getenv, stderr)
	db := f.String("db", "PARLEY_BENCH_DB", "", "the database to fill and search (SQLite file or postgres:// URL); required")
	messages := f.Int("messages", "PARLEY_BENCH_MESSAGES", 1_000_000, "messages in the database")
	rooms := f.Int("rooms", "PARLEY_BENCH_ROOMS", 1000, "rooms the messages spread over")
	memberRooms := f.Int("member-rooms", "PARLEY_BENCH_MEMBER_ROOMS", 100, "rooms the searching user is in")
	repeat := f.Int("repeat", "PARLEY_BENCH_REPEAT", 50, "times each query runs")
	workers := f.Int("workers", "PARLEY_BENCH_WORKERS", 8, "concurrent writers while filling")
	if err := f.parse(args); err != nil {
		return err
	}
	if *db == "" {
		return fmt.Errorf("bench search: --db is required")
	}
	if *rooms < *workers || *memberRooms > *rooms || *repeat < 1 {
		return fmt.Errorf("bench search: need --rooms >= --workers >= 1, --member-rooms <= --rooms, --repeat >= 1")
	}
	return loadgen.RunSearch(ctx, loadgen.SearchConfig{DB: *db, Messages: *messages, Rooms: *rooms, MemberRooms: *memberRooms,
		Repeat: *repeat, Workers: *workers, Out: stdout, Status: stderr})
}
