package inmem

import (
	"testing"
	"time"

	"parley/internal/chat"
	"parley/internal/presencetest"
)

func TestPresenceConformance(t *testing.T) {
	presencetest.Run(t, presencetest.Harness{
		Nodes: func(t *testing.T, n int, now func() time.Time) []chat.Presence {
			p := NewPresence(now)
			t.Cleanup(func() { p.Close() })
			nodes := make([]chat.Presence, n)
			for i := range nodes {
				nodes[i] = p // one process: every "node" is the same presence
			}
			return nodes
		},
	})
}
