package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/redis/rueidis"

	"parley/internal/chat"
	"parley/internal/outage"
)

var _ chat.Presence = (*Presence)(nil)

const (
	defaultLease = 30 * time.Second
	// presenceTimeout bounds each Connected, Disconnected and Status (they
	// hold locks the heartbeat may wait for), and Close 5 times over.
	presenceTimeout = 2 * time.Second
	// recordTTL is how long the records of users and nodes outlive the last
	// write or refresh, so a Redis whose every node died for good empties.
	recordTTL = 24 * time.Hour
	// seenTTL is how long a last-seen time is kept after the user went
	// offline; past it Status reports a zero LastSeen.
	seenTTL = 30 * 24 * time.Hour
	// statusBatch, updateBatch and reapBatch cap the users of one script
	// call; deadPerBeat caps the dead nodes one heartbeat reports.
	statusBatch = 1000
	updateBatch = 500
	reapBatch   = 500
	deadPerBeat = 16
)

// PresenceOptions configures a Presence. Zero fields take their defaults.
type PresenceOptions struct {
	Prefix    string           // key prefix (default "parley:")
	NodeID    string           // names this node in Redis and logs (default random)
	Lease     time.Duration    // a node silent this long is dead (default 30 s)
	Heartbeat time.Duration    // lease renewal and dead-node check (default Lease/3)
	Log       *slog.Logger     // default slog.Default()
	Now       func() time.Time // the clock of last-seen times (default time.Now)
}

// Presence is a chat.Presence kept in Redis and shared by every node.
//
// # Keys
//
// With P = Prefix + "{presence}:":
//
//	P nodes         ZSET  node → lease expiry (unix ms, Redis clock); a
//	                      negative score -e marks a node whose lease expired
//	                      at e and that a reaper has claimed
//	P u:<user>      HASH  node → the user's connections on that node (> 0)
//	P n:<node>      SET   the users with a field in P u:<user> for node
//	P seen:<user>   STR   when the user last went offline (unix ms)
//	P reap:<node>   STR   the claim of the node reaping <node> (SET NX PX)
//
// A "node" here is NodeID + "#" + a random suffix chosen when the Presence
// starts (and again if it ever finds itself reaped, see below): a process
// restarted with the same NodeID never adopts the counts of its dead
// predecessor, whose connections did end.
//
// A user is online iff a field of their hash names a node whose lease runs
// past Redis's TIME. Every decision that depends on it is made by a Lua
// script, atomically and on one clock.
//
// # Local counts are the truth
//
// Each node keeps its users' connection counts in memory and writes the
// absolute count to Redis (HSET, not HINCRBY), holding a per-user lock across
// the write: a write whose reply was lost, or that failed, leaves the user
// "dirty", and the next heartbeat writes their count again, so Redis
// converges on the truth instead of drifting. Came online / went offline are
// computed by the script from what the cluster saw before and after the
// write. Each write also renews the node's lease.
//
// # Crashes
//
// Every Heartbeat each node renews its lease (ZADD now+Lease) and lists the
// nodes whose lease has expired. For each, a reaper goroutine takes the claim
// P reap:<node> (SET NX PX) and negates the node's score in the same script,
// so exactly one live node reaps each dead node, and a node that was only
// slow learns, at its next write or heartbeat, that it was reaped. The
// reaper then removes the dead node's fields from its users' hashes in
// batches (the claim is renewed per batch and checked by each), records the
// lease expiry as last-seen for the users now offline everywhere, removes the
// node, and calls the OnExpired functions with those users (on a goroutine of
// their own, so a slow function never delays a heartbeat). A user whose
// last-seen is already later than the expiry connected and disconnected
// elsewhere since, was reported offline then, and is not reported again. If
// the reaper dies mid-way its claim expires and another node resumes.
//
// A node that finds itself reaped (paused or cut off from Redis for longer
// than Lease) or missing (Redis lost its data) takes a new suffix, registers
// again and rewrites all its counts: its users come back online silently
// (there is no callback for that). A node whose own lease had lapsed, or
// whose heartbeat failed, does not reap for one Lease, so that after an
// outage of Redis the nodes do not reap each other before all renewed.
//
// Every key a script touches is passed in KEYS, and all of them share the
// hash tag {presence}: on a Redis Cluster they live in one slot, so each
// script runs on the one master that holds them all (a script's keys must
// share a slot; the lease table "nodes" is read with every user's hash, so
// presence cannot be spread over slots without giving up the one-clock
// decisions above). The keys are the same on a single Redis.
//
// Records of users and nodes expire 24 h after their last refresh (each
// heartbeat refreshes its node's records, and every 6 h the TTL of its
// users' hashes); last-seen times expire after 30 days.
type Presence struct {
	client    rueidis.Client
	log       *slog.Logger
	outages   *outage.Set // the background writes that fail at every beat while Redis is down
	now       func() time.Time
	keys      string // Prefix + "{presence}:"
	nodeID    string
	lease     time.Duration
	heartbeat time.Duration
	timeout   time.Duration // bound of the background calls

	ctx       context.Context // cancelled when the goroutines must stop
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	stopOnce  sync.Once
	closeOnce sync.Once
	closeErr  error

	// inc is read-held by every count update in flight, write-held to
	// change the member, flush dirty counts or close.
	inc    sync.RWMutex
	member string // this node's name in Redis
	closed bool

	mu      sync.Mutex
	entries map[chat.UserID]*presenceEntry
	dirty   map[chat.UserID]struct{} // counts Redis may not have
	fns     []func([]chat.UserID)
	expired [][]chat.UserID // waiting for the notifier

	dead   chan []string // (cap 1) from the heartbeat to the reaper
	notify chan struct{} // (cap 1) expired has users
}

type presenceEntry struct {
	mu    sync.Mutex // held across the Redis write of this user's count
	count int        // connections on this node; guarded by mu, or inc held
	refs  int        // goroutines holding or waiting for mu; guarded by Presence.mu
}

// errReaped: the script found this node reaped or unknown.
var errReaped = errors.New("presence: node reaped")

// NewPresence registers this node in Redis and starts its heartbeat, reaper
// and notifier goroutines. ctx bounds the registration only. The client
// stays the caller's: Close does not close it.
func NewPresence(ctx context.Context, client rueidis.Client, opts PresenceOptions) (*Presence, error) {
	if opts.Prefix == "" {
		opts.Prefix = defaultChannelPrefix
	}
	if opts.NodeID == "" {
		opts.NodeID = randomHex(8)
	}
	if opts.Lease <= 0 {
		opts.Lease = defaultLease
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = opts.Lease / 3
	}
	if opts.Heartbeat >= opts.Lease {
		return nil, fmt.Errorf("redis presence: heartbeat %v must be shorter than the lease %v", opts.Heartbeat, opts.Lease)
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	p := &Presence{
		client:    client,
		log:       opts.Log,
		outages:   outage.NewSet(opts.Log),
		now:       opts.Now,
		keys:      opts.Prefix + "{presence}:",
		nodeID:    opts.NodeID,
		lease:     opts.Lease,
		heartbeat: opts.Heartbeat,
		timeout:   min(opts.Lease/2, 5*time.Second),
		entries:   make(map[chat.UserID]*presenceEntry),
		dirty:     make(map[chat.UserID]struct{}),
		dead:      make(chan []string, 1),
		notify:    make(chan struct{}, 1),
	}
	p.member = p.newMember()
	if _, _, err := p.beat(ctx, p.member, true); err != nil {
		return nil, fmt.Errorf("redis presence: register node: %w", err)
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.wg.Add(3)
	go p.heartbeatLoop()
	go p.reapLoop()
	go p.notifyLoop()
	return p, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails
	return hex.EncodeToString(b)
}

func (p *Presence) newMember() string { return p.nodeID + "#" + randomHex(4) }

func (p *Presence) nodesKey() string              { return p.keys + "nodes" }
func (p *Presence) nodeKey(member string) string  { return p.keys + "n:" + member }
func (p *Presence) userKey(u chat.UserID) string  { return p.keys + "u:" + string(u) }
func (p *Presence) seenKey(u chat.UserID) string  { return p.keys + "seen:" + string(u) }
func (p *Presence) claimKey(member string) string { return p.keys + "reap:" + member }

func ms(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
func unixMs(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func unavailable(err error) error { return chat.Wrap(chat.Unavailable, err, "presence unavailable") }

// Connected counts one more connection of user on this node. When it fails
// the connection is not counted (do not call Disconnected for it); Redis is
// brought in line with the local count by the next heartbeat.
func (p *Presence) Connected(ctx context.Context, user chat.UserID) (bool, error) {
	t, err := p.change(ctx, user, +1)
	return t == 1, err
}

// Disconnected counts one connection fewer. The connection is uncounted
// even when Redis fails (the next heartbeat catches up). A user without
// connections on this node (an unbalanced call, or any call after Close) is
// left alone: false, nil.
func (p *Presence) Disconnected(ctx context.Context, user chat.UserID) (bool, error) {
	t, err := p.change(ctx, user, -1)
	return t == -1, err
}

// change applies delta to user's count and writes it to Redis; it returns
// the transition the script saw (1 came online, -1 went offline).
func (p *Presence) change(ctx context.Context, user chat.UserID, delta int) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, presenceTimeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		p.inc.RLock()
		if p.closed {
			p.inc.RUnlock()
			if delta < 0 {
				return 0, nil // Close released every connection
			}
			return 0, chat.Errorf(chat.Unavailable, "presence closed")
		}
		member := p.member
		e := p.acquire(user)
		n := e.count + delta
		if n < 0 {
			p.release(user, e)
			p.inc.RUnlock()
			return 0, nil
		}
		ts, err := p.update(ctx, member, []chat.UserID{user}, []int{n}, false)
		retry := errors.Is(err, errReaped) && attempt == 0
		switch {
		case err == nil:
			e.count = n
			p.mu.Lock()
			delete(p.dirty, user)
			p.mu.Unlock()
		case retry: // nothing written: register again, then retry
		default:
			if delta < 0 {
				e.count = n // the connection is gone whatever Redis says
			}
			p.mu.Lock()
			p.dirty[user] = struct{}{}
			p.mu.Unlock()
		}
		p.release(user, e)
		p.inc.RUnlock()
		switch {
		case err == nil:
			return ts[0], nil
		case retry:
			p.log.Warn("redis presence: this node was reaped; registering again", "node", member)
			p.reincarnate(member)
		default:
			return 0, unavailable(err)
		}
	}
}

// acquire locks user's entry, creating it.
func (p *Presence) acquire(user chat.UserID) *presenceEntry {
	p.mu.Lock()
	e := p.entries[user]
	if e == nil {
		e = &presenceEntry{}
		p.entries[user] = e
	}
	e.refs++
	p.mu.Unlock()
	e.mu.Lock()
	return e
}

// release unlocks user's entry, dropping it when unused.
func (p *Presence) release(user chat.UserID, e *presenceEntry) {
	p.mu.Lock()
	e.refs--
	if _, dirty := p.dirty[user]; e.refs == 0 && e.count == 0 && !dirty {
		delete(p.entries, user)
	}
	p.mu.Unlock()
	e.mu.Unlock()
}

// update runs the update script for users (at most updateBatch) on member.
func (p *Presence) update(ctx context.Context, member string, users []chat.UserID, counts []int, leave bool) ([]int, error) {
	keys := make([]string, 0, 2+2*len(users))
	keys = append(keys, p.nodesKey(), p.nodeKey(member))
	args := make([]string, 0, 6+2*len(users))
	l := "0"
	if leave {
		l = "1"
	}
	args = append(args, member, ms(p.lease), ms(recordTTL), ms(seenTTL), unixMs(p.now()), l)
	for i, u := range users {
		keys = append(keys, p.userKey(u), p.seenKey(u))
		args = append(args, string(u), strconv.Itoa(counts[i]))
	}
	res, err := updateScript.Exec(ctx, p.client, keys, args).AsIntSlice()
	if err != nil {
		return nil, err
	}
	if len(res) == 0 || res[0] < 0 {
		return nil, errReaped
	}
	if len(res) != 1+len(users) {
		return nil, fmt.Errorf("presence: update returned %d values for %d users", len(res), len(users))
	}
	ts := make([]int, len(users))
	for i := range ts {
		ts[i] = int(res[1+i])
	}
	return ts, nil
}

// Status reads the presence of users in one round trip (batches of
// statusBatch users are pipelined). Online users were last seen now.
func (p *Presence) Status(ctx context.Context, users []chat.UserID) (map[chat.UserID]chat.PresenceStatus, error) {
	out := make(map[chat.UserID]chat.PresenceStatus, len(users))
	if len(users) == 0 {
		return out, nil
	}
	ctx, cancel := context.WithTimeout(ctx, presenceTimeout)
	defer cancel()
	var batches [][]chat.UserID
	for i := 0; i < len(users); i += statusBatch {
		batches = append(batches, users[i:min(i+statusBatch, len(users))])
	}
	results := make([][]int64, len(batches))
	errs := make([]error, len(batches))
	var wg sync.WaitGroup
	for i, batch := range batches {
		wg.Go(func() { // concurrent calls share one pipelined connection
			keys := make([]string, 0, 1+2*len(batch))
			keys = append(keys, p.nodesKey())
			for _, u := range batch {
				keys = append(keys, p.userKey(u), p.seenKey(u))
			}
			results[i], errs[i] = statusScript.Exec(ctx, p.client, keys, nil).AsIntSlice()
		})
	}
	wg.Wait()
	now := p.now()
	for i, batch := range batches {
		if errs[i] != nil {
			return nil, unavailable(errs[i])
		}
		if len(results[i]) != 2*len(batch) {
			return nil, unavailable(fmt.Errorf("presence: status returned %d values for %d users", len(results[i]), len(batch)))
		}
		for j, u := range batch {
			st := chat.PresenceStatus{Online: results[i][2*j] == 1}
			if st.Online {
				st.LastSeen = now
			} else if seen := results[i][2*j+1]; seen > 0 {
				st.LastSeen = time.UnixMilli(seen)
			}
			out[u] = st
		}
	}
	return out, nil
}

// OnExpired registers fn, called on a goroutine of this Presence (one call
// at a time) with the users that went offline because a node this Presence
// reaped had died. fn must not call Close.
func (p *Presence) OnExpired(fn func(users []chat.UserID)) {
	p.mu.Lock()
	p.fns = append(p.fns, fn)
	p.mu.Unlock()
}

// Close stops the goroutines (dropping OnExpired calls not yet made), then
// releases this node's connections: users with no connection on another
// live node go offline, last seen now, and the node leaves Redis. If that
// fails the node's lease expires and another node reaps it.
func (p *Presence) Close() error {
	p.closeOnce.Do(func() {
		p.stop()
		p.inc.Lock()
		p.closed = true
		member := p.member
		users := make(map[chat.UserID]struct{}, len(p.entries))
		p.mu.Lock()
		for u, e := range p.entries {
			if e.count > 0 {
				users[u] = struct{}{}
			}
		}
		for u := range p.dirty {
			users[u] = struct{}{}
		}
		p.mu.Unlock()
		p.inc.Unlock()
		p.closeErr = p.leave(member, users)
	})
	return p.closeErr
}

func (p *Presence) leave(member string, users map[chat.UserID]struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*presenceTimeout)
	defer cancel()
	// Users whose count Redis got but this node did not learn of.
	more, err := p.client.Do(ctx, p.client.B().Smembers().Key(p.nodeKey(member)).Build()).AsStrSlice()
	if err != nil {
		return unavailable(err)
	}
	for _, u := range more {
		users[chat.UserID(u)] = struct{}{}
	}
	list := make([]chat.UserID, 0, len(users))
	for u := range users {
		list = append(list, u)
	}
	for {
		n := min(len(list), updateBatch)
		last := n == len(list)
		_, err := p.update(ctx, member, list[:n], make([]int, n), last)
		if errors.Is(err, errReaped) {
			return nil // another node reaped (or is reaping) this one
		}
		if err != nil {
			return unavailable(err)
		}
		if last {
			return nil
		}
		list = list[n:]
	}
}

// stop ends the goroutines.
func (p *Presence) stop() {
	p.stopOnce.Do(func() {
		p.cancel()
		p.wg.Wait()
	})
}

// kill simulates a crash, for tests: the goroutines stop, nothing is
// released and the lease is left to expire. Close still works afterwards.
func (p *Presence) kill() { p.stop() }
