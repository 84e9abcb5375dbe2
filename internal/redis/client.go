// Package redis holds the Redis backends used when Parley runs on several
// nodes: a chat.Bus on Redis Pub/Sub, a session cache in front of the store
// and rate limiters shared by every node. All of them use rueidis.
package redis

import (
	"context"
	"time"

	"github.com/redis/rueidis"
)

// opTimeout bounds the Redis calls made on a request's path (session cache,
// limiters): past it the caller falls back to the store or allows.
const opTimeout = 200 * time.Millisecond

// NewClient connects to the Redis server named by url
// (redis://[user:password@]host:port/db, see rueidis.ParseURL). The client
// pipelines concurrent commands on one connection; share it.
func NewClient(url string) (rueidis.Client, error) {
	opt, err := rueidis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	// Client-side caching (RESP3 tracking) is not used: every read here must
	// see the latest write, e.g. a revoked session.
	opt.DisableCache = true
	return rueidis.NewClient(opt)
}

// shortCtx bounds one Redis call on a request's path.
func shortCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, opTimeout)
}
