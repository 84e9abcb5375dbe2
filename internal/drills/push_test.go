package drills

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"parley/client"
	"parley/internal/push"
	"parley/internal/pushtest"
)

// TestKillNodeWithNotificationsQueued: six people each send bob, who is
// away, five 1:1 messages through three nodes; one node is killed with
// kill -9 while the notifications wait out their coalescing window (some
// of its outbox claims die with it). Every message is covered by
// notifications exactly once: per room, the counts add up to five, the
// seqs rise, and the last is the room's last message.
func TestKillNodeWithNotificationsQueued(t *testing.T) {
	pg, rd := startPostgres(t), startRedis(t)
	dsn := pg.database(t, "push")
	extra := []string{"--push-allow-loopback-http", "--push-coalesce-window", "20s", "--default-who-may-add", "anyone"}
	var nodes []*node
	for i := range nodeCount {
		nodes = append(nodes, startNode(t, fmt.Sprintf("node%d", i), dsn, rd.URL(), extra...))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	signup := func(name string, first int) *client.Client {
		c, _ := clusterClient(t, nodes, first)
		if _, err := c.Signup(ctx, name, "password-"+name, ""); err != nil {
			t.Fatal(err)
		}
		api, _, err := c.Login(ctx, name, "password-"+name)
		if err != nil {
			t.Fatal(err)
		}
		return api
	}
	bob := signup("bob", 1)
	ps := pushtest.New(t)
	key, err := bob.PushKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ps.RequireVAPIDKey(key)
	sub := ps.Subscribe(t)
	if _, err := bob.Subscribe(ctx, sub.Endpoint, sub.P256dh, sub.Auth); err != nil {
		t.Fatal(err)
	}

	// Signups hash passwords and take seconds under -race: all of them
	// first, so that the sends fit well inside the coalescing window.
	const senders, each = 6, 5
	type sender struct {
		api  *client.Client
		room client.RoomID
	}
	var ss []sender
	for i := range senders {
		u := signup(fmt.Sprintf("sender%d", i), i%nodeCount)
		room, err := u.OpenDirect(ctx, "bob")
		if err != nil {
			t.Fatal(err)
		}
		ss = append(ss, sender{u, room.ID})
	}
	last := map[client.RoomID]int64{}
	for i, s := range ss {
		for j := range each {
			m, err := s.api.SendMessage(ctx, s.room, fmt.Sprintf("c%d-%d", i, j), fmt.Sprintf("message %d of %d", j, i), 0)
			if err != nil {
				t.Fatal(err)
			}
			last[s.room] = m.Seq
		}
	}
	if n := len(ps.All()); n != 0 {
		t.Fatalf("%d notifications went out before the kill: the sends took longer than the coalescing window", n)
	}
	nodes[0].kill()

	// A dead node's claims come back when their 30 s lease runs out.
	total := func(ms []pushtest.Message) int {
		n := 0
		for _, m := range ms {
			var p push.Payload
			if json.Unmarshal(m.Payload, &p) == nil {
				n += p.Count
			}
		}
		return n
	}
	ps.WaitFor(t, 2*time.Minute, "every message notified", func(ms []pushtest.Message) bool { return total(ms) >= senders*each })
	got := map[client.RoomID][]push.Payload{}
	for _, m := range ps.All() {
		var p push.Payload
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			t.Fatal(err)
		}
		got[p.RoomID] = append(got[p.RoomID], p)
	}
	for room, seq := range last {
		ps := got[room]
		sum, prev := 0, int64(0)
		for _, p := range ps {
			if p.Seq <= prev {
				t.Errorf("room %s: notifications out of order or repeated: %+v", room, ps)
			}
			sum, prev = sum+p.Count, p.Seq
		}
		if sum != each || prev != seq {
			t.Errorf("room %s: notifications %+v cover %d messages up to seq %d, want %d up to %d", room, ps, sum, prev, each, seq)
		}
	}
	if len(got) != senders {
		t.Errorf("notifications for %d rooms, want %d", len(got), senders)
	}
}
