package inmem

import (
	"testing"

	"parley/internal/chat"
	"parley/internal/sessioncachetest"
)

func TestSessionCacheConformance(t *testing.T) {
	sessioncachetest.Run(t, func(_ *testing.T, store chat.Store) chat.Store { return SessionCache(store) })
}
