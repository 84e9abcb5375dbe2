// Package inmem holds the backends of a single node (internal/server's
// inprocessBackends): a Bus that delivers within this process, a Presence
// counted in memory, and the SessionCache that is none.
package inmem

import (
	"context"
	"sync"

	"parley/internal/chat"
)

var _ chat.Bus = (*Bus)(nil)

// Bus delivers each event synchronously to the subscribers of its topic, in the
// publisher's goroutine: one process needs no queue, and synchronous delivery
// keeps the cost visible to the sender instead of hiding it in a backlog.
type Bus struct {
	mu     sync.RWMutex
	subs   map[string][]*sub
	nextID uint64
}

type sub struct {
	id uint64
	fn func(chat.Event)
}

func NewBus() *Bus { return &Bus{subs: make(map[string][]*sub)} }

func (b *Bus) Publish(_ context.Context, topic string, ev chat.Event) error {
	b.mu.RLock()
	subs := b.subs[topic] // copy-on-write: safe to range after unlock
	b.mu.RUnlock()
	for _, s := range subs {
		s.fn(ev)
	}
	return nil
}

func (b *Bus) Subscribe(topic string, fn func(chat.Event)) (cancel func()) {
	b.mu.Lock()
	b.nextID++
	s := &sub{id: b.nextID, fn: fn}
	old := b.subs[topic]
	next := make([]*sub, len(old), len(old)+1)
	copy(next, old)
	b.subs[topic] = append(next, s)
	b.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			old := b.subs[topic]
			next := make([]*sub, 0, len(old))
			for _, x := range old {
				if x != s {
					next = append(next, x)
				}
			}
			if len(next) == 0 {
				delete(b.subs, topic)
			} else {
				b.subs[topic] = next
			}
		})
	}
}
