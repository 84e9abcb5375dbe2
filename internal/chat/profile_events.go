package chat

import (
	"context"
	"slices"
)

// publishProfile tells everyone who sees u that u's public profile changed:
// one profile_updated event on the topic of each room u belongs to (however
// big: one event per room, never one per member), one on each friend's user
// topic, and one on u's own topic for u's other devices. Rooms and friends
// overlap, so a client may get the event more than once; its payload is the
// whole public profile, absolute state, so applying it twice is harmless.
//
// Every profile change (display name, status message, avatar) ends here.
func (s *Service) publishProfile(ctx context.Context, u User) {
	rooms, err := s.store.RoomSizes(ctx, u.ID)
	if err != nil {
		s.log.Warn("profile rooms", "user", u.ID, "err", err)
	}
	contacts, err := s.store.Contacts(ctx, u.ID)
	if err != nil {
		// Without the block list, direct rooms cannot be told apart: skip them.
		s.log.Warn("profile contacts", "user", u.ID, "err", err)
		rooms = slices.DeleteFunc(rooms, func(r RoomSize) bool { return r.Kind == Direct })
	}
	data := raw(u)
	for _, r := range audienceRooms(rooms, contacts) {
		s.publish(ctx, RoomTopic(r.ID), Event{Type: EvProfileUpdated, Room: r.ID, Data: data})
	}
	for _, f := range contacts.Friends {
		s.publish(ctx, UserTopic(f), Event{Type: EvProfileUpdated, Data: data})
	}
	s.publish(ctx, UserTopic(u.ID), Event{Type: EvProfileUpdated, Data: data})
}
