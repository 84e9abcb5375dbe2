package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/redis/rueidis"

	"parley/internal/chat"
)

var (
	_ chat.Bus         = (*Bus)(nil)
	_ chat.Reconnector = (*Bus)(nil)
)

const (
	defaultChannelPrefix = "parley:"
	defaultQueueSize     = 8192
	// defaultPublishQueue bounds the events waiting to go to Redis.
	defaultPublishQueue = 16384
	// publishBatch caps the PUBLISHes sent in one pipelined round trip.
	publishBatch = 256
	// defaultPublishTimeout bounds one round trip of PUBLISHes.
	defaultPublishTimeout = 2 * time.Second
	// maxUnsent bounds the channels whose newest unpublished message the bus
	// keeps for republishing: the size of the publish queue, so the memory
	// they hold is of the same order as a full queue's.
	maxUnsent = defaultPublishQueue
	// republishRetry paces the tries to republish while nothing else is
	// being published.
	republishRetry = time.Second
	// commandTimeout bounds a (UN)SUBSCRIBE on the pub/sub connection; past
	// it the connection is taken for dead and replaced.
	commandTimeout = 5 * time.Second
	// subscribeBatch caps the channels named in one (UN)SUBSCRIBE.
	subscribeBatch = 500
	minBackoff     = 50 * time.Millisecond
	maxBackoff     = 5 * time.Second
)

// ErrClosed is returned by Publish and Sync once the bus is closed.
var ErrClosed = errors.New("redis bus: closed")

// BusStats are monotonically increasing counters for metrics.
type BusStats struct {
	Published     uint64 // events published to Redis
	PublishFailed uint64 // events not published: Redis failed or did not answer in time, or the publish queue was full
	Republished   uint64 // messages published again after their first publish failed (see Bus)
	Received      uint64 // messages received from Redis (including dropped ones and this node's own)
	Reconnects    uint64 // pub/sub connections re-established after a loss
	Dropped       uint64 // received messages dropped because the delivery queue was full
}

// Option configures a Bus.
type Option func(*busOptions)

type busOptions struct {
	prefix         string
	queue          int
	publishQueue   int
	publishTimeout time.Duration
}

// WithChannelPrefix replaces the "parley:" prefix of the Redis channels, e.g.
// to keep test runs or deployments sharing one Redis apart.
func WithChannelPrefix(p string) Option { return func(o *busOptions) { o.prefix = p } }

// WithQueueSize sets how many received messages may wait for delivery
// (default 8192). Past it messages are dropped and the OnReconnect functions
// run, as after a reconnection, so hubs backfill from the store.
func WithQueueSize(n int) Option {
	return func(o *busOptions) {
		if n > 0 {
			o.queue = n
		}
	}
}

// WithPublishQueue sets how many events may wait to be published to Redis
// (default 16384); past it they are dropped and counted.
func WithPublishQueue(n int) Option {
	return func(o *busOptions) {
		if n > 0 {
			o.publishQueue = n
		}
	}
}

// withPublishTimeout shortens the wait for Redis to answer a batch of
// PUBLISHes, so tests see a frozen Redis fail a batch quickly.
func withPublishTimeout(d time.Duration) Option {
	return func(o *busOptions) { o.publishTimeout = d }
}

// Bus is a chat.Bus on Redis Pub/Sub: every node publishes to and subscribes
// to the channels "parley:<topic>". On a Redis Cluster the channels are
// sharded (SPUBLISH, SSUBSCRIBE): each topic's events go through the master
// that owns the channel's slot only, so the cluster's pub/sub traffic is
// spread over its shards instead of being broadcast to every node of it.
//
// An event reaches this node's own subscribers directly, in the publisher's
// goroutine, as on the in-process bus: delivery between two users of one node
// never depends on Redis. Other nodes get it through Redis, published
// asynchronously by one goroutine from a bounded queue, in pipelined batches:
// Publish never waits for the network, so a send's ack waits for the store
// alone, and a frozen or unreachable Redis delays the other nodes' events,
// never this node's latency. An event that could not be published (Redis
// failed or did not answer in time, or the queue was full) is counted and
// not retried, except a channel's newest message (chat.EvMessage), which is
// kept and published again once publishing succeeds (or on a retry every
// republishRetry): other nodes that missed messages repair the gap from the
// store up to it, those that did not skip it as already delivered, so a
// room's last message does not wait for the next one. Other event types are
// not kept: receipts and counts carry absolute values that the next event
// corrects, typing and presence are ephemeral. Past maxUnsent channels the
// newest messages of further channels are logged and not kept; their rooms
// repair on their next message or the bus's next reconnect. The node's own
// events coming back from Redis are recognised by their Origin and skipped.
//
// One dedicated connection carries this node's subscriptions (on a cluster,
// one to each master, carrying the channels of its slots). Subscribe and
// cancel only change the local subscriber table and wake the connection's
// goroutine, which brings the Redis subscriptions in line with the table
// (SUBSCRIBE a topic's channel when it gets its first local subscriber,
// UNSUBSCRIBE it when its last one cancels). So Subscribe never waits on the
// network, and there is a short window (one round trip to Redis, longer while
// Redis is unreachable) between Subscribe returning and the channel being
// active, during which published events are not seen: hubs backfill such gaps
// from the store. Sync waits for the window to close.
//
// Messages are queued by the connection's reader in the order Redis sent them
// and delivered by a single goroutine, so each channel's events reach each
// subscriber in Redis order, each decoded once and passed to every local
// subscriber of the topic in subscription order. A slow subscriber delays
// delivery but not the connection; if the bounded queue overflows, messages
// are dropped and counted, and the OnReconnect functions run.
//
// When the connection drops, a goroutine reconnects with backoff, subscribes
// again to every topic that still has local subscribers, then runs the
// OnReconnect functions (on their own goroutine, one run at a time). On a
// cluster the connections to every master are one unit: when one drops, or
// its master gives up a slot (failover, resharding), all are replaced after
// reading the slot map again.
type Bus struct {
	client  rueidis.Client
	opt     rueidis.ClientOption // how client connects: the bus connects to each master alike
	sharded bool                 // a Redis Cluster: sharded Pub/Sub (SPUBLISH, SSUBSCRIBE)
	log     *slog.Logger
	prefix  string

	nodesMu sync.Mutex
	nodes   map[string]rueidis.Client // by address: a client of each master met
	live    map[string]int64          // by address: CLIENT ID of the live pub/sub connections

	ctx     context.Context // cancelled by Close
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	once    sync.Once
	closing chan struct{} // closed by Close: publish what is queued, then stop
	pubDone chan struct{} // closed when publishLoop returns

	mu        sync.RWMutex
	subs      map[string][]*busSub // topic → local subscribers, copy-on-write
	onRecon   []func()
	gen       uint64        // bumped whenever the set of subscribed topics changes
	applied   uint64        // the gen last brought in line on the live connection
	connected bool          // a pub/sub connection is up and in line with applied
	changed   chan struct{} // closed and replaced when applied or connected change

	publishTimeout time.Duration

	unsentMu sync.Mutex
	unsent   map[string]outEvent // by channel: the newest message not published
	overMax  atomic.Bool         // unsent was full since the publisher last said so

	kick   chan struct{} // (cap 1) the set of topics changed
	notify chan struct{} // (cap 1) run the OnReconnect functions
	queue  chan rueidis.PubSubMessage
	out    chan outEvent // events waiting to be published
	origin string        // this bus's Origin on the events it publishes

	published, received, reconnects, dropped atomic.Uint64
	republished                              atomic.Uint64
	publishFailed                            atomic.Uint64
	overflow                                 atomic.Bool
	outFull                                  atomic.Bool // the publish queue overflowed since the publisher last said so
}

type outEvent struct {
	channel string
	payload []byte
	seq     int64 // a message's seq; 0 for the other events
}

type busSub struct {
	fn        func(chat.Event)
	cancelled atomic.Bool
}

// NewBus connects to Redis at url (see ParseURL) and starts the
// subscription and delivery goroutines. ctx bounds the first connection only;
// the bus runs until Close.
func NewBus(ctx context.Context, url string, log *slog.Logger, opts ...Option) (*Bus, error) {
	o := busOptions{prefix: defaultChannelPrefix, queue: defaultQueueSize, publishQueue: defaultPublishQueue, publishTimeout: defaultPublishTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	if log == nil {
		log = slog.Default()
	}
	client, opt, err := newClient(url)
	if err != nil {
		return nil, fmt.Errorf("redis bus: connect: %w", err)
	}
	b := &Bus{
		client:  client,
		opt:     opt,
		sharded: client.Mode() == rueidis.ClientModeCluster,
		nodes:   make(map[string]rueidis.Client),
		log:     log,
		prefix:  o.prefix,
		subs:    make(map[string][]*busSub),
		changed: make(chan struct{}),
		kick:    make(chan struct{}, 1),
		notify:  make(chan struct{}, 1),
		queue:   make(chan rueidis.PubSubMessage, o.queue),
		out:     make(chan outEvent, o.publishQueue),
		closing: make(chan struct{}),
		pubDone: make(chan struct{}),
		origin:  uuid.NewString(),

		publishTimeout: o.publishTimeout,
		unsent:         make(map[string]outEvent),
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	c, err := b.connect(ctx)
	if err != nil {
		b.cancel()
		b.closeClients()
		return nil, fmt.Errorf("redis bus: pub/sub connection: %w", err)
	}
	b.wg.Add(3)
	go b.run(c)
	go b.deliverLoop()
	go b.notifyLoop()
	go b.publishLoop()
	return b, nil
}

// Close publishes what is queued (for up to the publish timeout), stops the
// goroutines and closes the connections. It must not be called from a
// subscriber or an OnReconnect function.
func (b *Bus) Close() {
	b.once.Do(func() {
		close(b.closing)
		select {
		case <-b.pubDone:
		case <-time.After(b.publishTimeout):
		}
		b.cancel()
		<-b.pubDone
		b.wg.Wait()
		b.closeClients()
	})
}

func (b *Bus) closeClients() {
	b.client.Close()
	b.nodesMu.Lock()
	defer b.nodesMu.Unlock()
	for _, c := range b.nodes {
		c.Close()
	}
}

// Publish hands ev to this node's subscribers of topic, then queues it for
// the other nodes without waiting (see Bus). It fails only when the event
// cannot be encoded.
func (b *Bus) Publish(_ context.Context, topic string, ev chat.Event) error {
	select {
	case <-b.closing:
		return ErrClosed
	default:
	}
	ev.Origin = b.origin
	payload, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("redis bus: encode event: %w", err)
	}
	b.deliverLocal(topic, ev)
	out := outEvent{channel: b.prefix + topic, payload: payload}
	if ev.Type == chat.EvMessage {
		out.seq = ev.Seq
	}
	select {
	case b.out <- out:
	default:
		b.publishFailed.Add(1)
		b.outFull.Store(true)
		b.keepUnsent(out)
	}
	return nil
}

// keepUnsent remembers ev for republishing if it is its channel's newest
// message not published (see Bus).
func (b *Bus) keepUnsent(ev outEvent) {
	if ev.seq == 0 {
		return
	}
	b.unsentMu.Lock()
	defer b.unsentMu.Unlock()
	old, ok := b.unsent[ev.channel]
	switch {
	case ok && old.seq >= ev.seq:
	case ok || len(b.unsent) < maxUnsent:
		b.unsent[ev.channel] = ev
	default:
		b.overMax.Store(true)
	}
}

// takeUnsent returns the kept messages and forgets them.
func (b *Bus) takeUnsent() []outEvent {
	b.unsentMu.Lock()
	defer b.unsentMu.Unlock()
	if len(b.unsent) == 0 {
		return nil
	}
	evs := make([]outEvent, 0, len(b.unsent))
	for _, ev := range b.unsent {
		evs = append(evs, ev)
	}
	clear(b.unsent)
	return evs
}

func (b *Bus) hasUnsent() bool {
	b.unsentMu.Lock()
	defer b.unsentMu.Unlock()
	return len(b.unsent) > 0
}

func (b *Bus) deliverLocal(topic string, ev chat.Event) {
	b.mu.RLock()
	subs := b.subs[topic] // copy-on-write: safe to range after unlock
	b.mu.RUnlock()
	for _, s := range subs {
		if !s.cancelled.Load() {
			s.fn(ev)
		}
	}
}

// publishLoop sends the queued events to Redis in pipelined batches, in
// queue order. While Redis fails it tries each batch once and drops it,
// keeping each channel's newest message to republish after the next batch
// that succeeds, or on a retry every republishRetry while nothing is queued
// (see Bus). It logs when publishing starts failing and when it recovers,
// with the count lost in between — not a line per event. After Close it
// sends what is still queued and tries the kept messages once, then returns.
func (b *Bus) publishLoop() {
	defer close(b.pubDone)
	st := publishState{cmds: make(rueidis.Commands, 0, publishBatch)}
	batch := make([]outEvent, 0, publishBatch)
	var fullLogged, overLogged time.Time
	for {
		var retry <-chan time.Time
		if b.hasUnsent() {
			retry = time.After(republishRetry)
		}
		var first outEvent
		select {
		case first = <-b.out:
		case <-retry:
			b.republish(&st)
			continue
		case <-b.closing:
			if len(b.out) == 0 {
				b.republish(&st)
				return
			}
			first = <-b.out
		}
		batch = append(batch[:0], first)
		for len(batch) < publishBatch && len(b.out) > 0 {
			batch = append(batch, <-b.out)
		}
		if b.send(batch, false, &st) {
			b.republish(&st)
		}
		if b.outFull.Load() && time.Since(fullLogged) > 10*time.Second {
			b.outFull.Store(false)
			fullLogged = time.Now()
			b.log.Warn("redis bus: publish queue full, events to other nodes dropped", "capacity", cap(b.out), "failed_total", b.publishFailed.Load())
		}
		if b.overMax.Load() && time.Since(overLogged) > 10*time.Second {
			b.overMax.Store(false)
			overLogged = time.Now()
			b.log.Error("redis bus: too many rooms with unpublished messages; other nodes get the newest messages of the rooms past the limit only with their next message", "limit", maxUnsent)
		}
	}
}

// publishState is publishLoop's: the buffer of commands and what to log.
type publishState struct {
	cmds    rueidis.Commands
	failing bool
	lost    uint64 // events not published since publishing started failing
}

// republish sends the kept messages (see Bus) in batches, keeping again
// those that fail.
func (b *Bus) republish(st *publishState) {
	evs := b.takeUnsent()
	for len(evs) > 0 && b.ctx.Err() == nil {
		n := min(len(evs), publishBatch)
		if !b.send(evs[:n], true, st) {
			for _, ev := range evs[n:] {
				b.keepUnsent(ev)
			}
			return
		}
		evs = evs[n:]
	}
	for _, ev := range evs {
		b.keepUnsent(ev)
	}
}

// send publishes evs in one pipelined round trip, counts them and keeps the
// messages among those that failed. again says evs are kept messages, counted
// as failed already. It reports whether every event was published.
func (b *Bus) send(evs []outEvent, again bool, st *publishState) bool {
	st.cmds = st.cmds[:0]
	for _, ev := range evs {
		st.cmds = append(st.cmds, b.publishCmd(ev))
	}
	ctx, cancel := context.WithTimeout(b.ctx, b.publishTimeout)
	defer cancel()
	var err error
	failed := 0
	for i, r := range b.client.DoMulti(ctx, st.cmds...) {
		if e := r.Error(); e != nil {
			err = e
			failed++
			b.keepUnsent(evs[i])
		}
	}
	if again {
		b.republished.Add(uint64(len(evs) - failed))
	} else {
		b.published.Add(uint64(len(evs) - failed))
		b.publishFailed.Add(uint64(failed))
		st.lost += uint64(failed)
	}
	if err != nil {
		if !st.failing && b.ctx.Err() == nil {
			st.failing = true
			b.log.Warn("redis bus: publishing failed; other nodes miss this node's events until it recovers, then get each room's newest message", "err", err)
		}
		return false
	}
	if st.failing {
		st.failing = false
		b.log.Info("redis bus: publishing recovered", "events_lost", st.lost)
		st.lost = 0
	}
	return true
}

func (b *Bus) publishCmd(ev outEvent) rueidis.Completed {
	if b.sharded {
		return b.client.B().Spublish().Channel(ev.channel).Message(rueidis.BinaryString(ev.payload)).Build()
	}
	return b.client.B().Publish().Channel(ev.channel).Message(rueidis.BinaryString(ev.payload)).Build()
}

// Subscribe calls fn for every event on topic until cancel is called. It does
// not wait for Redis (see Bus). fn runs on the delivery goroutine: it must
// not block for long, nor call Close. A fn may see one more event if cancel
// races with its delivery, as with the in-process bus.
func (b *Bus) Subscribe(topic string, fn func(chat.Event)) (cancel func()) {
	s := &busSub{fn: fn}
	b.mu.Lock()
	old := b.subs[topic]
	next := make([]*busSub, len(old), len(old)+1)
	copy(next, old)
	b.subs[topic] = append(next, s)
	first := len(old) == 0
	if first {
		b.gen++
	}
	b.mu.Unlock()
	if first {
		poke(b.kick)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			s.cancelled.Store(true)
			b.mu.Lock()
			old := b.subs[topic]
			next := make([]*busSub, 0, len(old))
			for _, x := range old {
				if x != s {
					next = append(next, x)
				}
			}
			last := len(next) == 0
			if last {
				delete(b.subs, topic)
				b.gen++
			} else {
				b.subs[topic] = next
			}
			b.mu.Unlock()
			if last {
				poke(b.kick)
			}
		})
	}
}

// OnReconnect registers fn to run after every reconnection of the pub/sub
// connection (once its channels are subscribed again) and after messages were
// dropped on overflow. fn runs on a goroutine of its own, never concurrently
// with itself; it must not call Close.
func (b *Bus) OnReconnect(fn func()) {
	b.mu.Lock()
	b.onRecon = append(b.onRecon, fn)
	b.mu.Unlock()
}

// Sync waits until every Subscribe and cancel made before the call is in
// effect on a live Redis connection: events published from then on reach
// this node's subscribers.
func (b *Bus) Sync(ctx context.Context) error {
	b.mu.RLock()
	target := b.gen
	b.mu.RUnlock()
	for {
		b.mu.RLock()
		ok := b.connected && b.applied >= target
		changed := b.changed
		b.mu.RUnlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-b.ctx.Done():
			return ErrClosed
		}
	}
}

// Stats returns the counters.
func (b *Bus) Stats() BusStats {
	return BusStats{
		Published:     b.published.Load(),
		PublishFailed: b.publishFailed.Load(),
		Republished:   b.republished.Load(),
		Received:      b.received.Load(),
		Reconnects:    b.reconnects.Load(),
		Dropped:       b.dropped.Load(),
	}
}

func poke(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
