package chat

import "context"

// publishProfile tells everyone who can see u that their profile changed:
// u's own devices (user topic) and each room u is in (one event per room
// topic, whatever its size).
func (s *Service) publishProfile(ctx context.Context, u User) {
	s.publish(ctx, UserTopic(u.ID), Event{Type: EvProfileUpdated, Data: raw(u)})
	rooms, err := s.store.RoomsForUser(ctx, u.ID)
	if err != nil {
		s.log.Warn("profile event: list rooms", "user", u.ID, "err", err)
		return
	}
	for _, r := range rooms {
		s.publish(ctx, RoomTopic(r.ID), Event{Type: EvProfileUpdated, Room: r.ID, Data: raw(u)})
	}
}
