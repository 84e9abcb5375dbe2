package drills

import (
	"testing"
	"time"

	"parley/internal/chat"
	"parley/internal/redis"
	"parley/internal/testenv"
)

// TestFailOverRedisMasterMidStream runs the nodes on a Redis Cluster (3
// masters, 3 replicas) and kills -9 the master that carries the drill
// room's channel mid-stream; its replica takes over. The nodes must
// subscribe again on the new master and backfill what the dead one lost:
// the drill's checker holds them to every acknowledged message reaching
// every member exactly once, in seq order.
func TestFailOverRedisMasterMidStream(t *testing.T) {
	rc := testenv.StartRedisCluster(t)
	d := setupOn(t, "failover_redis_master", rc.URL())
	slot := int(redis.Slot("parley:" + chat.RoomTopic(chat.RoomID(d.room))))
	d.run(func() {
		dead := rc.Master(t, slot)
		dead.Kill()
		start := time.Now()
		promoted := rc.WaitPromoted(t, dead, slot)
		t.Logf("master %s of slot %d killed; %s promoted after %v", dead.Addr(), slot, promoted.Addr(), time.Since(start).Round(100*time.Millisecond))
	})
	// Each node had a connection to every master, the dead one included:
	// each must rebuild its subscriptions. The checker above may be
	// satisfied first (publishers republish what failed, and hubs repair
	// from the store), so this waits for it.
	for _, n := range d.nodes {
		deadline := time.Now().Add(time.Minute)
		for counter(t, n.addr, "parley_bus_reconnects_total") < 1 {
			if time.Now().After(deadline) {
				t.Errorf("node %s: parley_bus_reconnects_total = 0 a minute after the failover, want ≥ 1", n.name)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}
