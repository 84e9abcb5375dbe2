package inmem

import (
	"testing"

	"parley/internal/bustest"
	"parley/internal/chat"
)

func TestBusConformance(t *testing.T) {
	bustest.Run(t, bustest.Harness{Nodes: func(t *testing.T, n int) []chat.Bus {
		b := NewBus()
		nodes := make([]chat.Bus, n)
		for i := range nodes {
			nodes[i] = b // one process: every "node" is the same bus
		}
		return nodes
	}})
}
