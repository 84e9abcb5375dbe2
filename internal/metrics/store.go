package metrics

import (
	"context"
	"time"

	"parley/internal/chat"
)

// Store wraps s so the calls on the message path are timed. The rest pass
// through untimed: they are rare and not where latency hides.
func (m *Metrics) Store(s chat.Store) chat.Store { return &store{Store: s, m: m} }

type store struct {
	chat.Store
	m *Metrics
}

func (s *store) observe(op string, start time.Time, err error) {
	s.m.storeDur.WithLabelValues(op, result(err)).Observe(time.Since(start).Seconds())
}

func (s *store) AppendMessage(ctx context.Context, nm chat.NewMessage) (chat.Message, bool, error) {
	start := time.Now()
	msg, dup, err := s.Store.AppendMessage(ctx, nm)
	s.observe("append_message", start, err)
	if err == nil && !dup {
		s.m.accepted.Inc()
	}
	return msg, dup, err
}

func (s *store) QueueAppend(ctx context.Context, nm chat.NewMessage) func() (chat.Message, bool, error) {
	start := time.Now()
	wait := s.Store.QueueAppend(ctx, nm)
	return func() (chat.Message, bool, error) {
		msg, dup, err := wait()
		s.observe("append_message", start, err)
		if err == nil && !dup {
			s.m.accepted.Inc()
		}
		return msg, dup, err
	}
}

func (s *store) Messages(ctx context.Context, room chat.RoomID, p chat.Page) ([]chat.Message, error) {
	start := time.Now()
	msgs, err := s.Store.Messages(ctx, room, p)
	s.observe("messages", start, err)
	return msgs, err
}

func (s *store) Member(ctx context.Context, room chat.RoomID, user chat.UserID) (chat.Member, error) {
	start := time.Now()
	mb, err := s.Store.Member(ctx, room, user)
	if chat.ErrorCode(err) == chat.NotFound {
		s.observe("member", start, nil) // a non-member is an answer, not a failure
	} else {
		s.observe("member", start, err)
	}
	return mb, err
}

func (s *store) MarkRead(ctx context.Context, room chat.RoomID, user chat.UserID, seq int64) (int64, int64, error) {
	start := time.Now()
	b, a, err := s.Store.MarkRead(ctx, room, user, seq)
	s.observe("mark_read", start, err)
	return b, a, err
}

func (s *store) ReadCounts(ctx context.Context, room chat.RoomID) ([]chat.ReadCount, error) {
	start := time.Now()
	rc, err := s.Store.ReadCounts(ctx, room)
	s.observe("read_counts", start, err)
	return rc, err
}

func (s *store) ReadCountsOf(ctx context.Context, want map[chat.RoomID][]int64) (map[chat.RoomID][]chat.ReadCount, error) {
	start := time.Now()
	rc, err := s.Store.ReadCountsOf(ctx, want)
	s.observe("read_counts_of", start, err)
	return rc, err
}

func (s *store) RoomsForUser(ctx context.Context, user chat.UserID) ([]chat.RoomSummary, error) {
	start := time.Now()
	rs, err := s.Store.RoomsForUser(ctx, user)
	s.observe("rooms_for_user", start, err)
	return rs, err
}

func (s *store) SessionByTokenHash(ctx context.Context, hash []byte) (chat.Session, error) {
	start := time.Now()
	se, err := s.Store.SessionByTokenHash(ctx, hash)
	s.observe("session", start, err)
	return se, err
}
