package realtime

import (
	"sync"
	"sync/atomic"
	"time"

	"parley/internal/delivery"
)

// Config bounds each connection. Zero values take the defaults.
type Config struct {
	MaxQueueBytes int           // outbound bytes queued per connection before it is closed as too slow
	MaxFrameBytes int           // outbound: events packed into one WebSocket message up to this size
	ReadLimit     int64         // inbound frame size; larger closes the connection (1009)
	WriteTimeout  time.Duration // one batch write
	// WriteDelay holds a connection's first queued frame this long before
	// writing, so frames arriving meanwhile share the write: fewer syscalls
	// per delivery under load, at most this much added latency. 0 = write at once.
	WriteDelay   time.Duration
	PongWait     time.Duration // silence after which a connection is considered dead
	PingInterval time.Duration //
	// ConnectHold is how long a handshake (or a long-poll open) waits, retrying,
	// for an unavailable store to load its snapshot before it is refused
	// with 503 (decision 0022).
	ConnectHold     time.Duration
	FramesPerSecond float64 // inbound frames per connection
	// MaxInFlight bounds the frames of one connection read and not yet
	// answered (sends waiting for their commit); at the bound its socket
	// is not read until an answer goes out (decision 0041).
	MaxInFlight int
	FrameBurst  int
	// MaxConnsPerUser bounds one user's open WebSockets and poll sessions
	// on this node (default 20).
	MaxConnsPerUser int
	AllowedOrigins  []string // browser origins allowed to open a WebSocket besides the server's own host
	Metrics         *Stats

	scratch *sync.Pool // *writeScratch, shared by all connections' writers
	poller  *poller    // readiness of idle connections; nil until a Server starts one
}

func (c Config) withDefaults() Config {
	if c.MaxQueueBytes <= 0 {
		c.MaxQueueBytes = 4 << 20
	}
	if c.MaxFrameBytes <= 0 {
		c.MaxFrameBytes = 64 << 10
	}
	if c.ReadLimit <= 0 {
		c.ReadLimit = 64 << 10
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.PongWait <= 0 {
		c.PongWait = 60 * time.Second
	}
	if c.PingInterval <= 0 {
		c.PingInterval = c.PongWait * 4 / 10
	}
	if c.ConnectHold <= 0 {
		c.ConnectHold = 30 * time.Second
	}
	if c.FramesPerSecond <= 0 {
		c.FramesPerSecond = 50
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = 64
	}
	if c.MaxConnsPerUser <= 0 {
		c.MaxConnsPerUser = 20
	}
	if c.FrameBurst <= 0 {
		c.FrameBurst = 100
	}
	if c.Metrics == nil {
		c.Metrics = &Stats{}
	}
	if c.scratch == nil {
		c.scratch = &sync.Pool{New: func() any { return new(writeScratch) }}
	}
	return c
}

// Stats are the counters of delivery and the connections, read by the
// metrics endpoint.
type Stats struct {
	Conns        atomic.Int64 // open WebSocket connections
	PollSessions atomic.Int64 // open long-poll sessions
	Frames       atomic.Int64 // events written to connections
	Writes       atomic.Int64 // write syscalls to connections (each carries one or more events)
	SlowCloses   atomic.Int64
	Backfills    atomic.Int64
	FramesIn     atomic.Int64
	ErrorFrames  atomic.Int64
}

// Connected counts WebSockets and poll sessions apart: an operator sizing a
// node for sockets needs the one, a proxy that strips upgrades shows as the
// other.
func (s *Stats) Connected(rc delivery.Recipient, d int64) {
	if c, ok := rc.(*Conn); ok && c.poll != nil {
		s.PollSessions.Add(d)
		return
	}
	s.Conns.Add(d)
}

func (s *Stats) Wrote(events int) { s.Frames.Add(int64(events)); s.Writes.Add(1) }
func (s *Stats) SlowClose()       { s.SlowCloses.Add(1) }
func (s *Stats) Backfilled(n int) { s.Backfills.Add(int64(n)) }
