package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/rueidis"

	"parley/internal/chat"
)

func (p *Presence) reapLoop() {
	defer p.wg.Done()
	sweep := time.NewTicker(recordTTL / 4)
	defer sweep.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case dead := <-p.dead:
			for _, node := range dead {
				if p.ctx.Err() != nil {
					return
				}
				p.reap(node)
			}
		case <-sweep.C:
			p.refreshUsers()
		}
	}
}

// reap reaps node if this node can claim it.
func (p *Presence) reap(node string) {
	p.inc.RLock()
	me := p.member
	p.inc.RUnlock()
	if node == me {
		return
	}
	claimTTL := max(2*p.lease, 5*time.Second)
	ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
	expiry, err := claimScript.Exec(ctx, p.client,
		[]string{p.nodesKey(), p.claimKey(node)},
		[]string{node, me, ms(claimTTL)}).AsInt64()
	cancel()
	if err != nil {
		if p.ctx.Err() == nil {
			p.log.Warn("redis presence: claiming a dead node failed", "dead_node", node, "err", err)
		}
		return
	}
	if expiry <= 0 {
		return // alive again, reaped, or claimed by another node
	}
	var gone []chat.UserID
	for {
		ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
		left, batch, err := p.reapBatch(ctx, node, me, expiry, claimTTL)
		cancel()
		if err != nil {
			if p.ctx.Err() == nil {
				p.log.Warn("redis presence: reaping a dead node failed; its claim will expire", "dead_node", node, "err", err)
			}
			break
		}
		gone = append(gone, batch...)
		if left <= 0 {
			p.log.Info("redis presence: reaped a dead node", "dead_node", node, "offline", len(gone))
			break
		}
	}
	if len(gone) > 0 {
		p.mu.Lock()
		p.expired = append(p.expired, gone)
		p.mu.Unlock()
		poke(p.notify)
	}
}

// reapBatch reaps up to reapBatch users of node; it returns how many are left.
func (p *Presence) reapBatch(ctx context.Context, node, me string, expiry int64, claimTTL time.Duration) (int64, []chat.UserID, error) {
	users, err := p.client.Do(ctx, p.client.B().Srandmember().Key(p.nodeKey(node)).Count(reapBatch).Build()).AsStrSlice()
	if err != nil {
		return 0, nil, err
	}
	keys := make([]string, 0, 3+2*len(users))
	keys = append(keys, p.nodesKey(), p.nodeKey(node), p.claimKey(node))
	args := make([]string, 0, 5+len(users))
	args = append(args, node, me, strconv.FormatInt(expiry, 10), ms(claimTTL), ms(seenTTL))
	for _, u := range users {
		keys = append(keys, p.userKey(chat.UserID(u)), p.seenKey(chat.UserID(u)))
		args = append(args, u)
	}
	res, err := reapScript.Exec(ctx, p.client, keys, args).ToArray()
	if err != nil {
		return 0, nil, err
	}
	if len(res) != 2 {
		return 0, nil, fmt.Errorf("presence: reap returned %d values", len(res))
	}
	left, err := res[0].AsInt64()
	if err != nil {
		return 0, nil, err
	}
	if left < 0 {
		return 0, nil, errors.New("presence: lost the claim")
	}
	names, err := res[1].AsStrSlice()
	if err != nil {
		return 0, nil, err
	}
	gone := make([]chat.UserID, len(names))
	for i, u := range names {
		gone[i] = chat.UserID(u)
	}
	return left, gone, nil
}

// refreshUsers renews the TTL of the hashes of this node's users, which
// live as long as their connections, however few writes they see.
func (p *Presence) refreshUsers() {
	p.mu.Lock()
	keys := make([]string, 0, len(p.entries))
	for u := range p.entries {
		keys = append(keys, p.userKey(u))
	}
	p.mu.Unlock()
	for len(keys) > 0 {
		batch := keys[:min(len(keys), 1000)]
		keys = keys[len(batch):]
		cmds := make(rueidis.Commands, len(batch))
		for i, k := range batch {
			cmds[i] = p.client.B().Pexpire().Key(k).Milliseconds(recordTTL.Milliseconds()).Build()
		}
		ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
		for _, r := range p.client.DoMulti(ctx, cmds...) {
			if err := r.Error(); err != nil {
				if p.ctx.Err() == nil {
					p.outages.Watch("redis presence: refreshing user records").Failed(err)
				}
				cancel()
				return
			}
		}
		cancel()
		p.outages.Watch("redis presence: refreshing user records").Succeeded()
	}
}

func (p *Presence) notifyLoop() {
	defer p.wg.Done()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-p.notify:
		}
		p.mu.Lock()
		batches := p.expired
		p.expired = nil
		fns := p.fns[:len(p.fns):len(p.fns)]
		p.mu.Unlock()
		for _, users := range batches {
			for _, fn := range fns {
				fn(users)
			}
		}
	}
}
