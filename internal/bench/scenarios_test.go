package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"parley/internal/server"
	"parley/internal/testenv"
	"parley/internal/testserver"
)

// smoke runs a scenario against a real node in this process and checks the
// counts add up and the reports are written. (The tests do not run in
// parallel: starting two nodes at once races on gin's global mode.)
func smoke(t *testing.T, srv *testserver.Server, cfg Config) *Result {
	t.Helper()
	dir := t.TempDir()
	if len(cfg.URLs) == 0 {
		cfg.URLs = []string{srv.URL}
	}
	cfg.JSONPath, cfg.HTMLPath = filepath.Join(dir, "r.json"), filepath.Join(dir, "r.html")
	cfg.Drain = 10 * time.Second // the drain ends as soon as everything has arrived
	if runtime.GOOS == "linux" {
		cfg.SourceIPs = 3 // 127.0.0.2 and .3 are routable on Linux only
	}
	var summary bytes.Buffer
	cfg.Summary = &summary
	if testing.Verbose() {
		cfg.Status = testWriter{t}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Logf("summary:\n%s", summary.String())

	b, err := os.ReadFile(cfg.JSONPath)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatalf("json: %v", err)
	}
	want := []string{"scenario", "connections", "duration_s", "sent", "delivered", "expected", "lost",
		"duplicates", "deliveries_per_s", "latency_ms", "server", "nodes", "errors"}
	if cfg.RedisInfo != "" {
		want = append(want, "redis")
	}
	if len(fields) != len(want) {
		t.Errorf("json has %d fields, want exactly %v:\n%s", len(fields), want, b)
	}
	for _, k := range want {
		if _, ok := fields[k]; !ok {
			t.Errorf("json lacks %q", k)
		}
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil || back.Scenario != cfg.Scenario || back.Connections != res.Connections {
		t.Errorf("json does not round-trip (%v): %s", err, b)
	}
	h, err := os.ReadFile(cfg.HTMLPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(h, []byte("<svg")) || bytes.Contains(h, []byte("<script")) {
		t.Errorf("html report has no inline svg (or has a script)")
	}
	if res.Connections != cfg.Conns {
		t.Errorf("connections %d, want %d; errors %v", res.Connections, cfg.Conns, res.Errors)
	}
	if s := res.Server; s.EndRSSBytes <= 0 || s.PeakRSSBytes < s.EndRSSBytes || s.Goroutines <= 0 {
		t.Errorf("server figures not read from /metrics: %+v", res.Server)
	}
	return res
}

// checkDelivery is the contract of the message scenarios: every
// acknowledged message reached every member connection, once.
func checkDelivery(t *testing.T, res *Result) {
	t.Helper()
	if res.Sent == 0 {
		t.Fatalf("nothing sent; errors %v", res.Errors)
	}
	if res.Lost != 0 || res.Duplicates != 0 || res.Delivered != res.Expected || res.Expected == 0 {
		t.Errorf("delivered %d of %d expected, lost %d, duplicates %d", res.Delivered, res.Expected, res.Lost, res.Duplicates)
	}
	if len(res.Errors) != 0 {
		t.Errorf("errors: %v", res.Errors)
	}
	if res.LatencyMS.P50 <= 0 || res.LatencyMS.Max < res.LatencyMS.P99 {
		t.Errorf("latency %+v", res.LatencyMS)
	}
}

// realConsent gives the node the real consent defaults: new accounts take
// only friends' invitations, and the invitation, room and join rates are
// the real ones. The bench must build its rooms all the same.
func realConsent(c *server.Config) {
	testserver.Strict(c)
	c.Limits.RoomCreatesPerSecond, c.Limits.RoomCreateBurst = 0, 0
	c.Limits.InvitesPerSecond, c.Limits.InviteBurst = 0, 0
	c.Limits.DirectsPerSecond, c.Limits.DirectBurst = 0, 0
	c.Limits.JoinsPerSecond, c.Limits.JoinBurst = 0, 0
}

func TestBroadcast(t *testing.T) {
	srv := testserver.Start(t, realConsent)
	res := smoke(t, srv, Config{Scenario: "broadcast", DB: srv.DB, Conns: 100, Publishers: 3,
		Rate: 1200, Duration: 2 * time.Second, ConnectRate: 0})
	checkDelivery(t, res)
	if res.Expected != res.Sent*int64(res.Connections) {
		t.Errorf("expected %d, want sent × connections = %d", res.Expected, res.Sent*int64(res.Connections))
	}
	if len(res.Samples) == 0 {
		t.Error("no per-second samples")
	}
}

func TestRooms(t *testing.T) {
	srv := testserver.Start(t, realConsent)
	// 55 users in rooms of 10: the last room has 5, so expected is not a
	// plain multiple of the room size.
	res := smoke(t, srv, Config{Scenario: "rooms", DB: srv.DB, Conns: 55, RoomSize: 10,
		Interval: 500 * time.Millisecond, Duration: 1500 * time.Millisecond, ConnectRate: 500})
	checkDelivery(t, res)
	if res.Sent < 55 {
		t.Errorf("sent %d: every user should have sent at least once", res.Sent)
	}
}

func TestIngest(t *testing.T) {
	srv := testserver.Start(t)
	res := smoke(t, srv, Config{Scenario: "ingest", DB: srv.DB, Conns: 8, Rooms: 20, Inflight: 8,
		Duration: time.Second, ConnectRate: 0})
	checkDelivery(t, res)
}

func TestConnect(t *testing.T) {
	srv := testserver.Start(t)
	res := smoke(t, srv, Config{Scenario: "connect", DB: srv.DB, Conns: 100, RoomSize: 10, ConnectRate: 0})
	if len(res.Errors) != 0 || res.LatencyMS.P99 <= 0 {
		t.Errorf("errors %v, latency %+v", res.Errors, res.LatencyMS)
	}
}

// Without --db the bench prepares over REST like any client (a handful of
// users: each signup and login is an argon2 hash on the server), filling
// rooms through invite links.
func TestRoomsOverREST(t *testing.T) {
	srv := testserver.Start(t, realConsent)
	res := smoke(t, srv, Config{Scenario: "rooms", Conns: 6, RoomSize: 3,
		Interval: 300 * time.Millisecond, Duration: time.Second})
	checkDelivery(t, res)
}

func TestConfigRejectsBadInput(t *testing.T) {
	for _, c := range []Config{
		{Scenario: "nope"},
		{Scenario: "broadcast", URLs: []string{"ftp://x"}},
		{Scenario: "broadcast", URLs: []string{"http://a:1", "ftp://x"}},
		{Scenario: "broadcast", RunID: "Has Spaces"},
		{Scenario: "broadcast", SourceIPs: 300},
	} {
		if _, err := c.withDefaults(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func TestSplitURLsAndRoundRobin(t *testing.T) {
	got := SplitURLs([]string{"http://a:1", " http://b:2/, http://c:3,", ""})
	want := []string{"http://a:1", "http://b:2", "http://c:3"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("SplitURLs = %q, want %q", got, want)
	}
	cfg, err := Config{Scenario: "broadcast", URLs: []string{"http://a:1,http://b:2", "http://c:3"}}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	for idx, node := range []int{0, 1, 2, 0, 1, 2, 0} {
		if n := cfg.node(idx); n != node {
			t.Errorf("connection %d goes to node %d, want %d", idx, n, node)
		}
	}
	if cfg, _ := (Config{Scenario: "broadcast"}).withDefaults(); len(cfg.URLs) != 1 {
		t.Errorf("no --url: %q, want the one default", cfg.URLs)
	}
}

func TestParseRedisCPU(t *testing.T) {
	got, err := parseRedisCPU("# CPU\r\nused_cpu_sys:1.500000\r\nused_cpu_user:2.250000\r\nused_cpu_sys_children:9.0\r\n")
	if err != nil || got != 3.75 {
		t.Errorf("got %v, %v; want 3.75", got, err)
	}
	if _, err := parseRedisCPU("# CPU\r\n"); err == nil {
		t.Error("an INFO without the cpu fields was accepted")
	}
}

// Two nodes of one cluster (PostgreSQL and Redis shared): the connections
// and publishers alternate between them, every message reaches every
// watcher on either node once, and each node's and Redis's CPU is read.
func TestBroadcastOverTwoNodes(t *testing.T) {
	nodes := testserver.StartCluster(t, 2, realConsent)
	res := smoke(t, nodes[0], Config{Scenario: "broadcast", DB: nodes[0].DB, Conns: 60, Publishers: 4,
		Rate: 1200, Duration: 2 * time.Second, ConnectRate: 0,
		URLs: []string{nodes[0].URL, nodes[1].URL}, RedisInfo: testenv.RedisURL()})
	checkDelivery(t, res)
	if len(res.Nodes) != 2 {
		t.Fatalf("nodes %+v, want 2", res.Nodes)
	}
	var delivered int64
	for i, n := range res.Nodes {
		if n.URL != strings.TrimRight(nodes[i].URL, "/") || n.Connections != 30 || n.EndRSSBytes <= 0 {
			t.Errorf("node %d: %+v, want %s with 30 connections and its /metrics", i, n, nodes[i].URL)
		}
		delivered += n.Delivered
	}
	if delivered != res.Delivered {
		t.Errorf("nodes delivered %d in all, the run %d", delivered, res.Delivered)
	}
	if res.Redis == nil || res.Redis.CPUSeconds < 0 {
		t.Errorf("redis %+v (errors %v)", res.Redis, res.Errors)
	}
}
