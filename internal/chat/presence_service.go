package chat

import "context"

// Connected records a new live connection of user.
func (s *Service) Connected(ctx context.Context, user UserID) {
	if s.presence == nil {
		return
	}
	if _, err := s.presence.Connected(ctx, user); err != nil {
		s.log.Warn("presence connect", "user", user, "err", err)
	}
}

// Disconnected records that one of user's live connections ended.
func (s *Service) Disconnected(ctx context.Context, user UserID) {
	if s.presence == nil {
		return
	}
	if _, err := s.presence.Disconnected(ctx, user); err != nil {
		s.log.Warn("presence disconnect", "user", user, "err", err)
	}
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
	if err != nil {
		s.log.Warn("presence status", "err", err)
		return ms
	}
	for i := range ms {
		p := st[ms[i].UserID]
		ms[i].Online = p.Online
		if !p.LastSeen.IsZero() {
			seen := p.LastSeen
			ms[i].LastSeen = &seen
		}
	}
	return ms
}
