package chat

import (
	"context"
	"strings"
	"time"
)

// peopleState is what the people layer keeps per node: its rate limiters
// (shared by every node when Config.RateLimiters is set), the typing throttle
// and the coalescer of big rooms' online counts.
type peopleState struct {
	searches   RateLimiter // user searches per user
	profiles   RateLimiter // profile updates per user: each reaches every room and friend
	requests   RateLimiter // friend requests per user
	typingUser RateLimiter // relayed typing events per user and room: bounds start/stop toggling
	typingRoom RateLimiter // relayed typing events per big room, all members together
	roomOnline RateLimiter // room_presence events per big room, cluster-wide
	typing     *typingThrottle
	online     *roomCoalescer
}

// Fixed rates of the people layer: generous for people, a wall for scripts.
const (
	profilesPerSecond  = 1
	profileBurst       = 10
	requestsPerSecond  = 1
	requestBurst       = 20
	typingUserRate     = 1 // per second, per user and room
	typingUserBurst    = 4
	maxDisplayNameLen  = 64
	maxStatusLen       = 140
	maxSearchLen       = 64
	defaultSearchLimit = 20
	maxSearchLimit     = 50
)

func newPeopleState(s *Service, c Config) *peopleState {
	l := s.limits
	p := &peopleState{
		searches:   c.RateLimiters("user-search", l.SearchesPerSecond, l.SearchBurst),
		profiles:   c.RateLimiters("profile", profilesPerSecond, profileBurst),
		requests:   c.RateLimiters("friend-request", requestsPerSecond, requestBurst),
		typingUser: c.RateLimiters("typing-user", typingUserRate, typingUserBurst),
		typingRoom: c.RateLimiters("typing-room", l.BigRoomTypingRate, max(1, int(3*l.BigRoomTypingRate))),
		roomOnline: c.RateLimiters("room-presence", 1/l.RoomPresenceWindow.Seconds(), 1),
		typing:     newTypingThrottle(l.TypingInterval, l.TypingTTL),
	}
	p.online = newRoomCoalescer(l.RoomPresenceWindow, s.flushRoomPresence)
	if s.presence != nil {
		s.presence.OnExpired(s.presenceExpired)
	}
	return p
}

func (p *peopleState) stop() { p.online.stop() }

// UserByUsername is a user's public profile, looked up for caller. It
// shares the search budget: probing usernames one by one is a search.
func (s *Service) UserByUsername(ctx context.Context, caller UserID, username string) (User, error) {
	if err := validateString("username", username); err != nil {
		return User{}, err
	}
	if !s.people.searches.Allow(string(caller)) {
		return User{}, Errorf(RateLimited, "looking up users too fast, slow down")
	}
	u, _, err := s.store.UserByUsername(ctx, strings.ToLower(username))
	if ErrorCode(err) == NotFound {
		return User{}, Errorf(NotFound, "no user %q", username)
	}
	return u, err
}

// errBlocked is the one answer to anything a block forbids. It does not say
// who blocked whom, so being blocked reads like any other refusal.
func errBlocked() error { return Errorf(Forbidden, "not allowed with this user") }

// ErrUnreachable refuses a send, an edit or typing in a 1:1 whose other
// person blocked the caller. A code of its own lets a client show "can't
// send to this chat" without a Retry; it does not say why.
func ErrUnreachable() error { return Errorf(Unreachable, "you can't send to this chat") }

// checkNotBlockedBy refuses when any of users has blocked caller: a blocked
// user cannot add the blocker to a room or open a 1:1 with them.
func (s *Service) checkNotBlockedBy(ctx context.Context, caller UserID, users ...UserID) error {
	if len(users) == 0 {
		return nil
	}
	by, err := s.store.BlockedBy(ctx, caller, users)
	if err != nil {
		return err
	}
	if len(by) > 0 {
		return errBlocked()
	}
	return nil
}

// userNamed looks a user up by username for the people endpoints, where an
// unknown name is NotFound (the room endpoints say Invalid: a bad member list).
func (s *Service) userNamed(ctx context.Context, username string) (User, error) {
	if username == "" {
		return User{}, Errorf(Invalid, "username is required")
	}
	if err := validateString("username", username); err != nil {
		return User{}, err
	}
	u, _, err := s.store.UserByUsername(ctx, strings.ToLower(username))
	if ErrorCode(err) == NotFound {
		return User{}, Errorf(NotFound, "no user %q", truncateRunes(username, 32))
	}
	return u, err
}

func truncateRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// audienceRooms drops the direct rooms whose two members have a block
// between them: nothing of a user reaches a person they blocked or who blocked
// them, not even through the 1:1 room they still share.
func audienceRooms(rooms []RoomSize, c Contacts) []RoomSize {
	if len(c.Blocked) == 0 {
		return rooms
	}
	blocked := make(map[UserID]bool, len(c.Blocked))
	for _, u := range c.Blocked {
		blocked[u] = true
	}
	out := make([]RoomSize, 0, len(rooms))
	for _, r := range rooms {
		if r.Kind == Direct && blocked[r.Peer] {
			continue
		}
		out = append(out, r)
	}
	return out
}

// backgroundCtx bounds work started by a timer or a presence callback, which
// has no request to inherit a deadline from.
func backgroundCtx(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
