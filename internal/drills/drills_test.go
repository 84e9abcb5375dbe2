package drills

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"parley/client"
	"parley/internal/testenv"
	"parley/internal/testserver"
)

type member struct {
	name string
	api  *client.Client
	conn *client.Conn

	mu      sync.Mutex
	seqs    []int64                // message seqs of the drill room, in arrival order
	offline map[client.UserID]bool // users this member heard go offline
}

type drill struct {
	t     *testing.T
	pg    *postgres
	redis *testenv.RedisServer
	nodes []*node
	room  client.RoomID
	// first is the seq of the first message the drill counts: the room's
	// creation and its members' joins come before the connections open.
	first int64
	users []*member
}

const (
	nodeCount = 3
	userCount = 6
	senders   = 3
)

func setup(t *testing.T, name string) *drill {
	rd := startRedis(t)
	d := setupOn(t, name, rd.URL())
	d.redis = rd
	return d
}

// setupOn starts the drill's nodes on the Redis (or Redis Cluster) at
// redisURL.
func setupOn(t *testing.T, name, redisURL string) *drill {
	d := &drill{t: t, pg: startPostgres(t)}
	dsn := d.pg.database(t, name)
	for i := range nodeCount {
		d.nodes = append(d.nodes, startNode(t, fmt.Sprintf("node%d", i), dsn, redisURL))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i := range userCount {
		c, rot := clusterClient(t, d.nodes, i%nodeCount)
		u := &member{name: fmt.Sprintf("user%d", i)}
		if _, err := c.Signup(ctx, u.name, "password-"+u.name, ""); err != nil {
			t.Fatal(err)
		}
		api, _, err := c.Login(ctx, u.name, "password-"+u.name)
		if err != nil {
			t.Fatal(err)
		}
		u.api = api
		d.users = append(d.users, u)
		_ = rot
	}
	// Strangers cannot add each other (docs/decisions/0020-consent.md):
	// the others join with an invite link, through whatever node serves them.
	room, err := d.users[0].api.CreateRoom(ctx, "drill")
	if err != nil {
		t.Fatal(err)
	}
	link, err := d.users[0].api.CreateLink(ctx, room.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range d.users[1:] {
		if _, err := u.api.JoinLink(ctx, link.Code); err != nil {
			t.Fatal(err)
		}
	}
	d.room = room.ID
	joined, err := d.users[0].api.Room(ctx, room.ID)
	if err != nil {
		t.Fatal(err)
	}
	d.first = joined.LastSeq + 1
	for i, u := range d.users {
		// A fresh rotator per connection spreads users over the nodes.
		_, rot := clusterClient(t, d.nodes, i%nodeCount)
		conn, err := u.api.Connect(ctx, client.ConnectOptions{Dialer: wsDialer(rot), MaxBackoff: 500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		u.conn = conn
		t.Cleanup(func() { conn.Close() })
		go u.collect(d.room)
	}
	return d
}

func (u *member) collect(room client.RoomID) {
	for ev := range u.conn.Events() {
		switch {
		case ev.Type == "message" && ev.Message.RoomID == room:
			u.mu.Lock()
			u.seqs = append(u.seqs, ev.Message.Seq)
			u.mu.Unlock()
		case ev.Type == "presence" && !ev.Presence.Online:
			u.mu.Lock()
			if u.offline == nil {
				u.offline = map[client.UserID]bool{}
			}
			u.offline[ev.Presence.UserID] = true
			u.mu.Unlock()
		}
	}
}

func (u *member) seen() []int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.seqs)
}

// run streams messages from the senders, applies fault mid-stream, and
// checks the drill's promise: every acknowledged message reached every
// member exactly once, in seq order, and none was stored twice.
func (d *drill) run(fault func()) {
	t := d.t
	var (
		mu       sync.Mutex
		acked    = map[int64]string{} // seq → client_id
		failures int
		wg       sync.WaitGroup
		stop     = make(chan struct{})
	)
	for s := range senders {
		u := d.users[s]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				cid := fmt.Sprintf("%s-%d", u.name, i)
				deadline := time.Now().Add(60 * time.Second)
				for {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					m, err := u.conn.Send(ctx, d.room, cid, "drill message "+cid)
					cancel()
					if err == nil {
						mu.Lock()
						if prev, ok := acked[m.Seq]; ok && prev != cid {
							t.Errorf("seq %d acked for %s and %s", m.Seq, prev, cid)
						}
						acked[m.Seq] = cid
						mu.Unlock()
						break
					}
					mu.Lock()
					failures++
					mu.Unlock()
					if time.Now().After(deadline) {
						t.Errorf("%s could not send %s for 60s: %v", u.name, cid, err)
						return
					}
					time.Sleep(100 * time.Millisecond) // retry with the same client_id
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	fault()
	time.Sleep(2500 * time.Millisecond)
	close(stop)
	wg.Wait()
	if t.Failed() {
		return
	}

	// The store is the truth: seqs 1..last with no gap, every client_id once.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var history []client.Message
	for after := int64(0); ; {
		page, err := d.users[0].api.History(ctx, d.room, client.Page{After: after, Limit: 100, Asc: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		history = append(history, page...)
		after = page[len(page)-1].Seq
	}
	last := int64(len(history))
	stored := map[string]int64{}
	for i, m := range history {
		if m.Seq != int64(i+1) {
			t.Fatalf("history has seq %d at position %d: a gap", m.Seq, i+1)
		}
		if m.ClientID != "" {
			if prev, dup := stored[m.ClientID]; dup {
				t.Fatalf("client_id %s stored twice (seq %d and %d)", m.ClientID, prev, m.Seq)
			}
			stored[m.ClientID] = m.Seq
		}
	}
	for seq, cid := range acked {
		if stored[cid] != seq {
			t.Fatalf("acked %s at seq %d, stored at %d", cid, seq, stored[cid])
		}
	}
	t.Logf("%d messages stored, %d acknowledged, %d failed attempts retried", last-d.first+1, len(acked), failures)
	if len(acked) < 50 {
		t.Fatalf("only %d messages acknowledged: the stream did not flow", len(acked))
	}

	// Every member saw first..last exactly once, in order.
	want := make([]int64, 0, last)
	for s := d.first; s <= last; s++ {
		want = append(want, s)
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, u := range d.users {
		for len(u.seen()) < len(want) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if got := u.seen(); !slices.Equal(got, want) {
			t.Errorf("%s saw %d of %d messages (reconnected %d times): %s", u.name, len(got), len(want), u.conn.Connects()-1, describe(got, want))
		}
		// The client would repair a gap itself; the server must not need it to.
		if n := u.conn.GapFills(); n != 0 {
			t.Errorf("%s had to repair %d seq gaps in live delivery", u.name, n)
		}
	}
}

func describe(got, want []int64) string {
	seen := map[int64]int{}
	for _, s := range got {
		seen[s]++
	}
	var missing, dups, disorder []int64
	for _, s := range want {
		if seen[s] == 0 {
			missing = append(missing, s)
		}
		if seen[s] > 1 {
			dups = append(dups, s)
		}
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			disorder = append(disorder, got[i])
		}
	}
	clip := func(s []int64) []int64 { return s[:min(len(s), 10)] }
	return fmt.Sprintf("missing %v, duplicated %v, out of order %v", clip(missing), clip(dups), clip(disorder))
}

func TestKillNodeMidStream(t *testing.T) {
	d := setup(t, "kill_node")
	d.run(func() { d.nodes[1].kill() })
}

func TestRestartRedisMidStream(t *testing.T) {
	d := setup(t, "restart_redis")
	d.run(func() {
		d.redis.Kill()
		time.Sleep(time.Second)
		d.redis.Start(t)
	})
}

func TestRestartPostgresMidStream(t *testing.T) {
	d := setup(t, "restart_postgres")
	d.run(func() {
		d.pg.stop(t)
		time.Sleep(time.Second)
		d.pg.start(t)
	})
}

func TestDrainNodeMidStream(t *testing.T) {
	d := setup(t, "drain_node")
	d.run(func() { d.nodes[2].drain(t) })
}

// The users of a node that dies go offline once its presence lease expires.
func TestKilledNodeUsersGoOffline(t *testing.T) {
	d := setup(t, "presence_expiry")
	// A raw connection (no reconnect) for a user present only on node 1.
	lonely := d.users[1]
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+d.nodes[1].addr+"/api/v1/ws?token="+lonely.api.Token(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	lonely.conn.Close() // its self-healing connection would come back online elsewhere
	online := func() bool {
		ms, err := d.users[0].api.Members(context.Background(), d.room)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Username == lonely.name {
				return m.Online
			}
		}
		t.Fatal("user not in the member list")
		return false
	}
	_, ready, err := ws.ReadMessage() // the connection counts from here
	if err != nil {
		t.Fatal(err)
	}
	testserver.CheckFrames(t, ready)
	for deadline := time.Now().Add(time.Minute); !online(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the user is not online before the crash")
		}
	}
	d.nodes[1].kill()
	start := time.Now()
	for online() {
		if time.Since(start) > 15*time.Second {
			t.Fatal("the user of the killed node is still online after 15 s (lease 2 s)")
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("offline %v after the kill (lease 2 s)", time.Since(start).Round(100*time.Millisecond))

	// The expiry is live news too: a surviving node publishes it to the room.
	me, err := lonely.api.Me(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	watcher := d.users[0] // on node 0
	for !watcher.heardOffline(me.ID) {
		if time.Since(start) > 20*time.Second {
			t.Fatal("no presence event told the room that the killed node's user went offline")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (u *member) heardOffline(id client.UserID) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.offline[id]
}

// While Redis is away — killed, or frozen so that nothing answers — two
// users of one node keep chatting live: the node delivers to its own
// connections directly, and a send's ack waits for the store alone.
func TestSameNodeChatWithoutRedis(t *testing.T) {
	for _, fault := range []struct {
		name     string
		down, up func(d *drill)
	}{
		{"killed", func(d *drill) { d.redis.Kill() }, func(d *drill) { d.redis.Start(d.t) }},
		{"frozen", func(d *drill) { d.redis.Freeze() }, func(d *drill) { d.redis.Thaw() }},
	} {
		t.Run(fault.name, func(t *testing.T) {
			d := setup(t, "same_node_"+fault.name)
			sender, peer := d.users[0], d.users[nodeCount] // both connected to node 0
			fault.down(d)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			m, err := sender.conn.Send(ctx, d.room, "", "while Redis is away")
			if err != nil {
				t.Fatalf("send while Redis is %s: %v", fault.name, err)
			}
			for !slices.Contains(peer.seen(), m.Seq) {
				if ctx.Err() != nil {
					t.Fatalf("the peer on the same node did not get seq %d while Redis was %s", m.Seq, fault.name)
				}
				time.Sleep(20 * time.Millisecond)
			}
			fault.up(d)
		})
	}
}
