package drills

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"parley/client"
	"parley/internal/testserver"
)

// pair signs up two users on base, puts them in one room and returns their
// clients and the room.
func pair(t *testing.T, base string) ([]*client.Client, client.RoomID) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	anon := client.New(base).WithFrameHook(testserver.FrameChecker(t))
	var users []*client.Client
	for _, name := range []string{"ann", "ben"} {
		if _, err := anon.Signup(ctx, name, "password-"+name, ""); err != nil {
			t.Fatal(err)
		}
		c, _, err := anon.Login(ctx, name, "password-"+name)
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, c)
	}
	room, err := users[0].CreateRoom(ctx, "degrade")
	if err != nil {
		t.Fatal(err)
	}
	link, err := users[0].CreateLink(ctx, room.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := users[1].JoinLink(ctx, link.Code); err != nil {
		t.Fatal(err)
	}
	return users, room.ID
}

// dialWS opens a WebSocket at base (http://…) with the token in a header,
// returning the handshake's response whatever it was.
func dialWS(base, token string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{"Authorization": {"Bearer " + token}}
	d := &websocket.Dialer{HandshakeTimeout: time.Minute}
	return d.Dial("ws"+strings.TrimPrefix(base, "http")+"/api/v1/ws", h)
}

// connectWhilePostgresDown is the drill of decision 0022, at base (a node,
// or nginx in front of nodes) with a connect hold of hold: while PostgreSQL
// is down a handshake waits; past the hold it is answered 503 with
// Retry-After (then refused, if set, runs, PostgreSQL still down); a
// handshake begun while PostgreSQL is down completes once PostgreSQL returns
// within the hold.
func connectWhilePostgresDown(t *testing.T, pg *postgres, base string, hold time.Duration, refused func()) {
	users, _ := pair(t, base)
	pg.stop(t)
	restarted := false
	defer func() {
		if !restarted {
			pg.start(t)
		}
	}()

	// Several handshakes at once, as a reconnecting crowd would: behind a
	// balancer they land on every node.
	const crowd = 4
	type refusal struct {
		resp   *http.Response
		err    error
		waited time.Duration
	}
	refusals := make(chan refusal, crowd)
	start := time.Now()
	for range crowd {
		go func() {
			ws, resp, err := dialWS(base, users[0].Token())
			if err == nil {
				ws.Close()
				err = errors.New("a WebSocket opened while PostgreSQL was down")
			}
			refusals <- refusal{resp, err, time.Since(start)}
		}()
	}
	var slowest time.Duration
	for range crowd {
		r := <-refusals
		if r.resp == nil {
			t.Fatalf("handshake while PostgreSQL is down: %v, want a 503", r.err)
		}
		var body struct {
			Error struct{ Code string } `json:"error"`
		}
		json.NewDecoder(r.resp.Body).Decode(&body)
		r.resp.Body.Close()
		if r.resp.StatusCode != http.StatusServiceUnavailable || r.resp.Header.Get("Retry-After") == "" || body.Error.Code != "unavailable" {
			t.Fatalf("handshake while PostgreSQL is down: %d (Retry-After %q, code %q), want 503 with Retry-After and code unavailable",
				r.resp.StatusCode, r.resp.Header.Get("Retry-After"), body.Error.Code)
		}
		// Past the hold, and only once: a balancer that tried the next node
		// would answer after two holds.
		if r.waited < hold-500*time.Millisecond || r.waited > hold+4*time.Second {
			t.Fatalf("a 503 came after %v; the hold is %v", r.waited, hold)
		}
		slowest = max(slowest, r.waited)
	}
	t.Logf("PostgreSQL down: %d handshakes at once answered 503 within %v (hold %v)", crowd, slowest.Round(10*time.Millisecond), hold)
	if refused != nil {
		refused()
	}

	// A handshake begun while PostgreSQL is down completes when it returns.
	type result struct {
		conn *client.Conn
		err  error
		at   time.Time
	}
	done := make(chan result, 1)
	begun := time.Now()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*hold)
		defer cancel()
		c, err := users[1].Connect(ctx, client.ConnectOptions{})
		done <- result{c, err, time.Now()}
	}()
	time.Sleep(hold / 5)
	select {
	case r := <-done:
		t.Fatalf("the connect returned while PostgreSQL was down: %v", r.err)
	default:
	}
	pg.start(t)
	restarted = true
	up := time.Now()
	r := <-done
	if r.err != nil {
		t.Fatalf("connect begun while PostgreSQL was down, PostgreSQL back %v later: %v", up.Sub(begun).Round(time.Millisecond), r.err)
	}
	defer r.conn.Close()
	t.Logf("connect held %v, ready %v after PostgreSQL accepted connections again", r.at.Sub(begun).Round(10*time.Millisecond), r.at.Sub(up).Round(10*time.Millisecond))
}

// While PostgreSQL is down a node holds WebSocket handshakes up to
// --connect-hold, then answers 503; one that PostgreSQL's return catches
// within the hold completes.
func TestConnectWhilePostgresDown(t *testing.T) {
	pg, rd := startPostgres(t), startRedis(t)
	const hold = 8 * time.Second
	n := startNode(t, "node0", pg.database(t, "connect_hold"), rd.URL(), "--connect-hold", hold.String())
	connectWhilePostgresDown(t, pg, "http://"+n.addr, hold, nil)
}

// Behind the shipped nginx the same holds, and the nodes' 503s reach the
// client as they are: nginx neither answers 502 nor marks the nodes failed.
func TestConnectWhilePostgresDownBehindNginx(t *testing.T) {
	pg, rd := startPostgres(t), startRedis(t)
	const hold = 8 * time.Second
	cl := startCluster(t, 2, pg, rd, "PARLEY_CONNECT_HOLD="+hold.String())
	connectWhilePostgresDown(t, pg, cl.base, hold, func() {
		// Both nodes are still in nginx's rotation right after their 503s:
		// had nginx counted them as failures, both would be out for
		// fail_timeout, and nginx would answer 502 meanwhile.
		for i := range 4 {
			resp, err := http.Get(cl.base + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /healthz #%d through nginx right after the 503: %d", i, resp.StatusCode)
			}
		}
	})
	log, _ := os.ReadFile(filepath.Join(cl.run, "nginx-error.log"))
	if strings.Contains(string(log), "no live upstreams") {
		t.Fatalf("nginx marked every node failed:\n%s", log)
	}
	access, _ := os.ReadFile(filepath.Join(cl.run, "nginx-access.log"))
	if strings.Contains(string(access), "\" 502 ") {
		t.Fatalf("nginx answered 502:\n%s", access)
	}
}

// counter reads one counter from a node's /metrics.
func counter(t *testing.T, addr, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	t.Fatalf("no %s in %s's metrics", name, addr)
	return 0
}

// Behind nginx, a client that stops reading is closed as too slow by its
// node, and what it still reads after that — events the node wrote before
// dropping it, held in nginx's and the kernels' buffers — is bounded: it
// learns that it was dropped (4001, or the connection cut) after a few
// hundred kilobytes, not after tens of seconds of stale events.
func TestSlowReaderBehindNginx(t *testing.T) {
	pg, rd := startPostgres(t), startRedis(t)
	cl := startCluster(t, 1, pg, rd, "PARLEY_MESSAGES_PER_SECOND=5000", "PARLEY_MESSAGE_BURST=5000",
		"PARLEY_FRAMES_PER_SECOND=5000", "PARLEY_FRAME_BURST=5000", "PARLEY_LOG_LEVEL=warn")
	users, room := pair(t, cl.base)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sender, err := users[0].Connect(ctx, client.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	go func() {
		for range sender.Events() {
		}
	}()
	slow, _, err := dialWS(cl.base, users[1].Token())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, _, err := slow.ReadMessage(); err != nil { // ready
		t.Fatal(err)
	}

	// The slow client stops reading; ann floods the room.
	stopped := time.Now()
	text := strings.Repeat("x", 3000)
	var (
		stop  atomic.Bool
		sent  atomic.Int64
		wg    sync.WaitGroup
		floor = counter(t, cl.nodes[0], "parley_slow_disconnects_total")
	)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load() && ctx.Err() == nil; i++ {
				sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
				_, err := sender.Send(sctx, room, fmt.Sprintf("flood-%d-%d", g, i), text)
				scancel()
				if err == nil {
					sent.Add(1)
				}
			}
		}()
	}
	var dropped time.Time
	for {
		if counter(t, cl.nodes[0], "parley_slow_disconnects_total") > floor {
			dropped = time.Now()
			break
		}
		if time.Since(stopped) > time.Minute {
			stop.Store(true)
			wg.Wait()
			t.Fatalf("the node did not drop a client that read nothing for a minute (%d messages sent)", sent.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()

	// It reads again, as fast as it can: everything until the end is stale.
	var stale, frames int
	var end error
	slow.SetReadDeadline(time.Now().Add(time.Minute))
	for {
		_, b, err := slow.ReadMessage()
		if err != nil {
			end = err
			break
		}
		stale += len(b)
		frames++
	}
	learned := time.Since(dropped)
	var ce *websocket.CloseError
	how := "cut (" + end.Error() + ")"
	if errors.As(end, &ce) {
		how = "closed with " + strconv.Itoa(ce.Code)
		if ce.Code != 4001 {
			t.Errorf("the slow client was closed with %d, want 4001", ce.Code)
		}
	}
	t.Logf("stopped reading: dropped by the node %v later (%d messages of 3000 characters sent); then read %d KiB in %d frames of stale events and was %s, %v after the drop",
		dropped.Sub(stopped).Round(10*time.Millisecond), sent.Load(), stale>>10, frames, how, learned.Round(10*time.Millisecond))
	if stale > 2<<20 {
		t.Errorf("the slow client read %d KiB after the node dropped it, want at most 2 MiB", stale>>10)
	}
}

// During an outage of Redis or PostgreSQL each node logs what changed —
// an operation started failing, it recovered — not every failure: while
// the stream flows through a four-second outage, no message is logged more
// than twice on any node, however many sends, heartbeats, backfills and
// presence updates failed meanwhile. (Before, each node logged every failed
// heartbeat: six in four seconds with the drills' 2 s lease, and without
// end while Redis stayed away.)
func TestOutagesLogStateChanges(t *testing.T) {
	for _, outage := range []struct {
		name  string
		fault func(d *drill)
	}{
		{"redis", func(d *drill) { d.redis.Kill(); time.Sleep(4 * time.Second); d.redis.Start(d.t) }},
		{"postgres", func(d *drill) { d.pg.stop(d.t); time.Sleep(4 * time.Second); d.pg.start(d.t) }},
	} {
		t.Run(outage.name, func(t *testing.T) {
			d := setup(t, "quiet_"+outage.name)
			d.run(func() { outage.fault(d) })
			for _, n := range d.nodes {
				counts, total := logLines(t, n)
				t.Logf("%s: %d log lines: %v", n.name, total, counts)
				for msg, c := range counts {
					if c > 2 {
						t.Errorf("%s logged %q %d times during one outage", n.name, msg, c)
					}
				}
			}
		})
	}
}

// logLines counts a node's JSON log lines by message.
func logLines(t *testing.T, n *node) (map[string]int, int) {
	t.Helper()
	b, err := os.ReadFile(n.log.Name())
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	total := 0
	for line := range strings.Lines(string(b)) {
		var rec struct{ Msg string }
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue // the race detector's or the runtime's own output
		}
		counts[rec.Msg]++
		total++
	}
	return counts, total
}

// A node that drains while handshakes are held for PostgreSQL answers them
// 503 at once and exits, instead of waiting out the hold.
func TestDrainDuringHeldConnect(t *testing.T) {
	pg, rd := startPostgres(t), startRedis(t)
	const hold = time.Minute
	n := startNode(t, "node0", pg.database(t, "drain_held"), rd.URL(), "--connect-hold", hold.String())
	users, _ := pair(t, "http://"+n.addr)
	pg.stop(t)
	defer pg.start(t)
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		ws, resp, err := dialWS("http://"+n.addr, users[0].Token())
		if err == nil {
			ws.Close()
		}
		r := result{err: err}
		if resp != nil {
			r.status = resp.StatusCode
		}
		done <- r
	}()
	time.Sleep(2 * time.Second) // the handshake is being held
	start := time.Now()
	n.drain(t)
	select {
	case r := <-done:
		if r.status != http.StatusServiceUnavailable {
			t.Fatalf("held handshake at drain: status %d (%v), want 503", r.status, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the held handshake was not answered within 10 s of the drain")
	}
	t.Logf("drained with a held handshake in %v", time.Since(start).Round(10*time.Millisecond))
}
