// Package redis holds the Redis backends used when Parley runs on several
// nodes (internal/server's redisBackends): a chat.Bus on Redis Pub/Sub, a
// chat.Presence shared by every node, a session cache in front of the store
// and rate limiters shared by every node. All of them use rueidis, on one
// Redis server or on a Redis Cluster (docs/decisions/0040-redis-cluster.md).
package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/rueidis"
)

// opTimeout bounds the Redis calls made on a request's path (session cache,
// limiters): past it the caller falls back to the store or allows.
const opTimeout = 200 * time.Millisecond

// NewClient connects to the Redis server or Redis Cluster named by url (see
// ParseURL). The client pipelines concurrent commands on one connection per
// server; share it.
func NewClient(url string) (rueidis.Client, error) {
	c, _, err := newClient(url)
	return c, err
}

// newClient also returns the options, from which the bus connects to each
// master of a cluster on its own.
func newClient(url string) (rueidis.Client, rueidis.ClientOption, error) {
	opt, cluster, err := ParseURL(url)
	if err != nil {
		return nil, opt, err
	}
	c, err := rueidis.NewClient(opt)
	if err != nil {
		return nil, opt, err
	}
	if cluster && c.Mode() != rueidis.ClientModeCluster {
		c.Close()
		return nil, opt, errors.New("redis: the URL says redis+cluster:// but the server is not a Redis Cluster (cluster-enabled no)")
	}
	return c, opt, nil
}

// ParseURL reads the forms --redis takes:
//
//	redis://[user:password@]host:port[/db]          one server (a cluster node works too: the client finds the rest)
//	redis://host:port?addr=host2:port2&addr=…       several seed addresses of one Redis Cluster
//	redis+cluster://host:port[,host2:port2…]        a Redis Cluster, refused if the server is not one
//
// rediss:// and rediss+cluster:// are the same over TLS; the query options
// are rueidis's (rueidis.ParseURL). cluster reports the +cluster form.
// Client-side caching (RESP3 tracking) is off: every read here must see the
// latest write, e.g. a revoked session.
func ParseURL(raw string) (opt rueidis.ClientOption, cluster bool, err error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return opt, false, fmt.Errorf("redis: %q is not a URL (redis://host:port)", raw)
	}
	if base, ok := strings.CutSuffix(scheme, "+cluster"); ok {
		cluster = true
		authority, tail := rest, ""
		if i := strings.IndexAny(rest, "/?"); i >= 0 {
			authority, tail = rest[:i], rest[i:]
		}
		userinfo, hosts := "", authority
		if i := strings.LastIndex(authority, "@"); i >= 0 {
			userinfo, hosts = authority[:i+1], authority[i+1:]
		}
		seeds := strings.Split(hosts, ",")
		extra := ""
		for _, s := range seeds[1:] {
			if s == "" {
				return opt, true, fmt.Errorf("redis: empty seed address in %q", raw)
			}
			extra += "addr=" + s + "&"
		}
		path, query, _ := strings.Cut(tail, "?")
		if extra != "" {
			query = strings.TrimSuffix(extra+query, "&")
		}
		raw = base + "://" + userinfo + seeds[0] + path
		if query != "" {
			raw += "?" + query
		}
		if base != "redis" && base != "rediss" {
			return opt, true, fmt.Errorf("redis: invalid URL scheme: %s", scheme)
		}
	}
	if opt, err = rueidis.ParseURL(raw); err != nil {
		return opt, cluster, err
	}
	if cluster && opt.SelectDB != 0 {
		return opt, cluster, errors.New("redis: a Redis Cluster has database 0 only")
	}
	opt.DisableCache = true
	return opt, cluster, nil
}

// shortCtx bounds one Redis call on a request's path.
func shortCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, opTimeout)
}
