package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/redis/rueidis"

	"parley/internal/chat"
)

// psConn is this bus's pub/sub connections of one session: one on a single
// Redis; on a Redis Cluster one to each master, carrying the sharded channels
// of the slots it serves (owner). broken yields when any of them dies, or
// when a master gives up a slot whose channel this node needs (failover,
// resharding): the session then ends and the next one reads the topology
// again.
type psConn struct {
	shards []*psShard
	owner  []int // slot → index in shards; nil on a single Redis
	broken chan error
}

type psShard struct {
	addr string
	dc   rueidis.DedicatedClient
	id   int64 // CLIENT ID of the connection
}

func (c *psConn) close() {
	for _, s := range c.shards {
		s.dc.Close()
	}
}

func (c *psConn) fail(err error) {
	select {
	case c.broken <- err:
	default:
	}
}

// shard returns the connection that carries channel.
func (c *psConn) shard(channel string) int {
	if c.owner == nil {
		return 0
	}
	return c.owner[Slot(channel)]
}

func (b *Bus) connect(ctx context.Context) (*psConn, error) {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	c := &psConn{broken: make(chan error, 1)}
	if !b.sharded {
		dc, _ := b.client.Dedicate() // dc.Close closes the connection and releases it
		if err := b.attach(ctx, c, dc, b.opt.InitAddress[0]); err != nil {
			return nil, err
		}
		return c, nil
	}
	masters, err := b.topology(ctx)
	if err != nil {
		return nil, err
	}
	c.owner = make([]int, slotCount)
	for _, m := range masters {
		nc, err := b.nodeClient(m.addr)
		if err == nil {
			dc, _ := nc.Dedicate()
			err = b.attach(ctx, c, dc, m.addr)
		}
		if err != nil {
			c.close()
			return nil, fmt.Errorf("master %s: %w", m.addr, err)
		}
		for _, r := range m.slots {
			for s := r[0]; s <= r[1]; s++ {
				c.owner[s] = len(c.shards) - 1
			}
		}
	}
	return c, nil
}

// attach makes dc one of c's connections.
func (b *Bus) attach(ctx context.Context, c *psConn, dc rueidis.DedicatedClient, addr string) error {
	hooks := rueidis.PubSubHooks{OnMessage: b.enqueue}
	if b.sharded {
		hooks.OnSubscription = func(s rueidis.PubSubSubscription) {
			// Redis unsubscribes the channels of a slot its node no longer
			// serves; the bus's own SUNSUBSCRIBEs are of topics it dropped.
			if s.Kind == "sunsubscribe" && b.wants(s.Channel) {
				c.fail(fmt.Errorf("%s gave up the slot of %s", addr, s.Channel))
			}
		}
	}
	broken := dc.SetPubSubHooks(hooks)
	id, err := dc.Do(ctx, dc.B().ClientId().Build()).AsInt64()
	if err != nil {
		dc.Close()
		return err
	}
	go func() {
		if err, ok := <-broken; ok {
			c.fail(err)
		}
	}()
	c.shards = append(c.shards, &psShard{addr: addr, dc: dc, id: id})
	return nil
}

// wants reports whether the topic of channel has local subscribers.
func (b *Bus) wants(channel string) bool {
	topic, ok := strings.CutPrefix(channel, b.prefix)
	if !ok {
		return false
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.subs[topic]) > 0
}

// master is one master of a Redis Cluster and the slot ranges it serves.
type master struct {
	addr  string
	slots [][2]int64
}

// topology reads which master serves which slots (CLUSTER SLOTS, answered
// by any node). During a failover it may still name the dead master: then
// connecting fails and the session is tried again after a backoff.
func (b *Bus) topology(ctx context.Context) ([]*master, error) {
	entries, err := b.client.Do(ctx, b.client.B().ClusterSlots().Build()).ToArray()
	if err != nil {
		return nil, err
	}
	byAddr := map[string]*master{}
	var out []*master
	covered := int64(0)
	for _, e := range entries {
		v, err := e.ToArray()
		if err != nil || len(v) < 3 {
			return nil, fmt.Errorf("CLUSTER SLOTS: unexpected entry")
		}
		from, err1 := v[0].AsInt64()
		to, err2 := v[1].AsInt64()
		node, err3 := v[2].ToArray()
		if err := errors.Join(err1, err2, err3); err != nil || len(node) < 2 || from < 0 || to >= slotCount || from > to {
			return nil, fmt.Errorf("CLUSTER SLOTS: unexpected entry: %v", err)
		}
		host, _ := node[0].ToString()
		port, err := node[1].AsInt64()
		if err != nil {
			return nil, fmt.Errorf("CLUSTER SLOTS: %w", err)
		}
		addr := net.JoinHostPort(host, strconv.FormatInt(port, 10))
		m := byAddr[addr]
		if m == nil {
			m = &master{addr: addr}
			byAddr[addr] = m
			out = append(out, m)
		}
		m.slots = append(m.slots, [2]int64{from, to})
		covered += to - from + 1
	}
	if covered != slotCount {
		return nil, fmt.Errorf("CLUSTER SLOTS covers %d of %d slots", covered, slotCount)
	}
	return out, nil
}

// nodeClient returns this bus's client of the server at addr, a master of
// the cluster, connecting on first use.
func (b *Bus) nodeClient(addr string) (rueidis.Client, error) {
	b.nodesMu.Lock()
	defer b.nodesMu.Unlock()
	if c, ok := b.nodes[addr]; ok {
		return c, nil
	}
	opt := b.opt
	opt.InitAddress = []string{addr}
	opt.ForceSingleClient = true
	c, err := rueidis.NewClient(opt)
	if err != nil {
		return nil, err
	}
	b.nodes[addr] = c
	return c, nil
}

// pubsubClients lists the CLIENT IDs of the live pub/sub connections by
// server address (for tests that cut them).
func (b *Bus) pubsubClients() map[string]int64 {
	b.nodesMu.Lock()
	defer b.nodesMu.Unlock()
	return maps.Clone(b.live)
}

func (b *Bus) setLive(c *psConn) {
	b.nodesMu.Lock()
	defer b.nodesMu.Unlock()
	b.live = map[string]int64{}
	if c != nil {
		for _, s := range c.shards {
			b.live[s.addr] = s.id
		}
	}
}

// run owns the pub/sub connection: it keeps its subscriptions in line with
// the local table and replaces it, with backoff, when it dies.
func (b *Bus) run(c *psConn) {
	defer b.wg.Done()
	backoff := minBackoff
	reconnect := false // the first connection is not a reconnection
	for {
		if c != nil {
			if b.serve(c, reconnect) {
				backoff = minBackoff
			}
			c.close()
			b.setDisconnected()
			c = nil
			reconnect = true
		}
		t := time.NewTimer(backoff)
		select {
		case <-b.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
		var err error
		if c, err = b.connect(b.ctx); err != nil {
			if b.ctx.Err() != nil {
				return
			}
			b.log.Debug("redis bus: reconnect failed", "err", err, "retry_in", backoff)
			c = nil
		}
	}
}

// serve subscribes c to every topic with local subscribers, then follows
// changes of the table until c dies or the bus closes. It reports whether
// the subscriptions were restored.
func (b *Bus) serve(c *psConn, reconnect bool) bool {
	active := make(map[string]bool)
	if err := b.reconcile(c, active); err != nil {
		if b.ctx.Err() == nil {
			b.log.Warn("redis bus: subscribe failed", "err", err)
		}
		return false
	}
	b.setLive(c)
	defer b.setLive(nil)
	if reconnect {
		b.reconnects.Add(1)
		b.log.Info("redis bus: pub/sub reconnected", "topics", len(active), "connections", len(c.shards))
		poke(b.notify)
	}
	for {
		select {
		case <-b.kick:
			if err := b.reconcile(c, active); err != nil {
				if b.ctx.Err() == nil {
					b.log.Warn("redis bus: subscription change failed, reconnecting", "err", err)
				}
				return true
			}
		case err := <-c.broken:
			if b.ctx.Err() == nil {
				b.log.Warn("redis bus: pub/sub connection lost", "err", err)
			}
			return true
		case <-b.ctx.Done():
			return true
		}
	}
}

// reconcile subscribes to the topics with local subscribers that active
// lacks and unsubscribes from those without, then marks the table's
// generation applied.
func (b *Bus) reconcile(c *psConn, active map[string]bool) error {
	b.mu.RLock()
	gen := b.gen
	var add, remove []string
	for topic := range b.subs {
		if !active[topic] {
			add = append(add, b.prefix+topic)
		}
	}
	for topic := range active {
		if _, ok := b.subs[topic]; !ok {
			remove = append(remove, b.prefix+topic)
		}
	}
	b.mu.RUnlock()
	if err := b.change(c, add, true); err != nil {
		return err
	}
	for _, ch := range add {
		active[strings.TrimPrefix(ch, b.prefix)] = true
	}
	if err := b.change(c, remove, false); err != nil {
		return err
	}
	for _, ch := range remove {
		delete(active, strings.TrimPrefix(ch, b.prefix))
	}
	b.mu.Lock()
	b.applied, b.connected = gen, true
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
	return nil
}

// change (un)subscribes c to channels: (UN)SUBSCRIBE on a single Redis;
// on a cluster (S)SUNSUBSCRIBE on the master of each channel's slot, one
// command per slot (Redis refuses channels of several slots in one), the
// commands to each master pipelined.
func (b *Bus) change(c *psConn, channels []string, subscribe bool) error {
	if len(channels) == 0 {
		return nil
	}
	bySlot := make(map[int]map[uint16][]string) // shard → slot → channels
	for _, ch := range channels {
		sh, slot := c.shard(ch), uint16(0)
		if b.sharded {
			slot = Slot(ch)
		}
		if bySlot[sh] == nil {
			bySlot[sh] = make(map[uint16][]string)
		}
		bySlot[sh][slot] = append(bySlot[sh][slot], ch)
	}
	for sh, slots := range bySlot {
		dc := c.shards[sh].dc
		var cmds rueidis.Commands
		for _, chs := range slots {
			for len(chs) > 0 {
				n := min(len(chs), subscribeBatch)
				cmds = append(cmds, b.subCmd(dc, chs[:n], subscribe))
				chs = chs[n:]
			}
		}
		for len(cmds) > 0 {
			n := min(len(cmds), publishBatch)
			if err := b.doMulti(dc, cmds[:n]); err != nil {
				return fmt.Errorf("%s: %w", c.shards[sh].addr, err)
			}
			cmds = cmds[n:]
		}
	}
	return nil
}

func (b *Bus) subCmd(dc rueidis.DedicatedClient, channels []string, subscribe bool) rueidis.Completed {
	switch {
	case b.sharded && subscribe:
		return dc.B().Ssubscribe().Channel(channels...).Build()
	case b.sharded:
		return dc.B().Sunsubscribe().Channel(channels...).Build()
	case subscribe:
		return dc.B().Subscribe().Channel(channels...).Build()
	default:
		return dc.B().Unsubscribe().Channel(channels...).Build()
	}
}

func (b *Bus) doMulti(dc rueidis.DedicatedClient, cmds rueidis.Commands) error {
	ctx, cancel := context.WithTimeout(b.ctx, commandTimeout)
	defer cancel()
	for _, r := range dc.DoMulti(ctx, cmds...) {
		if err := r.Error(); err != nil {
			return err
		}
	}
	return nil
}

func (b *Bus) setDisconnected() {
	b.mu.Lock()
	b.connected = false
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
}

// enqueue runs on the connection's reader goroutine, in Redis order.
func (b *Bus) enqueue(m rueidis.PubSubMessage) {
	b.received.Add(1)
	select {
	case b.queue <- m:
	default:
		b.dropped.Add(1)
		if !b.overflow.Swap(true) {
			b.log.Warn("redis bus: delivery queue full, dropping events", "capacity", cap(b.queue))
		}
		poke(b.notify)
	}
}

func (b *Bus) deliverLoop() {
	defer b.wg.Done()
	for {
		select {
		case m := <-b.queue:
			b.deliver(m)
		case <-b.ctx.Done():
			return
		}
	}
}

func (b *Bus) deliver(m rueidis.PubSubMessage) {
	topic, ok := strings.CutPrefix(m.Channel, b.prefix)
	if !ok {
		return
	}
	b.mu.RLock()
	subs := b.subs[topic] // copy-on-write: safe to range after unlock
	b.mu.RUnlock()
	if len(subs) == 0 {
		return // unsubscribed meanwhile
	}
	var ev chat.Event
	if err := json.Unmarshal([]byte(m.Message), &ev); err != nil {
		b.log.Warn("redis bus: undecodable event", "channel", m.Channel, "err", err)
		return
	}
	if ev.Origin == b.origin {
		return // delivered here when it was published
	}
	for _, s := range subs {
		if !s.cancelled.Load() {
			s.fn(ev)
		}
	}
}

func (b *Bus) notifyLoop() {
	defer b.wg.Done()
	for {
		select {
		case <-b.notify:
			b.overflow.Store(false)
			b.mu.RLock()
			fns := b.onRecon[:len(b.onRecon):len(b.onRecon)]
			b.mu.RUnlock()
			for _, fn := range fns {
				fn()
			}
		case <-b.ctx.Done():
			return
		}
	}
}
