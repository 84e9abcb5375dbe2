package inmem

import "parley/internal/chat"

// SessionCache is the session cache of a single node: none. Its store is
// as near as a cache would be, and a session deleted there is gone for
// every request at once; it passes the same conformance suite as the Redis
// cache (internal/sessioncachetest).
func SessionCache(store chat.Store) chat.Store { return store }
