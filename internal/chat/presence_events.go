package chat

import (
	"context"
	"sync"
	"time"
)

// PresenceData is the payload of EvPresence. It is absolute state: a client
// that gets it twice (as a friend and as a co-member) or late keeps the one
// with the latest LastSeen.
type PresenceData struct {
	UserID UserID `json:"user_id"`
	Online bool   `json:"online"`
	// LastSeen is now for a user coming online, and the moment the last
	// connection ended (or the dead node's lease ran out) for one going offline.
	LastSeen Time `json:"last_seen"`
}

// RoomPresenceData is the payload of EvRoomPresence and of the room presence
// endpoint: how many members of a room are online.
type RoomPresenceData struct {
	RoomID RoomID `json:"room_id"`
	Online int    `json:"online"`
}

// publishPresence tells a user's friends and rooms that the user came online
// or went offline. A room of at most PresenceRoomLimit members gets the event
// on its topic, once however many members it has; a bigger room only has its
// online count recounted, at most once per RoomPresenceWindow, so presence
// never costs a 15,000-member room one event per member who comes and goes.
func (s *Service) publishPresence(ctx context.Context, d PresenceData, rooms []RoomSize) {
	contacts, err := s.store.Contacts(ctx, d.UserID)
	if s.outages.Observe("presence contacts", err, "user", d.UserID); err != nil {
		// Without the block list the audience cannot be told apart: say nothing.
		return
	}
	data := raw(d)
	for _, f := range contacts.Friends {
		s.publish(ctx, UserTopic(f), Event{Type: EvPresence, Data: data})
	}
	for _, r := range audienceRooms(rooms, contacts) {
		if r.Members > s.limits.PresenceRoomLimit {
			s.people.online.touch(r.ID)
			continue
		}
		s.publish(ctx, RoomTopic(r.ID), Event{Type: EvPresence, Room: r.ID, Data: data})
	}
}

// presenceExpired runs when a dead node's lease ran out: its users that are
// not back online elsewhere went offline at the recorded time.
func (s *Service) presenceExpired(users []UserID) {
	ctx, cancel := backgroundCtx(time.Minute)
	defer cancel()
	st, err := s.presence.Status(ctx, users)
	if s.outages.Observe("presence status", err); err != nil {
		st = nil
	}
	for _, u := range users {
		p := st[u]
		if p.Online {
			continue
		}
		if p.LastSeen.IsZero() {
			p.LastSeen = s.nowUTC()
		}
		rooms, err := s.store.RoomSizes(ctx, u)
		if s.outages.Observe("presence rooms", err, "user", u); err != nil {
			continue
		}
		s.publishPresence(ctx, PresenceData{UserID: u, Online: false, LastSeen: TimeOf(p.LastSeen)}, rooms)
	}
}

// RoomPresence counts the online members of a room the caller belongs to.
func (s *Service) RoomPresence(ctx context.Context, caller UserID, room RoomID) (RoomPresenceData, error) {
	if _, err := s.member(ctx, room, caller); err != nil {
		return RoomPresenceData{}, err
	}
	n, err := s.onlineCount(ctx, room)
	return RoomPresenceData{RoomID: room, Online: n}, err
}

func (s *Service) onlineCount(ctx context.Context, room RoomID) (int, error) {
	if s.presence == nil {
		return 0, nil
	}
	ids, err := s.store.MemberIDs(ctx, room)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	st, err := s.presence.Status(ctx, ids)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range st {
		if p.Online {
			n++
		}
	}
	return n, nil
}

// flushRoomPresence publishes a big room's online count. The shared limiter
// makes "once per window" hold across nodes: a node that loses the race
// tries again a window later, and its count then includes every change.
func (s *Service) flushRoomPresence(room RoomID) {
	if !s.people.roomOnline.Allow(string(room)) {
		s.people.online.touch(room)
		return
	}
	ctx, cancel := backgroundCtx(10 * time.Second)
	defer cancel()
	n, err := s.onlineCount(ctx, room)
	if s.outages.Observe("room presence", err, "room", room); err != nil {
		return
	}
	s.publish(ctx, RoomTopic(room), Event{Type: EvRoomPresence, Room: room, Data: raw(RoomPresenceData{RoomID: room, Online: n})})
}

// roomCoalescer calls flush for a room one window after the first touch;
// touches meanwhile are folded into that one call.
type roomCoalescer struct {
	window time.Duration
	flush  func(RoomID)

	mu      sync.Mutex
	timers  map[RoomID]*time.Timer
	stopped bool
}

func newRoomCoalescer(window time.Duration, flush func(RoomID)) *roomCoalescer {
	return &roomCoalescer{window: window, flush: flush, timers: make(map[RoomID]*time.Timer)}
}

func (c *roomCoalescer) touch(room RoomID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped || c.timers[room] != nil {
		return
	}
	c.timers[room] = time.AfterFunc(c.window, func() { c.fire(room) })
}

func (c *roomCoalescer) fire(room RoomID) {
	c.mu.Lock()
	delete(c.timers, room)
	stopped := c.stopped
	c.mu.Unlock()
	if !stopped {
		c.flush(room)
	}
}

func (c *roomCoalescer) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	for _, t := range c.timers {
		t.Stop()
	}
}
