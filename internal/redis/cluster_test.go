package redis

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/rueidis"

	"parley/internal/bustest"
	"parley/internal/chat"
	"parley/internal/limitertest"
	"parley/internal/presencetest"
	"parley/internal/sessioncachetest"
	"parley/internal/testenv"
)

// TestCluster runs the conformance suites of the bus, presence, limiters
// and session cache on a private Redis Cluster (3 masters, 3 replicas): the
// same code, with sharded Pub/Sub and every script's keys in one slot.
func TestCluster(t *testing.T) {
	t.Parallel()
	rc := testenv.StartRedisCluster(t)
	url := rc.URL()
	client := func(t *testing.T) rueidis.Client {
		c, err := NewClient(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		if c.Mode() != rueidis.ClientModeCluster {
			t.Fatalf("client mode %v, want cluster", c.Mode())
		}
		return c
	}
	t.Run("Bus", func(t *testing.T) {
		t.Parallel()
		bustest.Run(t, busHarness(url))
	})
	t.Run("Presence", func(t *testing.T) {
		t.Parallel()
		presencetest.Run(t, presenceHarness(client(t)))
	})
	t.Run("Limiter", func(t *testing.T) {
		t.Parallel()
		limitertest.Run(t, limiterOpen(t, client(t), client(t)))
	})
	t.Run("SessionCache", func(t *testing.T) {
		t.Parallel()
		sessioncachetest.Run(t, func(t *testing.T, store chat.Store) chat.Store {
			return NewSessionCache(store, client(t), time.Minute)
		})
	})
	t.Run("SlotIsTheClustersKeyslot", func(t *testing.T) {
		t.Parallel()
		c := client(t)
		for _, k := range []string{"a", "parley:room." + uuid.NewString(), "parley:session:{abc}", "x{}y", "{user1000}.following", "foo{{bar}}", "foo{bar}{zap}", "foo{}{bar}"} {
			want, err := c.Do(t.Context(), c.B().ClusterKeyslot().Key(k).Build()).AsInt64()
			if err != nil {
				t.Fatal(err)
			}
			if got := Slot(k); int64(got) != want {
				t.Errorf("Slot(%q) = %d, CLUSTER KEYSLOT says %d", k, got, want)
			}
		}
	})
	t.Run("BusSubscribesOnEveryShard", func(t *testing.T) {
		t.Parallel()
		busOnEveryShard(t, rc, url)
	})
}

// A node's room topics are subscribed on the master of each channel's slot:
// every master carries some, and an event still reaches the other node.
func busOnEveryShard(t *testing.T, rc *testenv.RedisCluster, url string) {
	prefix := "parley:test:" + uniq(t) + ":"
	pub, sub := newTestBusAt(t, url, prefix), newTestBusAt(t, url, prefix)
	recs := make([]*bustest.Recorder, 60)
	topics := make([]string, len(recs))
	for i := range recs {
		recs[i] = bustest.NewRecorder()
		topics[i] = chat.RoomTopic(chat.RoomID(uuid.NewString()))
		sub.Subscribe(topics[i], recs[i].Fn)
	}
	syncBus(t, sub)
	if n := len(sub.pubsubClients()); n != 3 {
		t.Fatalf("the bus has %d pub/sub connections, want one per master (3)", n)
	}
	for _, n := range rc.Nodes {
		info, err := n.CLI("role")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(info, "master") {
			continue
		}
		out, err := n.CLI("pubsub", "shardchannels", prefix+"*")
		if err != nil {
			t.Fatal(err)
		}
		if len(strings.Fields(out)) == 0 {
			t.Errorf("master %s carries none of the %d channels", n.Addr(), len(topics))
		}
	}
	for i, topic := range topics {
		if err := pub.Publish(t.Context(), topic, chat.Event{Type: "message", Seq: int64(i + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range recs {
		if got := r.WaitFor(t, 1); got[0].Seq != int64(i+1) || len(got) != 1 {
			t.Fatalf("topic %d got %v", i, r.Seqs())
		}
	}
}

// Slot is CRC16 (XMODEM) modulo 16384: the specification's test vector.
func TestSlotCRC16(t *testing.T) {
	if got := Slot("123456789"); got != 0x31C3%slotCount {
		t.Errorf("Slot(123456789) = %d, want CRC16 0x31C3 mod 16384", got)
	}
	if Slot("{user1000}.following") != Slot("{user1000}.followers") || Slot("foo{}{bar}") == Slot("foo{}{bar}x") {
		t.Error("hash tags not honoured")
	}
}

// TestRoomsSpreadOverShards: room channels, by their UUIDs, land evenly on
// three masters holding equal slot ranges (the split of
// `redis-cli --cluster create`). Deterministic arithmetic: the numbers are
// in docs/scaling.md.
func TestRoomsSpreadOverShards(t *testing.T) {
	const rooms = 10000
	ranges := [][2]int{{0, 5460}, {5461, 10922}, {10923, 16383}}
	counts := make([]int, len(ranges))
	for i := range rooms {
		// UUIDv7 ids as the store makes them (their random part from a
		// fixed source, their time part from the clock).
		id := uuid.Must(uuid.NewV7FromReader(strings.NewReader(fmt.Sprintf("%016d%016d", i, i*7919))))
		s := int(Slot(defaultChannelPrefix + chat.RoomTopic(chat.RoomID(id.String()))))
		for j, r := range ranges {
			if r[0] <= s && s <= r[1] {
				counts[j]++
			}
		}
	}
	t.Logf("%d rooms over 3 shards: %v", rooms, counts)
	for j, n := range counts {
		if n < rooms/3*90/100 || n > rooms/3*110/100 {
			t.Errorf("shard %d holds %d rooms of %d: outside ±10%% of a third", j, n, rooms)
		}
	}
}
