package chat

import (
	"context"
	"strings"
)

// SearchUsers finds users whose username or display name starts with q,
// case-insensitively, for the caller to befriend or message. Only public
// profile fields are matched and returned. Users who blocked the caller are
// never found. limit is 1 to 50 (0 = 20); searches are rate limited per user
// across nodes.
func (s *Service) SearchUsers(ctx context.Context, caller UserID, q string, limit int) ([]UserHit, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, Errorf(Invalid, "q is required")
	}
	if err := validateOneLine("q", q, maxSearchLen); err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = defaultSearchLimit
	}
	if limit < 1 || limit > maxSearchLimit {
		return nil, Errorf(Invalid, "limit must be 1 to %d", maxSearchLimit)
	}
	if !s.people.searches.Allow(string(caller)) {
		return nil, Errorf(RateLimited, "searching too fast, slow down")
	}
	hits, err := s.store.SearchUsers(ctx, caller, SearchKey(q), limit)
	if hits == nil && err == nil {
		hits = []UserHit{}
	}
	return hits, err
}
