package delivery

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"parley/internal/chat"
	"parley/internal/outage"
)

// Hub routes bus events to the recipients on this node. It subscribes to the
// topic of each attached user and of each room they belong to.
//
// Locks, and the only order they are taken in: a room's mutex first; under
// it the hub's directory mutex (h.mu) and a member's mutex may be taken, and
// recipients' Enqueue called. h.mu and member.mu are leaves: code holding
// one calls nothing that locks (bus subscriptions aside, which never call
// back into the hub synchronously). No store read happens under any of them.
type Hub struct {
	bus      chat.Bus
	backfill Backfill
	log      *slog.Logger
	outages  *outage.Set // backfills and resyncs fail by the thousand while the store is down
	cfg      Config

	mu      sync.Mutex // the directory: the maps below
	users   map[chat.UserID]*userEntry
	rooms   map[chat.RoomID]*room
	members map[Recipient]*member
}

type userEntry struct {
	list   atomic.Pointer[[]*member] // copy-on-write, read without locks
	cancel func()
}

func (u *userEntry) members() []*member {
	if p := u.list.Load(); p != nil {
		return *p
	}
	return nil
}

func NewHub(bus chat.Bus, backfill Backfill, log *slog.Logger, cfg Config) *Hub {
	if log == nil {
		log = slog.Default()
	}
	return &Hub{bus: bus, backfill: backfill, log: log, outages: outage.NewSet(log), cfg: cfg.withDefaults(),
		users: make(map[chat.UserID]*userEntry), rooms: make(map[chat.RoomID]*room), members: make(map[Recipient]*member)}
}

// Attach registers rc before its rooms are loaded, so no personal event (a
// room added or removed) between the load and the registration is missed.
// load returns the user's rooms — the snapshot its ready frame gives — which
// Attach returns; Start then begins delivering them.
func (h *Hub) Attach(ctx context.Context, rc Recipient, load func() ([]chat.RoomSummary, error)) ([]chat.RoomSummary, error) {
	m := &member{Recipient: rc}
	user := rc.User()
	h.mu.Lock()
	h.members[rc] = m
	u := h.users[user]
	if u == nil {
		u = &userEntry{}
		h.users[user] = u
		u.cancel = h.bus.Subscribe(chat.UserTopic(user), func(ev chat.Event) { h.onUserEvent(user, ev) })
	}
	next := append(slices.Clone(u.members()), m)
	u.list.Store(&next)
	h.mu.Unlock()
	h.cfg.Metrics.Connected(rc, 1)
	return load()
}

// Start begins delivery to rc of the rooms of its ready snapshot, each from
// the seq that snapshot gives; call it before the ready frame is released.
// Rooms rc's user joined while the snapshot was being taken (a room_added
// event, or a message adding them) were deferred until now: rc's own
// snapshot says where it stands in every room it lists, and a join at an
// older seq would hand it messages that ready already covers.
func (h *Hub) Start(ctx context.Context, rc Recipient, rooms []chat.RoomSummary) {
	m := h.member(rc)
	if m == nil {
		return // detached meanwhile
	}
	inSnapshot := make(map[chat.RoomID]bool, len(rooms))
	for _, r := range rooms {
		inSnapshot[r.ID] = true
		h.joinRoom(ctx, r.ID, r.LastSeq, []*member{m}, m.User())
	}
	for {
		joins := m.takeDeferredJoins()
		if len(joins) == 0 {
			return
		}
		for _, j := range joins {
			if !inSnapshot[j.room] {
				h.joinRoom(ctx, j.room, j.seq, []*member{m}, m.User())
			}
		}
	}
}

func (h *Hub) member(rc Recipient) *member {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.members[rc]
}

// Detach stops all delivery to rc.
func (h *Hub) Detach(rc Recipient) {
	h.mu.Lock()
	m, ok := h.members[rc]
	if !ok {
		h.mu.Unlock()
		return
	}
	delete(h.members, rc)
	if u := h.users[m.User()]; u != nil {
		next := slices.DeleteFunc(slices.Clone(u.members()), func(x *member) bool { return x == m })
		u.list.Store(&next)
		if len(next) == 0 {
			u.cancel()
			delete(h.users, m.User())
		}
	}
	h.mu.Unlock()
	h.cfg.Metrics.Connected(rc, -1)
	for _, r := range m.joined() {
		r.mu.Lock()
		if ms, ok := r.members[m.User()]; ok {
			ms = slices.DeleteFunc(slices.Clone(ms), func(x *member) bool { return x == m })
			if len(ms) == 0 {
				delete(r.members, m.User())
			} else {
				r.members[m.User()] = ms
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

// userMembers is the members of user attached here, read without locks.
func (h *Hub) userMembers(user chat.UserID) []*member {
	h.mu.Lock()
	u := h.users[user]
	h.mu.Unlock()
	if u == nil {
		return nil
	}
	return u.members()
}

func (h *Hub) onUserEvent(user chat.UserID, ev chat.Event) {
	ms := h.userMembers(user)
	if len(ms) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	switch ev.Type {
	case chat.EvSessionEnded:
		for _, m := range ms {
			if m.Session() == ev.Session {
				m.Close(CloseSessionEnded, "session ended")
			}
		}
		return
	case chat.EvRoomAdded:
		f := EventFrame(ev)
		for _, m := range ms {
			m.Enqueue(f, 1)
		}
		h.joinRoom(ctx, ev.Room, ev.Seq, started(ms, ev.Room, ev.Seq), user)
		return
	case chat.EvRoomRemoved:
		h.leaveRoom(ev.Room, ev.Seq, user)
	}
	f := EventFrame(ev)
	for _, m := range ms {
		m.Enqueue(f, 1)
	}
}

// Recipients is every recipient attached here.
func (h *Hub) Recipients() []Recipient {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Recipient, 0, len(h.members))
	for rc := range h.members {
		out = append(out, rc)
	}
	return out
}

// Connections is the number of recipients attached here.
func (h *Hub) Connections() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.members)
}

// Resync repairs what a bus outage may have cost: every room catches up from
// the store, and every attached user's room set is reloaded so rooms added or
// removed during the outage start or stop delivering. Called after the bus
// reconnects.
func (h *Hub) Resync(ctx context.Context, rooms func(ctx context.Context, user chat.UserID) ([]chat.RoomSummary, error)) {
	h.mu.Lock()
	entries := make([]*room, 0, len(h.rooms))
	for _, r := range h.rooms {
		entries = append(entries, r)
	}
	users := make(map[chat.UserID][]*member, len(h.users))
	for id, u := range h.users {
		users[id] = u.members()
	}
	h.mu.Unlock()
	for _, r := range entries {
		h.advance(ctx, r, 0)
	}
	for user, ms := range users {
		list, err := rooms(ctx, user)
		if h.outages.Observe("resync rooms", err, "user", user); err != nil {
			continue
		}
		have := map[chat.RoomID]bool{}
		for _, rs := range list {
			have[rs.ID] = true
			h.joinRoom(ctx, rs.ID, rs.LastSeq, started(ms, rs.ID, rs.LastSeq), user)
		}
		for _, m := range ms {
			for _, r := range m.joined() {
				if !have[r.id] {
					h.leaveRoom(r.id, 0, user)
				}
			}
		}
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("delivery: marshal: " + err.Error())
	}
	return b
}
