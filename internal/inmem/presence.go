package inmem

import (
	"context"
	"sync"
	"time"

	"parley/internal/chat"
)

var _ chat.Presence = (*Presence)(nil)

// Presence is a chat.Presence for a single node: it counts each user's open
// connections and keeps their last-seen time, both in memory. A single node
// cannot outlive itself, so its OnExpired functions are never called.
//
// LastSeen is the last time the user was known to be connected: now for a
// user online, the time of the last disconnection (or Close) otherwise.
type Presence struct {
	now func() time.Time

	mu     sync.Mutex
	conns  map[chat.UserID]int // users online → open connections (> 0)
	seen   map[chat.UserID]time.Time
	focus  map[chat.UserID]map[string]time.Time // users → connection → focus good until
	closed bool
}

// NewPresence returns an empty Presence; now (default time.Now) is the clock
// of last-seen times.
func NewPresence(now func() time.Time) *Presence {
	if now == nil {
		now = time.Now
	}
	return &Presence{now: now, conns: make(map[chat.UserID]int), seen: make(map[chat.UserID]time.Time),
		focus: make(map[chat.UserID]map[string]time.Time)}
}

// Connected counts one more connection of user. It fails once closed.
func (p *Presence) Connected(_ context.Context, user chat.UserID) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false, chat.Errorf(chat.Unavailable, "presence closed")
	}
	p.conns[user]++
	return p.conns[user] == 1, nil
}

// Disconnected counts one connection fewer. A user with no connection (an
// unbalanced call, or any call after Close) is left alone: false, nil.
func (p *Presence) Disconnected(_ context.Context, user chat.UserID) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n, ok := p.conns[user]
	if !ok {
		return false, nil
	}
	if n > 1 {
		p.conns[user] = n - 1
		return false, nil
	}
	delete(p.conns, user)
	p.seen[user] = p.now()
	return true, nil
}

// Status reports each user's presence; online users were last seen now.
func (p *Presence) Status(_ context.Context, users []chat.UserID) (map[chat.UserID]chat.PresenceStatus, error) {
	now := p.now()
	out := make(map[chat.UserID]chat.PresenceStatus, len(users))
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range users {
		if p.conns[u] > 0 {
			out[u] = chat.PresenceStatus{Online: true, LastSeen: now}
		} else {
			out[u] = chat.PresenceStatus{LastSeen: p.seen[u]}
		}
	}
	return out, nil
}

// Focus records conn's focus until until; a zero until forgets it. Lapsed
// reports of the user's other connections go at the same time, so a user's
// entry holds at most their live connections' reports.
func (p *Presence) Focus(_ context.Context, user chat.UserID, conn string, until time.Time) error {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	fs := p.focus[user]
	for c, u := range fs {
		if !u.After(now) {
			delete(fs, c)
		}
	}
	if until.After(now) {
		if fs == nil {
			fs = make(map[string]time.Time)
			p.focus[user] = fs
		}
		fs[conn] = until
	} else {
		delete(fs, conn)
	}
	if len(fs) == 0 {
		delete(p.focus, user)
	}
	return nil
}

// Active reports the users with a focus report good now.
func (p *Presence) Active(_ context.Context, users []chat.UserID) (map[chat.UserID]bool, error) {
	now := p.now()
	out := make(map[chat.UserID]bool, len(users))
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range users {
		for _, until := range p.focus[u] {
			if until.After(now) {
				out[u] = true
				break
			}
		}
	}
	return out, nil
}

// OnExpired does nothing: connections only end by Disconnected or Close.
func (p *Presence) OnExpired(func(users []chat.UserID)) {}

// Close marks every user offline, last seen now. Later Connected calls fail.
func (p *Presence) Close() error {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for u := range p.conns {
		p.seen[u] = now
	}
	clear(p.conns)
	clear(p.focus)
	p.closed = true
	return nil
}
