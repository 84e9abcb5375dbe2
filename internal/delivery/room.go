package delivery

import (
	"context"
	"slices"
	"sync"
	"time"

	"parley/internal/chat"
)

// room is a room with members on this node.
type room struct {
	id     chat.RoomID
	cancel func()

	mu        sync.Mutex
	dead      bool  // dropped from the hub; a joiner must look the room up again
	delivered int64 // highest seq handed to local recipients
	members   map[chat.UserID][]*member
	flat      []*member // all member recipients; rebuilt when membership changes
	dirty     bool
	// removedAt remembers at which seq a user left, so a connection set up
	// from an older snapshot is not added back after the removal.
	removedAt map[chat.UserID]int64
	// joining holds connections whose join is reading the store; no other
	// join, and no message adding their user, takes them meanwhile.
	joining map[*member]bool

	// Fan-out batching: in a room with many local recipients, events wait
	// up to cfg.FanoutWindow in pending (frames joined by newlines) and go out
	// as one payload, so each connection gets one write per window instead of
	// one per event. Membership changes flush first: a batch always goes to
	// the members of the seq range it covers.
	pending  []byte
	pendingN int       // events in pending
	flushAt  time.Time // when the scheduled flush is due; zero: none is

	// Counts of a big room (see holdCount) waiting for their turn: receipts
	// entries merged by seq, and the newest online count.
	heldReceipts map[int64]int
	heldOnline   []byte
	countsOut    time.Time // when held counts last went out
	countsAt     time.Time // when the held counts' backstop fires; zero: none is

	// ahead holds messages that arrived before a lower seq: concurrent
	// senders publish after their commits in any order, and a broker can
	// drop one. They wait for the missing seqs, from the bus or — after
	// repairDelay, or until the store answers again — from the store, and
	// are delivered in order: clients never see a gap.
	ahead     map[int64]chat.Event
	repairing bool
	repairs   int // consecutive failed repairs, for backoff
	// behind: a read of the store this room needed failed, so the store may
	// hold messages after delivered that no publish will bring (they went
	// out before the subscription, or while the bus was cut off). The
	// repair catches up to the newest, retrying until the store answers:
	// waiting for the room's next message could mean waiting forever.
	behind bool
}

// The reorder buffer's bounds: how long a seq gap may wait for the bus
// before the store is read, and how many early messages a room holds.
const (
	repairDelay = 10 * time.Millisecond
	maxAhead    = 10000
)

// roomFor returns the entry for id, creating and subscribing it if needed.
func (h *Hub) roomFor(id chat.RoomID, seq int64) (*room, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r := h.rooms[id]; r != nil {
		return r, false
	}
	r := &room{id: id, delivered: seq, members: make(map[chat.UserID][]*member), removedAt: make(map[chat.UserID]int64)}
	h.rooms[id] = r
	r.cancel = h.bus.Subscribe(chat.RoomTopic(id), func(ev chat.Event) { h.onRoomEvent(r, ev) })
	return r, true
}

func (r *room) markJoining(c *member) {
	if r.joining == nil {
		r.joining = make(map[*member]bool)
	}
	r.joining[c] = true
}

func (h *Hub) dropRoomIfEmpty(r *room) {
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

// joinRoom starts delivering room to members ms of user, who is a member as of
// the snapshot seq: each connection gets every message after seq exactly
// once. The room here may be behind the snapshot (the newest messages are
// still on their way over the bus, or the bus lost them) or ahead of it;
// either way the store fills the difference, read without the room's lock.
func (h *Hub) joinRoom(ctx context.Context, id chat.RoomID, seq int64, ms []*member, user chat.UserID) {
	if len(ms) == 0 {
		return
	}
	r, created := h.roomFor(id, seq)
	if created {
		// Messages may have been published between the snapshot and the
		// subscription; catch up now rather than at the next message.
		defer h.advance(ctx, r, 0)
	}
	var joining []*member // marked in r.joining: no other join takes them meanwhile
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
			h.joinRoom(ctx, id, seq, ms, user)
			return
		}
		if r.removedAt[user] > seq {
			r.mu.Unlock()
			return // removed after the snapshot this join came from
		}
		if joining == nil {
			for _, c := range ms {
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
		if h.outages.Observe("backfill", err, "room", id); err != nil {
			h.refuseJoin(joining)
			return
		}
		for _, m := range msgs {
			f := EventFrame(chat.Event{Type: chat.EvMessage, Room: id, Seq: m.Seq, Data: mustJSON(m)})
			for _, c := range joining {
				c.Enqueue(f, 1)
			}
		}
		seq = delivered
	}
}

// refuseJoin closes connections whose room could not be read: reconnecting
// and resuming is exact, a join with a gap or a repeat is not.
func (h *Hub) refuseJoin(ms []*member) {
	for _, c := range ms {
		c.Close(CloseRestart, "could not load a room: reconnect and resume")
	}
}

// advance delivers r's messages after what it has delivered, up to upTo (0:
// the latest), from the store. The store is read without r.mu: a slow store
// must not stall the room's senders. Whatever the bus delivered meanwhile is
// skipped when the messages are applied.
func (h *Hub) advance(ctx context.Context, r *room, upTo int64) error {
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
	if h.outages.Observe("backfill", err, "room", r.id); err != nil {
		r.mu.Lock()
		if !r.dead {
			r.behind = true
			h.scheduleRepair(r, repairDelay)
		}
		r.mu.Unlock()
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

func (h *Hub) onRoomEvent(r *room, ev chat.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ev.Type != chat.EvMessage {
		if (ev.Type == chat.EvReceipts || ev.Type == chat.EvRoomPresence) && h.batched(r) && h.holdCount(r, ev) {
			return
		}
		h.emit(r, EventFrame(ev))
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
func (h *Hub) drainAhead(r *room) {
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

func (h *Hub) scheduleRepair(r *room, after time.Duration) {
	if r.repairing {
		return
	}
	r.repairing = true
	h.cfg.Clock.AfterFunc(after, func() { h.repair(r) })
}

// repair reads the seqs a room is missing from the store: those below the
// messages it holds, or, when it is behind, everything up to the newest.
// While the store cannot answer (it is restarting, or overloaded), the held
// messages keep waiting and the repair is retried with backoff: delivering
// them with a gap would make every client repair it.
func (h *Hub) repair(r *room) {
	r.mu.Lock()
	if r.dead || (len(r.ahead) == 0 && !r.behind) {
		r.ahead, r.behind, r.repairing = nil, false, false
		r.mu.Unlock()
		return
	}
	// Catching up to the newest also fills every gap below held messages.
	first, upTo := int64(0), int64(0)
	if !r.behind {
		first = int64(1 << 62)
		for seq := range r.ahead {
			first = min(first, seq)
		}
		upTo = first - 1
	}
	r.behind = false // a failed read sets it again
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	err := h.advance(ctx, r, upTo)
	cancel()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.repairing = false
	if r.dead {
		// Its last connection here left while the store was read: there is
		// no one to deliver to.
		r.ahead, r.behind = nil, false
		return
	}
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
	if len(r.ahead) > 0 || r.behind { // another gap further on, or more to catch up
		h.scheduleRepair(r, repairDelay)
	}
}

// deliverLocked hands a sequenced message to the room's connections, applying
// the membership change it carries. Called with r.mu held.
func (h *Hub) deliverLocked(r *room, ev chat.Event) {
	if ev.Seq <= r.delivered {
		return
	}
	r.delivered = ev.Seq
	if len(ev.Added)+len(ev.Removed) > 0 {
		h.flushLocked(r) // the batch belongs to the members before this change
	}
	for _, u := range ev.Added {
		delete(r.removedAt, u)
		for _, c := range h.userMembers(u) {
			if !slices.Contains(r.members[u], c) && !r.joining[c] && !c.deferJoin(r.id, ev.Seq) {
				r.members[u] = append(slices.Clone(r.members[u]), c)
				r.dirty = true
				c.remember(r)
			}
		}
	}
	if len(ev.Removed) > 0 {
		h.fanOut(r, EventFrame(ev), 1) // the leavers get their own removal, at once
	} else {
		h.emit(r, EventFrame(ev))
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
