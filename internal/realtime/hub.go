package realtime

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"parley/internal/chat"
)

// Backfill returns a room's messages with after < seq <= upTo, oldest first.
// The hub calls it when it sees a seq jump, so clients never see a gap.
type Backfill func(ctx context.Context, room chat.RoomID, after, upTo int64) ([]chat.Message, error)

// Hub routes bus events to the connections on this node. It subscribes to the
// topic of each connected user and of each room they belong to, delivers a
// room's messages in seq order, and applies membership changes at the seq
// where they happened, so a removed member gets nothing after their removal.
//
// Lock order: roomEntry.mu before Hub.mu; userEntry.conns is an atomic
// snapshot read under either.
type Hub struct {
	bus      chat.Bus
	backfill Backfill
	log      *slog.Logger
	cfg      *Config

	mu    sync.Mutex
	users map[chat.UserID]*userEntry
	rooms map[chat.RoomID]*roomEntry
	all   map[*Conn]struct{}
}

type userEntry struct {
	conns  atomic.Pointer[[]*Conn] // copy-on-write, read without locks
	cancel func()
}

func (u *userEntry) list() []*Conn {
	if p := u.conns.Load(); p != nil {
		return *p
	}
	return nil
}

type roomEntry struct {
	id     chat.RoomID
	cancel func()

	mu        sync.Mutex
	dead      bool  // dropped from the hub; a joiner must look the room up again
	delivered int64 // highest seq handed to local connections
	members   map[chat.UserID][]*Conn
	flat      []*Conn // all member connections; rebuilt when membership changes
	dirty     bool
	// removedAt remembers at which seq a user left, so a connection set up
	// from an older snapshot is not added back after the removal.
	removedAt map[chat.UserID]int64
	// joining holds connections whose join is reading the store; no other
	// join, and no message adding their user, takes them meanwhile.
	joining map[*Conn]bool

	// Fan-out batching: in a room with many local connections, events wait
	// up to cfg.FanoutWindow in pending (frames joined by newlines) and go out
	// as one payload, so each connection gets one write per window instead of
	// one per event. Membership changes flush first: a batch always goes to
	// the members of the seq range it covers. Counts (receipts, the online
	// count) are lazy: they wait up to lazyWindows windows for a window that
	// has a message to ride with, since every window that goes out is a
	// write to every connection.
	pending  []byte
	pendingN int       // events in pending
	flushAt  time.Time // when the scheduled flush is due; zero: none is

	// ahead holds messages that arrived before a lower seq: concurrent
	// senders publish after their commits in any order, and a broker can
	// drop one. They wait for the missing seqs, from the bus or — after
	// repairDelay, or until the store answers again — from the store, and
	// are delivered in order: clients never see a gap.
	ahead     map[int64]chat.Event
	repairing bool
	repairs   int // consecutive failed repairs, for backoff
}

// The reorder buffer's bounds: how long a seq gap may wait for the bus
// before the store is read, and how many early messages a room holds.
const (
	repairDelay = 10 * time.Millisecond
	maxAhead    = 10000
)

func NewHub(bus chat.Bus, backfill Backfill, log *slog.Logger, cfg Config) *Hub {
	c := cfg.withDefaults()
	return &Hub{bus: bus, backfill: backfill, log: log, cfg: &c,
		users: make(map[chat.UserID]*userEntry), rooms: make(map[chat.RoomID]*roomEntry), all: make(map[*Conn]struct{})}
}

// attach registers c before its rooms are loaded, so no personal event (a room
// added or removed) between the load and the registration is missed. load
// returns the user's rooms; the hub starts delivering them and returns them for
// the ready frame.
func (h *Hub) attach(ctx context.Context, c *Conn, load func() ([]chat.RoomSummary, error)) ([]chat.RoomSummary, error) {
	h.mu.Lock()
	h.all[c] = struct{}{}
	u := h.users[c.user]
	if u == nil {
		u = &userEntry{}
		h.users[c.user] = u
		user := c.user
		u.cancel = h.bus.Subscribe(chat.UserTopic(user), func(ev chat.Event) { h.onUserEvent(user, ev) })
	}
	next := append(slices.Clone(u.list()), c)
	u.conns.Store(&next)
	h.mu.Unlock()
	h.cfg.Metrics.Connected(1)

	return load()
}

// start begins delivery to c of the rooms in its ready frame, each from the
// snapshot seq that frame gives; called before the ready frame is released.
// Rooms that c's user joined while the snapshot was being taken (a room_added
// event, or a message adding them) were deferred until now: c's own snapshot
// says where it stands in every room it lists, and a join at an older seq
// would hand it messages that ready already covers.
func (h *Hub) start(ctx context.Context, c *Conn, rooms []chat.RoomSummary) {
	inSnapshot := make(map[chat.RoomID]bool, len(rooms))
	for _, r := range rooms {
		inSnapshot[r.ID] = true
		h.joinRoom(ctx, r.ID, r.LastSeq, []*Conn{c}, c.user)
	}
	for {
		joins := c.takeDeferredJoins()
		if len(joins) == 0 {
			return
		}
		for _, j := range joins {
			if !inSnapshot[j.room] {
				h.joinRoom(ctx, j.room, j.seq, []*Conn{c}, c.user)
			}
		}
	}
}

// started keeps the connections whose room set is settled and defers a join
// for the others until start takes it.
func started(conns []*Conn, room chat.RoomID, seq int64) []*Conn {
	out := make([]*Conn, 0, len(conns))
	for _, c := range conns {
		if !c.deferJoin(room, seq) {
			out = append(out, c)
		}
	}
	return out
}

func (h *Hub) detach(c *Conn) {
	h.mu.Lock()
	if _, ok := h.all[c]; !ok {
		h.mu.Unlock()
		return
	}
	delete(h.all, c)
	if u := h.users[c.user]; u != nil {
		next := slices.DeleteFunc(slices.Clone(u.list()), func(x *Conn) bool { return x == c })
		u.conns.Store(&next)
		if len(next) == 0 {
			u.cancel()
			delete(h.users, c.user)
		}
	}
	h.mu.Unlock()
	h.cfg.Metrics.Connected(-1)
	for _, r := range c.joined() {
		r.mu.Lock()
		if cs, ok := r.members[c.user]; ok {
			cs = slices.DeleteFunc(slices.Clone(cs), func(x *Conn) bool { return x == c })
			if len(cs) == 0 {
				delete(r.members, c.user)
			} else {
				r.members[c.user] = cs
			}
			r.dirty = true
		}
		empty := len(r.members) == 0
		r.mu.Unlock()
		if empty {
			h.dropRoomIfEmpty(r)
		}
	}
}

// room returns the entry for id, creating and subscribing it if needed.
func (h *Hub) room(id chat.RoomID, seq int64) (*roomEntry, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r := h.rooms[id]; r != nil {
		return r, false
	}
	r := &roomEntry{id: id, delivered: seq, members: make(map[chat.UserID][]*Conn), removedAt: make(map[chat.UserID]int64)}
	h.rooms[id] = r
	r.cancel = h.bus.Subscribe(chat.RoomTopic(id), func(ev chat.Event) { h.onRoomEvent(r, ev) })
	return r, true
}

func (r *roomEntry) markJoining(c *Conn) {
	if r.joining == nil {
		r.joining = make(map[*Conn]bool)
	}
	r.joining[c] = true
}

func (h *Hub) dropRoomIfEmpty(r *roomEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.members) != 0 || len(r.joining) != 0 || r.dead {
		return
	}
	r.dead = true
	h.mu.Lock()
	if h.rooms[r.id] == r {
		delete(h.rooms, r.id)
	}
	h.mu.Unlock()
	r.cancel()
}

// joinRoom starts delivering room to conns of user, who is a member as of
// the snapshot seq: each connection gets every message after seq exactly
// once. The room here may be behind the snapshot (the newest messages are
// still on their way over the bus, or the bus lost them) or ahead of it;
// either way the store fills the difference, read without the room's lock.
func (h *Hub) joinRoom(ctx context.Context, id chat.RoomID, seq int64, conns []*Conn, user chat.UserID) {
	if len(conns) == 0 {
		return
	}
	r, created := h.room(id, seq)
	if created {
		// Messages may have been published between the snapshot and the
		// subscription; catch up now rather than at the next message.
		defer h.advance(ctx, r, 0)
	}
	var joining []*Conn // marked in r.joining: no other join takes them meanwhile
	defer func() {
		r.mu.Lock()
		for _, c := range joining {
			delete(r.joining, c)
		}
		empty := len(r.members) == 0
		r.mu.Unlock()
		if empty { // nobody joined after all: the room here serves no one
			h.dropRoomIfEmpty(r)
		}
	}()
	for {
		r.mu.Lock()
		if r.dead { // dropped while unlocked: start over with a fresh entry
			r.mu.Unlock()
			h.joinRoom(ctx, id, seq, conns, user)
			return
		}
		if r.removedAt[user] > seq {
			r.mu.Unlock()
			return // removed after the snapshot this join came from
		}
		if joining == nil {
			for _, c := range conns {
				if !slices.Contains(r.members[user], c) && !r.joining[c] {
					joining = append(joining, c)
					r.markJoining(c)
				}
			}
			if len(joining) == 0 {
				r.mu.Unlock()
				return
			}
		}
		delivered := r.delivered
		if delivered == seq {
			h.flushLocked(r) // what is pending predates these connections' snapshot
			r.members[user] = append(slices.Clone(r.members[user]), joining...)
			r.dirty = true
			for _, c := range joining {
				delete(r.joining, c)
				c.remember(r)
			}
			joining = nil
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
		if delivered < seq {
			// Bring the room up to the snapshot first: its members get those
			// messages, the joining connections do not.
			if err := h.advance(ctx, r, seq); err != nil {
				h.refuseJoin(joining)
				return
			}
			r.mu.Lock()
			stuck := r.delivered == delivered
			r.mu.Unlock()
			if stuck {
				// The store lacks seqs its own snapshot counted, which the seq
				// contract rules out; join where the room is rather than spin.
				h.log.Error("store lacks seqs below a snapshot", "room", id, "have", delivered, "snapshot", seq)
				seq = delivered
			}
			continue
		}
		// The room is ahead of the snapshot: the joining connections get
		// what they would otherwise miss, then join at that point.
		msgs, err := h.backfill(ctx, id, seq, delivered)
		if err != nil {
			h.log.Warn("backfill for joining connection", "room", id, "err", err)
			h.refuseJoin(joining)
			return
		}
		for _, m := range msgs {
			f := eventFrame(chat.Event{Type: chat.EvMessage, Room: id, Seq: m.Seq, Data: mustJSON(m)})
			for _, c := range joining {
				c.enqueue(f)
			}
		}
		seq = delivered
	}
}

// refuseJoin closes connections whose room could not be read: reconnecting
// and resuming is exact, a join with a gap or a repeat is not.
func (h *Hub) refuseJoin(conns []*Conn) {
	for _, c := range conns {
		c.Close(CloseRestart, "could not load a room: reconnect and resume")
	}
}

// advance delivers r's messages after what it has delivered, up to upTo (0:
// the latest), from the store. The store is read without r.mu: a slow store
// must not stall the room's senders. Whatever the bus delivered meanwhile is
// skipped when the messages are applied.
func (h *Hub) advance(ctx context.Context, r *roomEntry, upTo int64) error {
	if upTo == 0 {
		upTo = 1 << 62
	}
	r.mu.Lock()
	from, dead := r.delivered, r.dead
	r.mu.Unlock()
	if from >= upTo || dead {
		return nil
	}
	msgs, err := h.backfill(ctx, r.id, from, upTo)
	if err != nil {
		h.log.Warn("backfill", "room", r.id, "err", err)
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dead {
		return nil
	}
	n := 0
	for _, m := range msgs {
		if m.Seq <= r.delivered {
			continue
		}
		added, removed := chat.MembershipChange(m)
		h.deliverLocked(r, chat.Event{Type: chat.EvMessage, Room: r.id, Seq: m.Seq, Added: added, Removed: removed, Data: mustJSON(m)})
		n++
	}
	if n > 0 {
		h.cfg.Metrics.Backfilled(n)
	}
	h.drainAhead(r)
	return nil
}

func (h *Hub) onRoomEvent(r *roomEntry, ev chat.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ev.Type != chat.EvMessage {
		h.emit(r, eventFrame(ev), ev.Type == chat.EvReceipts || ev.Type == chat.EvRoomPresence)
		return
	}
	if ev.Seq <= r.delivered {
		return // already delivered, through backfill or a duplicate publish
	}
	if ev.Seq > r.delivered+1 && len(r.ahead) < maxAhead {
		if r.ahead == nil {
			r.ahead = make(map[int64]chat.Event)
		}
		r.ahead[ev.Seq] = ev
		h.scheduleRepair(r, repairDelay)
		return
	}
	h.deliverLocked(r, ev) // in order — or, past maxAhead, with a gap the client repairs
	h.drainAhead(r)
}

// drainAhead delivers held messages that are next in line. Called with r.mu held.
func (h *Hub) drainAhead(r *roomEntry) {
	for len(r.ahead) > 0 {
		ev, ok := r.ahead[r.delivered+1]
		if !ok {
			for seq := range r.ahead {
				if seq <= r.delivered {
					delete(r.ahead, seq)
				}
			}
			return
		}
		delete(r.ahead, ev.Seq)
		h.deliverLocked(r, ev)
	}
}

func (h *Hub) scheduleRepair(r *roomEntry, after time.Duration) {
	if r.repairing {
		return
	}
	r.repairing = true
	time.AfterFunc(after, func() { h.repair(r) })
}

// repair reads the seqs a room is missing from the store. While the store
// cannot answer (it is restarting, say), the held messages keep waiting and
// the repair is retried with backoff: delivering them with a gap would make
// every client repair it.
func (h *Hub) repair(r *roomEntry) {
	r.mu.Lock()
	if len(r.ahead) == 0 || r.dead {
		r.ahead, r.repairing = nil, false
		r.mu.Unlock()
		return
	}
	first := int64(1 << 62)
	for seq := range r.ahead {
		first = min(first, seq)
	}
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	err := h.advance(ctx, r, first-1)
	cancel()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.repairing = false
	if err != nil {
		r.repairs++
		h.scheduleRepair(r, min(repairDelay<<min(r.repairs, 7), time.Second))
		return
	}
	r.repairs = 0
	if ev, ok := r.ahead[first]; ok && r.delivered < first-1 {
		// The store has no such seqs, which the seq contract rules out; rather
		// than hold the room forever, deliver and let clients repair.
		h.log.Error("store lacks seqs below a published message", "room", r.id, "have", r.delivered, "next", first)
		delete(r.ahead, first)
		h.deliverLocked(r, ev)
	}
	h.drainAhead(r)
	if len(r.ahead) > 0 { // another gap further on
		h.scheduleRepair(r, repairDelay)
	}
}

// deliverLocked hands a sequenced message to the room's connections, applying
// the membership change it carries. Called with r.mu held.
func (h *Hub) deliverLocked(r *roomEntry, ev chat.Event) {
	if ev.Seq <= r.delivered {
		return
	}
	r.delivered = ev.Seq
	if len(ev.Added)+len(ev.Removed) > 0 {
		h.flushLocked(r) // the batch belongs to the members before this change
	}
	for _, u := range ev.Added {
		delete(r.removedAt, u)
		h.mu.Lock()
		ue := h.users[u]
		h.mu.Unlock()
		if ue == nil {
			continue
		}
		for _, c := range ue.list() {
			if !slices.Contains(r.members[u], c) && !r.joining[c] && !c.deferJoin(r.id, ev.Seq) {
				r.members[u] = append(slices.Clone(r.members[u]), c)
				r.dirty = true
				c.remember(r)
			}
		}
	}
	if len(ev.Removed) > 0 {
		h.fanOut(r, eventFrame(ev), 1) // the leavers get their own removal, at once
	} else {
		h.emit(r, eventFrame(ev), false)
	}
	for _, u := range ev.Removed {
		r.removedAt[u] = ev.Seq
		if cs, ok := r.members[u]; ok {
			for _, c := range cs {
				c.forget(r)
			}
			delete(r.members, u)
			r.dirty = true
		}
	}
}

// lazyWindows is how many fan-out windows a lazy event may wait in a big
// room: 250 ms at the default window, as long as receipts are coalesced.
const lazyWindows = 5

// emit hands one event frame of r to its connections: at once in a small
// room, batched with the window's other events in a big one, where a lazy
// event waits longer. Called with r.mu held.
func (h *Hub) emit(r *roomEntry, frame []byte, lazy bool) {
	h.rebuildFlat(r)
	window := h.cfg.FanoutWindow
	if window <= 0 || len(r.flat) < h.cfg.FanoutBatchConns {
		h.flushLocked(r) // keep order with a batch left from when the room was bigger
		h.fanOut(r, frame, 1)
		return
	}
	if r.pendingN > 0 && len(r.pending)+1+len(frame) > h.cfg.MaxFrameBytes {
		h.flushLocked(r)
	}
	if r.pendingN > 0 {
		r.pending = append(r.pending, '\n')
	}
	r.pending = append(r.pending, frame...)
	r.pendingN++
	if lazy {
		window *= lazyWindows
	}
	h.flushWithinLocked(r, window)
}

// flushWithinLocked makes sure r's batch goes out within d: it schedules a
// flush, or brings the scheduled one forward. Called with r.mu held.
func (h *Hub) flushWithinLocked(r *roomEntry, d time.Duration) {
	at := time.Now().Add(d)
	if !r.flushAt.IsZero() && !r.flushAt.After(at) {
		return
	}
	r.flushAt = at
	time.AfterFunc(d, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if !r.flushAt.Equal(at) {
			return // a sooner flush replaced this one
		}
		r.flushAt = time.Time{}
		h.flushLocked(r)
	})
}

// flushLocked sends r's pending batch. Called with r.mu held.
func (h *Hub) flushLocked(r *roomEntry) {
	if r.pendingN == 0 {
		return
	}
	payload, n := r.pending, r.pendingN
	r.pending, r.pendingN = nil, 0 // payload now belongs to the connections' queues
	h.rebuildFlat(r)
	h.fanOut(r, payload, n)
}

func (h *Hub) rebuildFlat(r *roomEntry) {
	if !r.dirty {
		return
	}
	r.flat = r.flat[:0]
	for _, cs := range r.members {
		r.flat = append(r.flat, cs...)
	}
	r.dirty = false
}

// fanOut enqueues the same bytes (events frames joined by newlines) on every
// member connection: one encoding per event per node, no allocation per
// recipient. Called with r.mu held.
func (h *Hub) fanOut(r *roomEntry, b []byte, events int) {
	h.rebuildFlat(r)
	for _, c := range r.flat {
		c.enqueueEvents(b, events)
	}
}

func (h *Hub) onUserEvent(user chat.UserID, ev chat.Event) {
	h.mu.Lock()
	u := h.users[user]
	h.mu.Unlock()
	if u == nil {
		return
	}
	conns := u.list()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	switch ev.Type {
	case chat.EvSessionEnded:
		for _, c := range conns {
			if c.session == ev.Session {
				c.Close(CloseSessionEnded, "session ended")
			}
		}
		return
	case chat.EvRoomAdded:
		f := eventFrame(ev)
		for _, c := range conns {
			c.enqueue(f)
		}
		h.joinRoom(ctx, ev.Room, ev.Seq, started(conns, ev.Room, ev.Seq), user)
		return
	case chat.EvRoomRemoved:
		h.leaveRoom(ev.Room, ev.Seq, user)
	}
	f := eventFrame(ev)
	for _, c := range conns {
		c.enqueue(f)
	}
}

// leaveRoom stops delivering room to user's connections here.
func (h *Hub) leaveRoom(id chat.RoomID, seq int64, user chat.UserID) {
	h.mu.Lock()
	r := h.rooms[id]
	h.mu.Unlock()
	if r == nil {
		return
	}
	r.mu.Lock()
	if r.removedAt[user] < seq {
		r.removedAt[user] = seq
	}
	if cs, ok := r.members[user]; ok {
		for _, c := range cs {
			c.forget(r)
		}
		delete(r.members, user)
		r.dirty = true
	}
	empty := len(r.members) == 0
	r.mu.Unlock()
	if empty {
		h.dropRoomIfEmpty(r)
	}
}

func (h *Hub) conns() []*Conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*Conn, 0, len(h.all))
	for c := range h.all {
		out = append(out, c)
	}
	return out
}

// Connections is the number of open connections on this node.
func (h *Hub) Connections() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.all)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("realtime: marshal: " + err.Error())
	}
	return b
}

// Resync repairs what a bus outage may have cost: every room catches up from
// the store, and every connected user's room set is reloaded so rooms added or
// removed during the outage start or stop delivering. Called after the bus
// reconnects.
func (h *Hub) Resync(ctx context.Context, rooms func(ctx context.Context, user chat.UserID) ([]chat.RoomSummary, error)) {
	h.mu.Lock()
	entries := make([]*roomEntry, 0, len(h.rooms))
	for _, r := range h.rooms {
		entries = append(entries, r)
	}
	users := make(map[chat.UserID][]*Conn, len(h.users))
	for id, u := range h.users {
		users[id] = u.list()
	}
	h.mu.Unlock()
	for _, r := range entries {
		h.advance(ctx, r, 0)
	}
	for user, conns := range users {
		list, err := rooms(ctx, user)
		if err != nil {
			h.log.Warn("resync rooms", "user", user, "err", err)
			continue
		}
		have := map[chat.RoomID]bool{}
		for _, rs := range list {
			have[rs.ID] = true
			h.joinRoom(ctx, rs.ID, rs.LastSeq, started(conns, rs.ID, rs.LastSeq), user)
		}
		for _, c := range conns {
			for _, r := range c.joined() {
				if !have[r.id] {
					h.leaveRoom(r.id, 0, user)
				}
			}
		}
	}
}
