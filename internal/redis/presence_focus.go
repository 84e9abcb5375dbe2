package redis

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/rueidis"

	"parley/internal/chat"
)

// focusKey is a user's focus reports: P f:<user>, a HASH of connection →
// good until (unix ms, by the reporting node's clock). The key expires a
// little after the latest report lapses; every report is given the same
// time to live, so a later write never shortens it. A report that a dead
// node left lapses on its own.
func (p *Presence) focusKey(u chat.UserID) string { return p.keys + "f:" + string(u) }

// focusSlack keeps a user's key a little past their latest report's lapse,
// so that a node whose clock runs behind still reads it.
const focusSlack = 5 * time.Second

// Focus records conn's report in one pipelined round trip.
func (p *Presence) Focus(ctx context.Context, user chat.UserID, conn string, until time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, presenceTimeout)
	defer cancel()
	key := p.focusKey(user)
	live := until.Sub(p.now())
	if live <= 0 {
		return p.do(ctx, p.client.B().Hdel().Key(key).Field(conn).Build())
	}
	return p.do(ctx,
		p.client.B().Hset().Key(key).FieldValue().FieldValue(conn, unixMs(until)).Build(),
		p.client.B().Pexpire().Key(key).Milliseconds((live + focusSlack).Milliseconds()).Build())
}

func (p *Presence) do(ctx context.Context, cmds ...rueidis.Completed) error {
	for _, r := range p.client.DoMulti(ctx, cmds...) {
		if err := r.Error(); err != nil {
			return unavailable(err)
		}
	}
	return nil
}

// Active reads the users' reports in one pipelined round trip.
func (p *Presence) Active(ctx context.Context, users []chat.UserID) (map[chat.UserID]bool, error) {
	out := make(map[chat.UserID]bool, len(users))
	if len(users) == 0 {
		return out, nil
	}
	ctx, cancel := context.WithTimeout(ctx, presenceTimeout)
	defer cancel()
	cmds := make(rueidis.Commands, len(users))
	for i, u := range users {
		cmds[i] = p.client.B().Hvals().Key(p.focusKey(u)).Build()
	}
	now := p.now().UnixMilli()
	for i, r := range p.client.DoMulti(ctx, cmds...) {
		vals, err := r.AsStrSlice()
		if err != nil {
			return nil, unavailable(err)
		}
		for _, v := range vals {
			if until, err := strconv.ParseInt(v, 10, 64); err == nil && until > now {
				out[users[i]] = true
				break
			}
		}
	}
	return out, nil
}
