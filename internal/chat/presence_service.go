package chat

import "context"

// Connected records a new live connection of user. rooms are the user's rooms
// as the connection just loaded them for its ready frame: coming online needs
// no second room query.
func (s *Service) Connected(ctx context.Context, user UserID, rooms []RoomSummary) {
	if s.presence == nil {
		return
	}
	came, err := s.presence.Connected(ctx, user)
	if s.outages.Observe("presence connect", err, "user", user); err != nil {
		return
	}
	if !came {
		return
	}
	sizes := make([]RoomSize, len(rooms))
	for i, r := range rooms {
		sizes[i] = RoomSize{ID: r.ID, Kind: r.Kind, Members: r.MemberCount}
		if r.Peer != nil {
			sizes[i].Peer = r.Peer.ID
		}
	}
	s.publishPresence(ctx, PresenceData{UserID: user, Online: true, LastSeen: TimeOf(s.nowUTC())}, sizes)
}

// Disconnected records that one of user's live connections ended.
func (s *Service) Disconnected(ctx context.Context, user UserID) {
	if s.presence == nil {
		return
	}
	went, err := s.presence.Disconnected(ctx, user)
	if s.outages.Observe("presence disconnect", err, "user", user); err != nil {
		return
	}
	if !went {
		return
	}
	rooms, err := s.store.RoomSizes(ctx, user)
	if s.outages.Observe("presence rooms", err, "user", user); err != nil {
		return
	}
	s.publishPresence(ctx, PresenceData{UserID: user, Online: false, LastSeen: TimeOf(s.nowUTC())}, rooms)
}

// withPresence fills the presence of each member. Presence is advisory: if
// its backend fails, the list is still returned, everyone shown offline.
func (s *Service) withPresence(ctx context.Context, ms []Member) []Member {
	if s.presence == nil || len(ms) == 0 {
		return ms
	}
	ids := make([]UserID, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	st, err := s.presence.Status(ctx, ids)
	if s.outages.Observe("presence status", err); err != nil {
		return ms
	}
	for i := range ms {
		p := st[ms[i].UserID]
		ms[i].Online, ms[i].LastSeen = p.Online, p.seenAt()
	}
	return ms
}
