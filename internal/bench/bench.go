// Package bench is Parley's load generator (`parley bench`). It runs as a
// process of its own against any node's base URL, prepares its own users,
// tokens and rooms, opens lean counting WebSocket connections, drives one of
// four scenarios and reports exactly what it saw: every delivery is checked
// against the seqs the senders had acknowledged, per connection, so lost and
// duplicated messages are counted, not estimated.
//
// Scenarios:
//
//	broadcast  N connections in one room; P of them publish R messages/minute in total
//	rooms      N users in rooms of --room-size; each sends one message every --interval
//	connect    N clients connect at --connect-rate per second; time until all are ready
//	ingest     N senders pipeline --inflight sends each over --rooms rooms; acks per second
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config is one run. Zero fields take the values of DefaultConfig.
type Config struct {
	Scenario string // broadcast, rooms, connect or ingest
	// URLs are the base URLs of the nodes under test. Connection n goes to
	// node n mod len(URLs), publishers included, so every node carries the
	// same share of connections and of sends; each node's /metrics is read.
	URLs []string
	// RedisInfo, when set, is the Redis the nodes share (redis:// URL or
	// host:port): its CPU is read with INFO cpu before and after the
	// measured phase, so the cost of the bus is reported beside the nodes'.
	RedisInfo string
	// DB, when set, is the server's database (SQLite path or postgres:// URL):
	// users, sessions and rooms are written straight into it, which is the
	// only practical way to prepare thousands of users (signup hashes every
	// password with argon2). Empty: prepare through the REST API.
	DB string

	Conns       int
	Publishers  int           // broadcast: how many of the connections send
	Rate        float64       // broadcast: messages per minute, all publishers together
	Duration    time.Duration // how long the senders send
	RoomSize    int           // rooms, connect: members per room (connect: 0 = no rooms)
	Interval    time.Duration // rooms: each user sends one message this often
	ConnectRate float64       // connections opened per second; 0 = as fast as possible
	Rooms       int           // ingest: rooms the senders spread over
	Inflight    int           // ingest: sends awaiting their ack per connection
	SourceIPs   int           // spread connections over 127.0.0.1..127.0.0.N (loopback targets only)
	Drain       time.Duration // after sending, how long to wait for acks and late deliveries
	Hold        time.Duration // connect: keep every connection open this long, then read the server's idle RSS

	RunID    string // names the users bench_<RunID>_<n>; random when empty
	JSONPath string // write the JSON result here ("" = none)
	HTMLPath string // write the HTML report here ("" = none)

	Progress io.Writer // live \r-updated line each second (nil = none)
	Summary  io.Writer // the human summary at the end (nil = none)
	Status   io.Writer // preparation and phase messages (nil = none)
}

// DefaultConfig holds the defaults of every knob; cmd/parley shows them as
// the flags' defaults.
func DefaultConfig() Config {
	return Config{
		URLs: []string{"http://127.0.0.1:8080"}, Conns: 100, Publishers: 4, Rate: 7000, Duration: 30 * time.Second,
		RoomSize: 10, Interval: 10 * time.Second, ConnectRate: 1000, Rooms: 1000, Inflight: 32,
		SourceIPs: 4, Drain: 10 * time.Second,
	}
}

// Scenarios lists the scenario names.
func Scenarios() []string { return []string{"broadcast", "rooms", "connect", "ingest"} }

func (c Config) withDefaults() (Config, error) {
	d := DefaultConfig()
	c.URLs = SplitURLs(c.URLs)
	if len(c.URLs) == 0 {
		c.URLs = d.URLs
	}
	setInt := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	setDur := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	setInt(&c.Conns, d.Conns)
	setInt(&c.Publishers, d.Publishers)
	setInt(&c.Rooms, d.Rooms)
	setInt(&c.Inflight, d.Inflight)
	setInt(&c.SourceIPs, 1)
	setDur(&c.Duration, d.Duration)
	setDur(&c.Interval, d.Interval)
	setDur(&c.Drain, d.Drain)
	if c.Rate <= 0 {
		c.Rate = d.Rate
	}
	if c.RoomSize < 0 || (c.RoomSize == 0 && c.Scenario != "connect") {
		c.RoomSize = d.RoomSize
	}
	if c.ConnectRate < 0 {
		c.ConnectRate = 0
	}
	c.Publishers = min(c.Publishers, c.Conns)
	if c.SourceIPs > 254 {
		return c, errors.New("at most 254 source addresses (127.0.0.1..127.0.0.254)")
	}
	if c.RunID == "" {
		b := make([]byte, 4)
		rand.Read(b)
		c.RunID = hex.EncodeToString(b)
	}
	if len(c.RunID) > 12 || strings.Trim(c.RunID, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
		return c, fmt.Errorf("run id %q: use at most 12 of a-z and 0-9 (it goes into usernames)", c.RunID)
	}
	for _, raw := range c.URLs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, fmt.Errorf("url %q: want http://host:port or https://host:port", raw)
		}
	}
	switch c.Scenario {
	case "broadcast", "rooms", "connect", "ingest":
	default:
		return c, fmt.Errorf("unknown scenario %q (want %s)", c.Scenario, strings.Join(Scenarios(), ", "))
	}
	return c, nil
}

// SplitURLs flattens node URLs given as repeated values, comma-separated
// lists or both, dropping empty entries and trailing slashes.
func SplitURLs(values []string) []string {
	var out []string
	for _, v := range values {
		for u := range strings.SplitSeq(v, ",") {
			if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
				out = append(out, u)
			}
		}
	}
	return out
}

// node returns the index of the node connection idx goes to.
func (c Config) node(idx int) int { return idx % len(c.URLs) }

// run is the state of one bench run, shared by its connections. Everything
// a reader goroutine writes on the hot path is sharded (see recorder and
// counters), so 15,000 readers do not contend on one cache line.
type run struct {
	cfg     Config
	wsURLs  []string // one per node, as cfg.URLs
	dialers []*dialer

	roomIDs   []string
	roomIndex map[string]int32 // read-only once preparation is done
	rooms     []*roomSeqs

	lat     *recorder // send → receipt (message text carries the send time)
	ackLat  *recorder // send → ack
	connLat *recorder // dial → ready frame

	recv    *counters // distinct deliveries, and when the last one came
	acked   atomic.Int64
	pending atomic.Int64 // sends awaiting an ack or error
	live    atomic.Int64 // connections open
	ready   atomic.Int64 // connections that ever became ready
	lastAck atomic.Int64 // unix nanos
	errs    errCounts
	midLine atomic.Bool // a progress line is on the terminal without its newline

	bufs sync.Pool // read buffers, shared: a connection holds one only while parsing
}

// Run prepares, runs the scenario, and reports. The result is returned (and
// written to the configured files) even when ctx ends early, so an
// interrupted run still says what it measured.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	raiseFileLimit(cfg.Status)
	r, err := newRun(cfg)
	if err != nil {
		return nil, err
	}
	p := makePlan(cfg)
	start := time.Now()
	creds, err := prepare(ctx, cfg, p)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	r.status("prepared %d users and %d rooms in %.1fs (%s)", len(creds.tokens), len(creds.roomIDs), time.Since(start).Seconds(), prepMethod(cfg))
	r.setRooms(creds.roomIDs)

	var res *Result
	switch cfg.Scenario {
	case "connect":
		res = r.connectScenario(ctx, creds.tokens)
	default:
		res = r.messageScenario(ctx, p, creds.tokens)
	}
	if res.Connections == 0 && ctx.Err() == nil {
		return res, fmt.Errorf("no connection became ready: %v", res.Errors)
	}
	return res, r.report(res)
}

func newRun(cfg Config) (*run, error) {
	var wsURLs []string
	for _, raw := range cfg.URLs {
		u, _ := url.Parse(raw)
		scheme := map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
		wsURLs = append(wsURLs, scheme+"://"+u.Host+strings.TrimRight(u.Path, "/")+"/api/v1/ws")
	}
	first, _ := url.Parse(cfg.URLs[0])
	dialers, err := newDialers(first, cfg.SourceIPs)
	if err != nil {
		return nil, err
	}
	return &run{
		cfg: cfg, wsURLs: wsURLs, dialers: dialers,
		lat: newRecorder(64), ackLat: newRecorder(16), connLat: newRecorder(16), recv: newCounters(64),
		errs: errCounts{m: map[string]int64{}},
	}, nil
}

func (r *run) setRooms(ids []string) {
	r.roomIDs = ids
	r.roomIndex = make(map[string]int32, len(ids))
	r.rooms = make([]*roomSeqs, len(ids))
	for i, id := range ids {
		r.roomIndex[id] = int32(i)
		r.rooms[i] = &roomSeqs{}
	}
}

func (r *run) status(format string, args ...any) {
	if r.cfg.Status != nil {
		if r.midLine.Swap(false) {
			fmt.Fprintln(r.cfg.Progress) // do not write over the progress line
		}
		fmt.Fprintf(r.cfg.Status, format+"\n", args...)
	}
}

// expectedSoFar is every acknowledged message times the connections that
// should receive it, for deciding when the drain can stop early.
func (r *run) expectedSoFar() int64 {
	var n int64
	for _, rm := range r.rooms {
		rm.mu.Lock()
		n += rm.acked.n * rm.members
		rm.mu.Unlock()
	}
	return n
}

// errCounts counts errors by a short kind ("send: rate_limited",
// "connection closed by server: 4001 ..."). Kinds never carry addresses or
// ids, so the map stays small however many connections fail.
type errCounts struct {
	mu sync.Mutex
	m  map[string]int64
}

func (e *errCounts) add(kind string, n int64) {
	e.mu.Lock()
	e.m[kind] += n
	e.mu.Unlock()
}

func (e *errCounts) snapshot() (map[string]int64, int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]int64, len(e.m))
	var total int64
	for k, v := range e.m {
		out[k] = v
		total += v
	}
	return out, total
}

// counters is a sharded counter of deliveries with the time of the latest
// one, written once per WebSocket message by each reader.
type counters struct {
	shards []counterShard
}

type counterShard struct {
	n    atomic.Int64
	last atomic.Int64 // unix nanos of the latest add
	_    [48]byte
}

func newCounters(n int) *counters { return &counters{shards: make([]counterShard, n)} }

func (c *counters) add(k int, n, now int64) {
	s := &c.shards[k%len(c.shards)]
	s.n.Add(n)
	s.last.Store(now)
}

func (c *counters) sum() (n, last int64) {
	for i := range c.shards {
		n += c.shards[i].n.Load()
		last = max(last, c.shards[i].last.Load())
	}
	return n, last
}
