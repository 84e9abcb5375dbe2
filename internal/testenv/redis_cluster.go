package testenv

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// RedisCluster is a private Redis Cluster of three masters and three
// replicas, started from the machine's redis-server and formed by
// `redis-cli --cluster create`, that a test may fail over without touching
// the shared Redis. Its nodes keep nothing on disk but their cluster
// config, in a temp folder.
type RedisCluster struct {
	Nodes []*RedisServer
}

// clusterNodeTimeout is how long a silent master is given before its
// replica takes over: short, so a drill's failover takes seconds.
const clusterNodeTimeout = "1000"

// StartRedisCluster starts a cluster, stopped when the test ends, and waits
// until every node says cluster_state:ok. A missing redis-server skips
// locally and fails with CI=true.
func StartRedisCluster(tb testing.TB) *RedisCluster {
	tb.Helper()
	_, err := exec.LookPath("redis-server")
	Require(tb, "redis-server", err)
	_, err = exec.LookPath("redis-cli")
	Require(tb, "redis-cli", err)
	c := &RedisCluster{}
	addrs := make([]string, 6)
	for i := range addrs {
		r := &RedisServer{Port: FreePort(tb), dir: tb.TempDir(), extra: []string{
			"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			// The bus port defaults to port+10000, past 65535 for many
			// free ports: choose it too.
			"--cluster-port", strconv.Itoa(FreePort(tb)),
			"--cluster-node-timeout", clusterNodeTimeout,
			// A replica with stale data still takes over: the drills
			// measure what a failover loses, not whether it happens.
			"--cluster-replica-validity-factor", "0",
		}}
		r.Start(tb)
		tb.Cleanup(r.Kill)
		c.Nodes = append(c.Nodes, r)
		addrs[i] = r.Addr()
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		tb.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	c.WaitOK(tb, c.Nodes...)
	return c
}

// URL names the cluster by its masters' addresses.
func (c *RedisCluster) URL() string {
	var addrs []string
	for _, n := range c.Nodes {
		if n.cmd != nil {
			addrs = append(addrs, n.Addr())
		}
	}
	return "redis+cluster://" + strings.Join(addrs, ",")
}

// WaitOK waits until each of nodes says cluster_state:ok and knows three
// masters serving every slot.
func (c *RedisCluster) WaitOK(tb testing.TB, nodes ...*RedisServer) {
	tb.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for _, n := range nodes {
		for {
			info, err := n.CLI("cluster", "info")
			if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_slots_ok:16384") {
				break
			}
			if time.Now().After(deadline) {
				tb.Fatalf("redis cluster node %s not ok after 60s: %v\n%s", n.Addr(), err, info)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// Master returns the node serving slot, as the other nodes see it.
func (c *RedisCluster) Master(tb testing.TB, slot int) *RedisServer {
	tb.Helper()
	m := c.masterOf(slot)
	if m == nil {
		tb.Fatalf("no master serves slot %d", slot)
	}
	return m
}

// masterOf is the node serving slot as the first live node sees it, or nil
// when it sees none: in a failover, the dead master is marked failed before
// its replica is promoted.
func (c *RedisCluster) masterOf(slot int) *RedisServer {
	for _, n := range c.Nodes {
		if n.cmd == nil {
			continue
		}
		out, err := n.CLI("cluster", "nodes")
		if err != nil {
			continue
		}
		for line := range strings.SplitSeq(out, "\n") {
			f := strings.Fields(line)
			if len(f) < 9 || !strings.Contains(f[2], "master") || strings.Contains(f[2], "fail") {
				continue
			}
			for _, r := range f[8:] {
				lo, hi, ok := strings.Cut(r, "-")
				if !ok {
					hi = lo
				}
				a, err1 := strconv.Atoi(lo)
				b, err2 := strconv.Atoi(hi)
				if err1 == nil && err2 == nil && a <= slot && slot <= b {
					addr, _, _ := strings.Cut(f[1], "@")
					for _, m := range c.Nodes {
						if m.Addr() == addr {
							return m
						}
					}
				}
			}
		}
		break
	}
	return nil
}

// WaitPromoted waits until a node other than dead serves slot and every
// live node says cluster_state:ok: dead's replica took over.
func (c *RedisCluster) WaitPromoted(tb testing.TB, dead *RedisServer, slot int) *RedisServer {
	tb.Helper()
	var live []*RedisServer
	for _, n := range c.Nodes {
		if n != dead && n.cmd != nil {
			live = append(live, n)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		c.WaitOK(tb, live...)
		if m := c.masterOf(slot); m != nil && m != dead {
			return m
		}
		if time.Now().After(deadline) {
			tb.Fatalf("slot %d still on the dead master %s after 60s", slot, dead.Addr())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// CLI runs redis-cli against the node.
func (r *RedisServer) CLI(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "redis-cli", append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(r.Port)}, args...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("redis-cli %v: %w", args, err)
	}
	return string(out), nil
}
