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
// With P = Prefix + "presence:":
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
// Every key a script touches is passed in KEYS, so with a Prefix holding a
// hash tag (e.g. "parley:{presence}:") all of them live in one slot of a
// Redis Cluster.
//
// Records of users and nodes expire 24 h after their last refresh (each
// heartbeat refreshes its node's records, and every 6 h the TTL of its
// users' hashes); last-seen times expire after 30 days.
type Presence struct {
	client    rueidis.Client
	log       *slog.Logger
	now       func() time.Time
	keys      string // Prefix + "presence:"
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

// luaPrelude holds the helpers of the scripts.
//
// others reports whether the hash at key has a field, other than skip,
// naming a node whose lease runs past now; with gc it deletes the fields
// naming nodes gone from the nodes set (fully reaped, or never registered).
const luaPrelude = `
local function nowms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function others(nodes, key, skip, now, gc)
  local live = false
  for _, n in ipairs(redis.call('HKEYS', key)) do
    if n ~= skip then
      local s = redis.call('ZSCORE', nodes, n)
      if s then
        if tonumber(s) > now then live = true end
      elseif gc then
        redis.call('HDEL', key, n)
      end
    end
  end
  return live
end
`

// presenceHeartbeat renews the lease of node ARGV[1] and lists expired nodes.
//
// KEYS[1] nodes, KEYS[2] n:<node>. ARGV[1] node, ARGV[2] lease ms, ARGV[3]
// record TTL ms, ARGV[4] "1" to register a new node, ARGV[5] max dead nodes.
// Returns {state, dead nodes}: state -1 when the node was reaped or is
// unknown (nothing done), 1 when its lease had lapsed, else 0.
const presenceHeartbeat = luaPrelude + `
local now = nowms()
local state = 0
if ARGV[4] ~= '1' then
  local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
  if not s or tonumber(s) <= 0 then return {-1, {}} end
  if tonumber(s) <= now then state = 1 end
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return {state, redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[5]))}
`

// presenceUpdate sets the connection counts of users on node ARGV[1].
//
// KEYS[1] nodes, KEYS[2] n:<node>, then u:<user>, seen:<user> per user.
// ARGV[1] node, ARGV[2] lease ms, ARGV[3] record TTL ms, ARGV[4] seen TTL
// ms, ARGV[5] last-seen ms for users going offline, ARGV[6] "1" to remove
// the node afterwards (Close), then user, count per user. Returns {-1} when
// the node was reaped or is unknown (nothing done), else {0, t...} with per
// user t = 1 came online, -1 went offline, 0 neither.
const presenceUpdate = luaPrelude + `
local nodes, me = KEYS[1], ARGV[1]
local now = nowms()
local s = redis.call('ZSCORE', nodes, me)
if not s or tonumber(s) <= 0 then return {-1} end
local out = {0}
for i = 1, (#ARGV - 6) / 2 do
  local ukey, skey = KEYS[1 + 2 * i], KEYS[2 + 2 * i]
  local user, n = ARGV[5 + 2 * i], tonumber(ARGV[6 + 2 * i])
  local old = tonumber(redis.call('HGET', ukey, me) or '0')
  local other = others(nodes, ukey, me, now, true)
  if n > 0 then
    redis.call('HSET', ukey, me, n)
    redis.call('PEXPIRE', ukey, ARGV[3])
    redis.call('SADD', KEYS[2], user)
  else
    redis.call('HDEL', ukey, me)
    redis.call('SREM', KEYS[2], user)
  end
  local t = 0
  if not other then
    if old <= 0 and n > 0 then
      t = 1
    elseif old > 0 and n <= 0 then
      t = -1
      redis.call('SET', skey, ARGV[5], 'PX', ARGV[4])
    end
  end
  out[#out + 1] = t
end
if ARGV[6] == '1' then
  redis.call('ZREM', nodes, me)
  redis.call('DEL', KEYS[2])
else
  redis.call('ZADD', nodes, now + tonumber(ARGV[2]), me)
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
return out
`

// presenceClaim claims dead node ARGV[1] for reaper ARGV[2].
//
// KEYS[1] nodes, KEYS[2] reap:<node>. ARGV[1] node, ARGV[2] claimant,
// ARGV[3] claim TTL ms. Returns the node's lease expiry (ms) when claimed,
// else 0 (alive, gone, or claimed by another).
const presenceClaim = luaPrelude + `
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not s then return 0 end
s = tonumber(s)
if s > nowms() then return 0 end
if not redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return 0 end
if s > 0 then
  redis.call('ZADD', KEYS[1], -s, ARGV[1])
else
  s = -s
end
return s
`

// presenceReap removes claimed dead node ARGV[1] from the hashes of users.
//
// KEYS[1] nodes, KEYS[2] n:<node>, KEYS[3] reap:<node>, then u:<user>,
// seen:<user> per user. ARGV[1] node, ARGV[2] claimant, ARGV[3] lease
// expiry ms, ARGV[4] claim TTL ms, ARGV[5] seen TTL ms, then the users.
// Returns {-1, {}} when the claim is not ARGV[2]'s, else {users left on
// the node, users who went offline}; with none left the node is removed.
const presenceReap = luaPrelude + `
if redis.call('GET', KEYS[3]) ~= ARGV[2] then return {-1, {}} end
redis.call('PEXPIRE', KEYS[3], ARGV[4])
local now = nowms()
local expiry = tonumber(ARGV[3])
local gone = {}
for i = 6, #ARGV do
  local ukey, skey = KEYS[2 * (i - 6) + 4], KEYS[2 * (i - 6) + 5]
  redis.call('SREM', KEYS[2], ARGV[i])
  if redis.call('HDEL', ukey, ARGV[1]) == 1 and not others(KEYS[1], ukey, '', now, true) then
    if tonumber(redis.call('GET', skey) or '0') < expiry then
      redis.call('SET', skey, ARGV[3], 'PX', ARGV[5])
      gone[#gone + 1] = ARGV[i]
    end
  end
end
local left = redis.call('SCARD', KEYS[2])
if left == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('DEL', KEYS[3])
end
return {left, gone}
`

// presenceStatus reads the presence of users.
//
// KEYS[1] nodes, then u:<user>, seen:<user> per user. Returns online (0/1),
// last-seen ms (0: unknown) per user. A user whose nodes all expired but are
// not reaped yet was last seen at the latest of their expiries.
const presenceStatus = luaPrelude + `
local now = nowms()
local scores = {}
local out = {}
for i = 1, (#KEYS - 1) / 2 do
  local online, seen = 0, tonumber(redis.call('GET', KEYS[2 * i + 1]) or '0')
  for _, n in ipairs(redis.call('HKEYS', KEYS[2 * i])) do
    local s = scores[n]
    if s == nil then
      s = tonumber(redis.call('ZSCORE', KEYS[1], n) or '0')
      scores[n] = s
    end
    if s > now then
      online = 1
    elseif s ~= 0 then
      seen = math.max(seen, math.abs(s))
    end
  end
  out[#out + 1] = online
  out[#out + 1] = seen
end
return out
`

var (
	heartbeatScript = rueidis.NewLuaScript(presenceHeartbeat)
	updateScript    = rueidis.NewLuaScript(presenceUpdate)
	claimScript     = rueidis.NewLuaScript(presenceClaim)
	reapScript      = rueidis.NewLuaScript(presenceReap)
	statusScript    = rueidis.NewLuaScriptReadOnly(presenceStatus)
)

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
		now:       opts.Now,
		keys:      opts.Prefix + "presence:",
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

// beat runs the heartbeat script for member: it reports whether member's
// lease had lapsed, and the dead nodes seen; errReaped when member was reaped.
func (p *Presence) beat(ctx context.Context, member string, register bool) (lapsed bool, dead []string, err error) {
	reg := "0"
	if register {
		reg = "1"
	}
	res, err := heartbeatScript.Exec(ctx, p.client,
		[]string{p.nodesKey(), p.nodeKey(member)},
		[]string{member, ms(p.lease), ms(recordTTL), reg, strconv.Itoa(deadPerBeat)}).ToArray()
	if err != nil {
		return false, nil, err
	}
	if len(res) != 2 {
		return false, nil, fmt.Errorf("presence: heartbeat returned %d values", len(res))
	}
	state, err := res[0].AsInt64()
	if err != nil {
		return false, nil, err
	}
	if state < 0 {
		return false, nil, errReaped
	}
	dead, err = res[1].AsStrSlice()
	return state == 1, dead, err
}

func (p *Presence) heartbeatLoop() {
	defer p.wg.Done()
	t := time.NewTicker(p.heartbeat)
	defer t.Stop()
	var reapAfter time.Time // no reaping before: this node was out of touch
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-t.C:
		}
		p.inc.RLock()
		member := p.member
		p.inc.RUnlock()
		ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
		lapsed, dead, err := p.beat(ctx, member, false)
		cancel()
		switch {
		case errors.Is(err, errReaped):
			p.log.Warn("redis presence: this node was reaped or lost; registering again", "node", member)
			p.reincarnate(member)
			reapAfter = time.Now().Add(p.lease)
			continue
		case err != nil:
			if p.ctx.Err() == nil {
				p.log.Warn("redis presence: heartbeat failed", "node", member, "err", err)
			}
			reapAfter = time.Now().Add(p.lease)
			continue
		case lapsed:
			p.log.Warn("redis presence: this node's lease had lapsed", "node", member)
			reapAfter = time.Now().Add(p.lease)
		}
		p.flushDirty()
		if len(dead) > 0 && !time.Now().Before(reapAfter) {
			select {
			case p.dead <- dead:
			default: // the reaper is busy; the next heartbeat tells it again
			}
		}
	}
}

// reincarnate gives this node a new member name after old was reaped or
// lost, registers it and writes every local count under it.
func (p *Presence) reincarnate(old string) {
	p.inc.Lock()
	defer p.inc.Unlock()
	if p.closed || p.member != old {
		return // done already
	}
	p.member = p.newMember()
	p.mu.Lock()
	for u, e := range p.entries {
		if e.count > 0 {
			p.dirty[u] = struct{}{}
		}
	}
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	if _, _, err := p.beat(ctx, p.member, true); err != nil {
		p.log.Warn("redis presence: registering again failed", "node", p.member, "err", err)
		return // the next heartbeat finds p.member unknown and retries
	}
	p.flushLocked(ctx)
}

func (p *Presence) flushDirty() {
	p.mu.Lock()
	n := len(p.dirty)
	p.mu.Unlock()
	if n == 0 {
		return
	}
	p.inc.Lock()
	defer p.inc.Unlock()
	if p.closed {
		return
	}
	ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
	defer cancel()
	p.flushLocked(ctx)
}

// flushLocked writes the counts of the dirty users; p.inc is held.
func (p *Presence) flushLocked(ctx context.Context) {
	p.mu.Lock()
	users := make([]chat.UserID, 0, len(p.dirty))
	for u := range p.dirty {
		users = append(users, u)
	}
	p.mu.Unlock()
	for len(users) > 0 {
		batch := users[:min(len(users), updateBatch)]
		users = users[len(batch):]
		counts := make([]int, len(batch))
		p.mu.Lock()
		for i, u := range batch {
			if e := p.entries[u]; e != nil {
				counts[i] = e.count
			}
		}
		p.mu.Unlock()
		ts, err := p.update(ctx, p.member, batch, counts, false)
		if err != nil {
			if ctx.Err() == nil {
				p.log.Warn("redis presence: writing counts failed", "node", p.member, "users", len(batch), "err", err)
			}
			return
		}
		p.mu.Lock()
		for i, u := range batch {
			delete(p.dirty, u)
			if e := p.entries[u]; e != nil && e.count == 0 && e.refs == 0 {
				delete(p.entries, u)
			}
			if ts[i] != 0 {
				p.log.Info("redis presence: presence corrected", "user", u, "online", ts[i] > 0)
			}
		}
		p.mu.Unlock()
	}
}

func (p *Presence) reapLoop() {
	defer p.wg.Done()
	sweep := time.NewTicker(recordTTL / 4)
	defer sweep.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case dead := <-p.dead:
			for _, node := range dead {
				if p.ctx.Err() != nil {
					return
				}
				p.reap(node)
			}
		case <-sweep.C:
			p.refreshUsers()
		}
	}
}

// reap reaps node if this node can claim it.
func (p *Presence) reap(node string) {
	p.inc.RLock()
	me := p.member
	p.inc.RUnlock()
	if node == me {
		return
	}
	claimTTL := max(2*p.lease, 5*time.Second)
	ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
	expiry, err := claimScript.Exec(ctx, p.client,
		[]string{p.nodesKey(), p.claimKey(node)},
		[]string{node, me, ms(claimTTL)}).AsInt64()
	cancel()
	if err != nil {
		if p.ctx.Err() == nil {
			p.log.Warn("redis presence: claiming a dead node failed", "dead_node", node, "err", err)
		}
		return
	}
	if expiry <= 0 {
		return // alive again, reaped, or claimed by another node
	}
	var gone []chat.UserID
	for {
		ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
		left, batch, err := p.reapBatch(ctx, node, me, expiry, claimTTL)
		cancel()
		if err != nil {
			if p.ctx.Err() == nil {
				p.log.Warn("redis presence: reaping a dead node failed; its claim will expire", "dead_node", node, "err", err)
			}
			break
		}
		gone = append(gone, batch...)
		if left <= 0 {
			p.log.Info("redis presence: reaped a dead node", "dead_node", node, "offline", len(gone))
			break
		}
	}
	if len(gone) > 0 {
		p.mu.Lock()
		p.expired = append(p.expired, gone)
		p.mu.Unlock()
		poke(p.notify)
	}
}

// reapBatch reaps up to reapBatch users of node; it returns how many are left.
func (p *Presence) reapBatch(ctx context.Context, node, me string, expiry int64, claimTTL time.Duration) (int64, []chat.UserID, error) {
	users, err := p.client.Do(ctx, p.client.B().Srandmember().Key(p.nodeKey(node)).Count(reapBatch).Build()).AsStrSlice()
	if err != nil {
		return 0, nil, err
	}
	keys := make([]string, 0, 3+2*len(users))
	keys = append(keys, p.nodesKey(), p.nodeKey(node), p.claimKey(node))
	args := make([]string, 0, 5+len(users))
	args = append(args, node, me, strconv.FormatInt(expiry, 10), ms(claimTTL), ms(seenTTL))
	for _, u := range users {
		keys = append(keys, p.userKey(chat.UserID(u)), p.seenKey(chat.UserID(u)))
		args = append(args, u)
	}
	res, err := reapScript.Exec(ctx, p.client, keys, args).ToArray()
	if err != nil {
		return 0, nil, err
	}
	if len(res) != 2 {
		return 0, nil, fmt.Errorf("presence: reap returned %d values", len(res))
	}
	left, err := res[0].AsInt64()
	if err != nil {
		return 0, nil, err
	}
	if left < 0 {
		return 0, nil, errors.New("presence: lost the claim")
	}
	names, err := res[1].AsStrSlice()
	if err != nil {
		return 0, nil, err
	}
	gone := make([]chat.UserID, len(names))
	for i, u := range names {
		gone[i] = chat.UserID(u)
	}
	return left, gone, nil
}

// refreshUsers renews the TTL of the hashes of this node's users, which
// live as long as their connections, however few writes they see.
func (p *Presence) refreshUsers() {
	p.mu.Lock()
	keys := make([]string, 0, len(p.entries))
	for u := range p.entries {
		keys = append(keys, p.userKey(u))
	}
	p.mu.Unlock()
	for len(keys) > 0 {
		batch := keys[:min(len(keys), 1000)]
		keys = keys[len(batch):]
		cmds := make(rueidis.Commands, len(batch))
		for i, k := range batch {
			cmds[i] = p.client.B().Pexpire().Key(k).Milliseconds(recordTTL.Milliseconds()).Build()
		}
		ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
		for _, r := range p.client.DoMulti(ctx, cmds...) {
			if err := r.Error(); err != nil {
				if p.ctx.Err() == nil {
					p.log.Warn("redis presence: refreshing user records failed", "err", err)
				}
				cancel()
				return
			}
		}
		cancel()
	}
}

func (p *Presence) notifyLoop() {
	defer p.wg.Done()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-p.notify:
		}
		p.mu.Lock()
		batches := p.expired
		p.expired = nil
		fns := p.fns[:len(p.fns):len(p.fns)]
		p.mu.Unlock()
		for _, users := range batches {
			for _, fn := range fns {
				fn(users)
			}
		}
	}
}
