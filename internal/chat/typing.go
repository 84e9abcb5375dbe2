package chat

import (
	"context"
	"sync"
	"time"
)

// TypingData is the payload of EvTyping. Clients show the member as typing
// until a stop, or until TTLMS milliseconds pass without a refresh.
type TypingData struct {
	RoomID RoomID `json:"room_id"`
	UserID UserID `json:"user_id"`
	Typing bool   `json:"typing"`
	TTLMS  int64  `json:"ttl_ms"`
}

// Typing relays that caller started (typing = true) or stopped typing in
// room to the room's members. Nothing is stored. A continuing start is
// relayed at most once per TypingInterval per user and room, a stop at once
// (if a start was relayed); a big room (above PresenceRoomLimit members) also
// takes at most BigRoomTypingRate events per second in total. What the
// throttle drops is acknowledged like the rest: the sender cannot and need
// not tell.
func (s *Service) Typing(ctx context.Context, caller UserID, room RoomID, typing bool) error {
	me, err := s.member(ctx, room, caller)
	if err != nil {
		return err
	}
	if me.Blocked {
		return ErrUnreachable()
	}
	if !s.people.typing.relay(caller, room, typing, s.now()) {
		return nil
	}
	if !s.people.typingUser.Allow(string(caller) + ":" + string(room)) {
		return nil
	}
	r, err := s.store.Room(ctx, room)
	if err != nil {
		return err
	}
	if r.MemberCount > s.limits.PresenceRoomLimit && !s.people.typingRoom.Allow(string(room)) {
		return nil
	}
	d := TypingData{RoomID: room, UserID: caller, Typing: typing, TTLMS: s.limits.TypingTTL.Milliseconds()}
	s.publish(ctx, RoomTopic(room), Event{Type: EvTyping, Room: room, Data: raw(d)})
	return nil
}

// typingThrottle remembers, per user and room, whether a start was relayed
// and when. It is per node: a user typing on two devices attached to two
// nodes may be relayed twice as often, which clients cannot tell from one.
type typingThrottle struct {
	interval, ttl time.Duration

	mu    sync.Mutex
	state map[typingKey]time.Time // when the last start was relayed
	swept time.Time
}

type typingKey struct {
	user UserID
	room RoomID
}

func newTypingThrottle(interval, ttl time.Duration) *typingThrottle {
	return &typingThrottle{interval: interval, ttl: ttl, state: make(map[typingKey]time.Time)}
}

// relay decides whether a start or stop goes out: a start when none was
// relayed within the interval, a stop when a start was relayed and has not
// expired yet (otherwise clients have already dropped it).
func (t *typingThrottle) relay(user UserID, room RoomID, typing bool, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.swept) > t.ttl {
		t.swept = now
		for k, at := range t.state {
			if now.Sub(at) >= t.ttl {
				delete(t.state, k)
			}
		}
	}
	k := typingKey{user, room}
	at, started := t.state[k]
	if typing {
		if started && now.Sub(at) < t.interval {
			return false
		}
		t.state[k] = now
		return true
	}
	delete(t.state, k)
	return started && now.Sub(at) < t.ttl
}
