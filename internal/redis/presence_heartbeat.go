package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"parley/internal/chat"
)

// beat runs the heartbeat script for member: it reports whether member's
// lease had lapsed, and the dead nodes seen; errReaped when member was reaped.
func (p *Presence) beat(ctx context.Context, member string, register bool) (lapsed bool, dead []string, err error) {
	reg := "0"
	if register {
		reg = "1"
	}
	res, err := heartbeatScript.Exec(ctx, p.client,
		[]string{p.nodesKey(), p.nodeKey(member)},
		[]string{member, ms(p.lease), ms(recordTTL), reg, strconv.Itoa(deadPerBeat)}).ToArray()
	if err != nil {
		return false, nil, err
	}
	if len(res) != 2 {
		return false, nil, fmt.Errorf("presence: heartbeat returned %d values", len(res))
	}
	state, err := res[0].AsInt64()
	if err != nil {
		return false, nil, err
	}
	if state < 0 {
		return false, nil, errReaped
	}
	dead, err = res[1].AsStrSlice()
	return state == 1, dead, err
}

func (p *Presence) heartbeatLoop() {
	defer p.wg.Done()
	t := time.NewTicker(p.heartbeat)
	defer t.Stop()
	var reapAfter time.Time // no reaping before: this node was out of touch
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-t.C:
		}
		p.inc.RLock()
		member := p.member
		p.inc.RUnlock()
		ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
		lapsed, dead, err := p.beat(ctx, member, false)
		cancel()
		switch {
		case errors.Is(err, errReaped):
			p.log.Warn("redis presence: this node was reaped or lost; registering again", "node", member)
			p.reincarnate(member)
			reapAfter = time.Now().Add(p.lease)
			continue
		case err != nil:
			if p.ctx.Err() == nil {
				p.outages.Watch("redis presence: heartbeat").Failed(err, "node", member)
			}
			reapAfter = time.Now().Add(p.lease)
			continue
		}
		p.outages.Watch("redis presence: heartbeat").Succeeded()
		if lapsed {
			p.log.Warn("redis presence: this node's lease had lapsed", "node", member)
			reapAfter = time.Now().Add(p.lease)
		}
		p.flushDirty()
		if len(dead) > 0 && !time.Now().Before(reapAfter) {
			select {
			case p.dead <- dead:
			default: // the reaper is busy; the next heartbeat tells it again
			}
		}
	}
}

// reincarnate gives this node a new member name after old was reaped or
// lost, registers it and writes every local count under it.
func (p *Presence) reincarnate(old string) {
	p.inc.Lock()
	defer p.inc.Unlock()
	if p.closed || p.member != old {
		return // done already
	}
	p.member = p.newMember()
	p.mu.Lock()
	for u, e := range p.entries {
		if e.count > 0 {
			p.dirty[u] = struct{}{}
		}
	}
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	if _, _, err := p.beat(ctx, p.member, true); err != nil {
		p.log.Warn("redis presence: registering again failed", "node", p.member, "err", err)
		return // the next heartbeat finds p.member unknown and retries
	}
	p.flushLocked(ctx)
}

func (p *Presence) flushDirty() {
	p.mu.Lock()
	n := len(p.dirty)
	p.mu.Unlock()
	if n == 0 {
		return
	}
	p.inc.Lock()
	defer p.inc.Unlock()
	if p.closed {
		return
	}
	ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
	defer cancel()
	p.flushLocked(ctx)
}

// flushLocked writes the counts of the dirty users; p.inc is held.
func (p *Presence) flushLocked(ctx context.Context) {
	p.mu.Lock()
	users := make([]chat.UserID, 0, len(p.dirty))
	for u := range p.dirty {
		users = append(users, u)
	}
	p.mu.Unlock()
	// After an outage every user whose count changed meanwhile is
	// corrected: one line with the totals, not one per user.
	var cameOnline, wentOffline int
	defer func() {
		if cameOnline+wentOffline > 0 {
			p.log.Info("redis presence: presence corrected", "online", cameOnline, "offline", wentOffline)
		}
	}()
	for len(users) > 0 {
		batch := users[:min(len(users), updateBatch)]
		users = users[len(batch):]
		counts := make([]int, len(batch))
		p.mu.Lock()
		for i, u := range batch {
			if e := p.entries[u]; e != nil {
				counts[i] = e.count
			}
		}
		p.mu.Unlock()
		ts, err := p.update(ctx, p.member, batch, counts, false)
		if err != nil {
			if ctx.Err() == nil {
				p.outages.Watch("redis presence: writing counts").Failed(err, "node", p.member, "users", len(batch))
			}
			return
		}
		p.outages.Watch("redis presence: writing counts").Succeeded()
		p.mu.Lock()
		for i, u := range batch {
			delete(p.dirty, u)
			if e := p.entries[u]; e != nil && e.count == 0 && e.refs == 0 {
				delete(p.entries, u)
			}
			switch {
			case ts[i] > 0:
				cameOnline++
			case ts[i] < 0:
				wentOffline++
			}
		}
		p.mu.Unlock()
	}
}
