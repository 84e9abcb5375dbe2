package chat_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"parley/internal/chat"
	"parley/internal/inmem"
	"parley/internal/ratelimit"
	"parley/internal/sqlite"
)

// deadNodePresence is an in-process Presence whose users can be made to
// expire, as a crashed node's users do when Redis reaps it.
type deadNodePresence struct {
	*inmem.Presence
	mu      sync.Mutex
	fns     []func([]chat.UserID)
	expired map[chat.UserID]time.Time
}

func (p *deadNodePresence) OnExpired(fn func([]chat.UserID)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fns = append(p.fns, fn)
}

func (p *deadNodePresence) Status(ctx context.Context, users []chat.UserID) (map[chat.UserID]chat.PresenceStatus, error) {
	st, err := p.Presence.Status(ctx, users)
	p.mu.Lock()
	defer p.mu.Unlock()
	for u, at := range p.expired {
		if _, ok := st[u]; ok {
			st[u] = chat.PresenceStatus{LastSeen: at}
		}
	}
	return st, err
}

func (p *deadNodePresence) expire(at time.Time, users ...chat.UserID) {
	p.mu.Lock()
	for _, u := range users {
		p.expired[u] = at
	}
	fns := p.fns
	p.mu.Unlock()
	for _, fn := range fns {
		fn(users)
	}
}

type world struct {
	t     *testing.T
	store chat.Store
	bus   *inmem.Bus
	svc   *chat.Service
	pres  *deadNodePresence
}

func newWorld(t *testing.T, limits chat.Limits) *world {
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	w := &world{t: t, store: store, bus: inmem.NewBus(),
		pres: &deadNodePresence{Presence: inmem.NewPresence(nil), expired: map[chat.UserID]time.Time{}}}
	w.svc = chat.NewService(chat.Config{Store: store, Bus: w.bus, Limits: limits, Presence: w.pres, RateLimiters: ratelimit.Local(time.Now)})
	t.Cleanup(w.svc.Close)
	return w
}

func (w *world) user(name string) chat.UserID {
	u, err := w.store.CreateUser(w.t.Context(), chat.NewUser{ID: chat.UserID(name + "-id"), Username: name,
		DisplayName: name, PasswordHash: "x", CreatedAt: time.Now(), WhoMayAdd: chat.AddAnyone})
	if err != nil {
		w.t.Fatal(err)
	}
	return u.ID
}

// events collects what is published on topic.
func (w *world) events(topic string) func() []chat.Event {
	var (
		mu  sync.Mutex
		got []chat.Event
	)
	cancel := w.bus.Subscribe(topic, func(ev chat.Event) {
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
	})
	w.t.Cleanup(cancel)
	return func() []chat.Event {
		mu.Lock()
		defer mu.Unlock()
		return append([]chat.Event(nil), got...)
	}
}

func ofType(evs []chat.Event, typ chat.EventType) []chat.Event {
	var out []chat.Event
	for _, ev := range evs {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// The users of a dead node go offline for their rooms and friends too, at
// the time the presence backend recorded, not when the reaper got to them.
func TestExpiredUsersArePublishedOffline(t *testing.T) {
	w := newWorld(t, chat.Limits{})
	ctx := t.Context()
	alice := w.user("alice")
	w.user("bob")
	room, err := w.svc.CreateGroup(ctx, alice, "r", []string{"bob"}, chat.Private)
	if err != nil {
		t.Fatal(err)
	}
	inRoom := w.events(chat.RoomTopic(room.ID))
	rooms, err := w.svc.Rooms(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	w.svc.Connected(ctx, alice, rooms)
	eventually(t, "alice online", func() bool { return len(ofType(inRoom(), chat.EvPresence)) == 1 })

	died := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	w.pres.expire(died, alice)
	eventually(t, "alice offline", func() bool { return len(ofType(inRoom(), chat.EvPresence)) == 2 })
	var d chat.PresenceData
	if err := json.Unmarshal(ofType(inRoom(), chat.EvPresence)[1].Data, &d); err != nil {
		t.Fatal(err)
	}
	if d.UserID != alice || d.Online || !d.LastSeen.Equal(died) {
		t.Errorf("expiry published %+v, want alice offline, last seen %v", d, died)
	}
}

// However many members of a big room come online at once, the room gets one
// online count per window and not a single per-member presence event.
func TestBigRoomGetsCoalescedCounts(t *testing.T) {
	// A window far longer than five connections take, even on a loaded
	// machine: the burst must come out as fewer counts than connections.
	w := newWorld(t, chat.Limits{PresenceRoomLimit: 2, RoomPresenceWindow: time.Second})
	ctx := t.Context()
	owner := w.user("owner")
	var names []string
	var members []chat.UserID
	for _, n := range []string{"m1", "m2", "m3", "m4", "m5"} {
		members = append(members, w.user(n))
		names = append(names, n)
	}
	room, err := w.svc.CreateGroup(ctx, owner, "big", names, chat.Private)
	if err != nil {
		t.Fatal(err)
	}
	inRoom := w.events(chat.RoomTopic(room.ID))
	for _, u := range members {
		rooms, err := w.svc.Rooms(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		w.svc.Connected(ctx, u, rooms)
	}
	online := func(ev chat.Event) chat.RoomPresenceData {
		var d chat.RoomPresenceData
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	var counts []chat.Event
	eventually(t, "an online count of all five", func() bool {
		counts = ofType(inRoom(), chat.EvRoomPresence)
		return len(counts) > 0 && online(counts[len(counts)-1]).Online == len(members)
	})
	if n := len(ofType(inRoom(), chat.EvPresence)); n != 0 {
		t.Errorf("%d per-member presence events in a big room", n)
	}
	if len(counts) >= len(members) {
		t.Errorf("%d online counts for %d connections: not coalesced", len(counts), len(members))
	}
	if d := online(counts[len(counts)-1]); d.RoomID != room.ID {
		t.Errorf("online count for room %v, want %v", d.RoomID, room.ID)
	}
}
