// Package delivery routes a node's events to the connections on it: it keeps
// each room's local members, delivers a room's messages in seq order (holding
// early ones, backfilling gaps from the store), applies membership changes at
// their seq, and batches a big room's events per fan-out window. It knows no
// socket: connections reach it through Recipient, which the WebSocket and
// long-poll transports (internal/realtime) implement.
package delivery

import (
	"slices"
	"sync"

	"parley/internal/chat"
)

// Recipient is one client connection as delivery sees it.
type Recipient interface {
	User() chat.UserID
	// Session is the key of the session the connection authenticated with
	// (chat.SessionKey), matched by session_ended events.
	Session() string
	// Enqueue queues payload, events frames joined by newlines, without
	// blocking: a recipient too far behind closes itself. The bytes are
	// shared with other recipients and must not be modified.
	Enqueue(payload []byte, events int)
	// Close ends the connection with a close code after what is queued.
	Close(code int, reason string)
}

// Close codes delivery ends a connection with (docs/protocol.md, "Close codes").
const (
	CloseRestart      = 4000 // reconnect and resume: a room could not be loaded
	CloseSessionEnded = 4500 // logged out or revoked: do not reconnect
)

// member is the hub's record of one attached recipient. Its mutex is a leaf:
// nothing else is locked while it is held.
type member struct {
	Recipient

	mu    sync.Mutex
	rooms []*room // the rooms delivering to it, for Detach
	// Until the hub has started the recipient from its ready snapshot,
	// joins from elsewhere (a room added meanwhile) wait here for Start.
	started  bool
	deferred []deferredJoin
}

type deferredJoin struct {
	room chat.RoomID
	seq  int64
}

func (m *member) remember(r *room) {
	m.mu.Lock()
	if !slices.Contains(m.rooms, r) {
		m.rooms = append(m.rooms, r)
	}
	m.mu.Unlock()
}

func (m *member) forget(r *room) {
	m.mu.Lock()
	if i := slices.Index(m.rooms, r); i >= 0 {
		m.rooms = slices.Delete(m.rooms, i, i+1)
	}
	m.mu.Unlock()
}

func (m *member) joined() []*room {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.rooms)
}

// deferJoin reports whether m is still being started, and if so keeps the
// join of room at seq for Start to make.
func (m *member) deferJoin(room chat.RoomID, seq int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started {
		return false
	}
	m.deferred = append(m.deferred, deferredJoin{room, seq})
	return true
}

// takeDeferredJoins hands over the joins deferred so far; when there are
// none left, m counts as started and later joins happen at once.
func (m *member) takeDeferredJoins() []deferredJoin {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.deferred
	m.deferred = nil
	m.started = len(out) == 0
	return out
}

// started keeps the members whose room set is settled and defers a join for
// the others until Start takes it.
func started(ms []*member, room chat.RoomID, seq int64) []*member {
	out := make([]*member, 0, len(ms))
	for _, m := range ms {
		if !m.deferJoin(room, seq) {
			out = append(out, m)
		}
	}
	return out
}
