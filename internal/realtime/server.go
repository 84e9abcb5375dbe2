package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gobwas/ws"
	"golang.org/x/time/rate"

	"parley/internal/chat"
	"parley/internal/delivery"
)

// Server accepts WebSocket connections and reads their frames. A
// connection's frames are handled one at a time, in the order it sent them,
// by a goroutine that exists only while the socket has data (poller_linux.go).
type Server struct {
	hub      *delivery.Hub
	cfg      *Config
	log      *slog.Logger
	svc      *chat.Service
	upgrader ws.HTTPUpgrader
	poller   *poller // nil: each connection has a blocking reader goroutine
	readBufs sync.Pool
	closing  atomic.Bool
	admitMu  sync.Mutex     // orders wg.Add against Shutdown's Wait
	wg       sync.WaitGroup // one per open connection
	polls    sync.Map       // long-poll session id → *pollSession
}

// readBufSize is one read's worth of client frames; a frame that does not fit
// continues in a buffer of its connection's own.
const readBufSize = 16 << 10

// NewServer serves connections whose events hub delivers.
func NewServer(hub *delivery.Hub, svc *chat.Service, log *slog.Logger, cfg Config) *Server {
	c := cfg.withDefaults()
	s := &Server{hub: hub, svc: svc, cfg: &c, log: log, upgrader: ws.HTTPUpgrader{Timeout: 10 * time.Second}}
	s.readBufs.New = func() any { b := make([]byte, readBufSize); return &b }
	if pollSupported {
		p, err := newPoller(s.wake)
		if err != nil {
			log.Warn("no epoll: one reader goroutine per connection", "err", err)
		} else {
			s.poller = p
			s.cfg.poller = p
		}
	}
	return s
}

// checkOrigin refuses cross-site WebSocket hijacking: a browser page may only
// connect from the server's own origin or an allowed one. Programs send no
// Origin and are let through.
func (s *Server) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	return slices.Contains(s.cfg.AllowedOrigins, origin)
}

func refuse(w http.ResponseWriter, status int, code chat.Code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": string(code), "message": msg}})
}

// Serve upgrades the request and serves the connection until it ends. The
// caller has authenticated sess and resolved its user.
func (s *Server) Serve(w http.ResponseWriter, r *http.Request, sess chat.Session, user chat.User) {
	if s.closing.Load() {
		refuse(w, http.StatusServiceUnavailable, chat.Unavailable, "server is shutting down")
		return
	}
	if !s.checkOrigin(r) {
		refuse(w, http.StatusForbidden, chat.Forbidden, "origin not allowed")
		return
	}
	nc, rw, _, err := s.upgrader.Upgrade(r, w)
	if err != nil {
		if nc != nil {
			nc.Close() // the upgrader has answered the client
		}
		return
	}
	c := newConn(nc, user.ID, sess.ID, s.cfg)
	c.tokenHash = sess.TokenHash
	if sc, ok := nc.(syscall.Conn); ok {
		c.raw, _ = sc.SyscallConn()
	}
	if n := rw.Reader.Buffered(); n > 0 { // frames sent right behind the handshake
		b, _ := rw.Reader.Peek(n)
		c.partial = slices.Clone(b)
	}
	c.onEnd = s.ended
	if !s.admit() {
		nc.Write(closeFrame(CloseRestart, "server restarting: reconnect and resume"))
		nc.Close()
		return
	}
	// The connection lives on goroutines of its own so that this handler's
	// return frees what the HTTP request held (net/http's buffers, the Gin
	// context, a stack grown by the middleware chain).
	go s.setup(c, user)
}

// setup attaches the connection to the hub, queues its ready frame and
// starts reading; on failure it tells the client to reconnect.
func (s *Server) setup(c *Conn, user chat.User) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	rooms, err := s.hub.Attach(ctx, c, func() ([]chat.RoomSummary, error) { return s.svc.Rooms(ctx, user.ID) })
	cancel()
	if err != nil {
		c.Close(CloseRestart, "could not load rooms: reconnect")
		return
	}
	// Delivery starts before the ready frame is written, so nothing published
	// in between is missed; release puts ready ahead of all of it.
	s.hub.Start(context.Background(), c, rooms)
	c.release(encodeFrame(serverFrame{Type: "ready", Data: ReadyData{User: user, Rooms: rooms}}))
	s.svc.Connected(context.Background(), user.ID, rooms)
	c.announced.Store(true)
	if s.closing.Load() { // Shutdown began while this connection was being set up
		c.Close(CloseRestart, "server restarting: reconnect and resume")
		return
	}
	if c.poll != nil {
		return // polls read its queue; the client sends over REST
	}
	if s.poller != nil && c.raw != nil {
		if len(c.partial) > 0 {
			s.wake(c)
		}
		if err := s.poller.add(c); err == nil {
			return
		}
	}
	go s.readBlocking(c)
}

// conns is every connection of this server's hub.
func (s *Server) conns() []*Conn {
	rs := s.hub.Recipients()
	out := make([]*Conn, 0, len(rs))
	for _, rc := range rs {
		out = append(out, rc.(*Conn))
	}
	return out
}

// admit counts a new connection unless Shutdown has begun.
func (s *Server) admit() bool {
	s.admitMu.Lock()
	defer s.admitMu.Unlock()
	if s.closing.Load() {
		return false
	}
	s.wg.Add(1)
	return true
}

// ended is every connection's last step, whoever closed it.
func (s *Server) ended(c *Conn) {
	s.hub.Detach(c)
	if c.announced.Load() {
		s.svc.Disconnected(context.Background(), c.user)
	}
	s.wg.Done()
}

// wake starts a reader for a connection whose socket became readable,
// unless one is at work already.
func (s *Server) wake(c *Conn) {
	if c.reading.CompareAndSwap(false, true) {
		go s.readReady(c)
	}
}

// readReady drains a readable socket without blocking, handles every complete
// frame, then gives the connection back to the poller.
func (s *Server) readReady(c *Conn) {
	bp := s.readBufs.Get().(*[]byte)
	defer s.readBufs.Put(bp)
	if len(c.partial) > 0 { // bytes that came with the handshake
		if err := s.consume(c, c.partial); err != nil {
			s.endRead(c, err)
			return
		}
	}
	for range 64 { // then let other connections' readers run; re-arming reports the rest
		data, err := c.read(*bp, readNow)
		if err == nil && len(data) == 0 {
			break
		}
		if err == nil {
			err = s.consume(c, data)
		}
		if err != nil {
			s.endRead(c, err)
			return
		}
	}
	c.reading.Store(false)
	if s.closing.Load() {
		s.shutdownConn(c)
		return
	}
	if err := s.poller.rearm(c); err != nil {
		c.closeSocket()
	}
}

// readBlocking is the reader where there is no poller: a goroutine per
// connection, blocked in Read while the client is quiet.
func (s *Server) readBlocking(c *Conn) {
	bp := s.readBufs.Get().(*[]byte)
	defer s.readBufs.Put(bp)
	blocking := func(c *Conn, b []byte) (int, error) { return c.nc.Read(b) }
	for {
		data, err := c.read(*bp, blocking)
		if !c.reading.CompareAndSwap(false, true) {
			return // Shutdown took the connection while we waited
		}
		if err == nil {
			err = s.consume(c, data)
		}
		if err != nil {
			s.endRead(c, err)
			return
		}
		c.reading.Store(false)
	}
}

// read reads into buf, or, while an incomplete frame is carried over, into
// the free space behind it so the frame completes in place. It returns the
// bytes to parse: the new ones, or the carried frame extended by them.
func (c *Conn) read(buf []byte, readFn func(*Conn, []byte) (int, error)) ([]byte, error) {
	if len(c.partial) == 0 {
		n, err := readFn(c, buf)
		return buf[:n], err
	}
	if cap(c.partial)-len(c.partial) < 4096 {
		c.partial = slices.Grow(c.partial, max(len(c.partial), readBufSize))
	}
	n, err := readFn(c, c.partial[len(c.partial):cap(c.partial)])
	if n == 0 {
		return nil, err
	}
	return c.partial[:len(c.partial)+n], err
}

// consume handles the complete frames in data and keeps an incomplete one at
// its end in c.partial for the next read.
func (s *Server) consume(c *Conn, data []byte) error {
	if len(data) == 0 {
		return nil
	}
	rest, err := s.frames(c, data)
	if err != nil {
		return err
	}
	switch {
	case len(rest) == 0:
		c.partial = nil
	case c.partial != nil && &data[0] == &c.partial[0]:
		c.partial = c.partial[:copy(c.partial[:cap(c.partial)], rest)] // slide the tail to the front
	default:
		c.partial = slices.Clone(rest) // out of the shared read buffer
	}
	return nil
}

// frames handles each complete frame at the front of buf and returns the rest.
func (s *Server) frames(c *Conn, buf []byte) ([]byte, error) {
	cfg := s.cfg
	for {
		f, n, err := parseFrame(buf, cfg.ReadLimit)
		if err == errIncomplete {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
		buf = buf[n:]
		c.lastFrame.Store(time.Now().UnixNano())
		switch f.op {
		case ws.OpPing:
			c.enqueueControl(controlFrame(ws.OpPong, f.payload))
		case ws.OpPong: // liveness only
		case ws.OpClose:
			return nil, closeReceived(f.payload)
		default:
			msg, err := c.msg.add(f, int(cfg.ReadLimit))
			if err != nil {
				return nil, err
			}
			if msg == nil {
				continue
			}
			if s.closing.Load() {
				return nil, errShuttingDown
			}
			cfg.Metrics.FramesIn.Add(1)
			if c.limiter == nil {
				c.limiter = rate.NewLimiter(rate.Limit(cfg.FramesPerSecond), cfg.FrameBurst)
			}
			if !c.limiter.Allow() {
				cfg.Metrics.ErrorFrames.Add(1)
				c.enqueue(errorFrame(frameID(msg), chat.Errorf(chat.RateLimited, "too many frames, slow down")))
				continue
			}
			s.handle(c, msg)
		}
	}
}

var (
	errPeerGone     = errors.New("peer closed the connection")
	errShuttingDown = errors.New("server shutting down")
)

// endRead ends a connection whose reading failed or finished.
func (s *Server) endRead(c *Conn, err error) {
	var pe *protocolError
	var pc *peerClosed
	switch {
	case errors.Is(err, errShuttingDown):
		s.shutdownConn(c)
	case errors.As(err, &pc):
		c.Close(pc.code, "")
	case errors.As(err, &pe):
		c.Close(pe.code, pe.msg)
	default: // the peer is gone: nothing more can be written
		c.closeSocket()
	}
}

func (s *Server) shutdownConn(c *Conn) {
	c.Close(CloseRestart, "server restarting: reconnect and resume")
}

func (s *Server) handle(c *Conn, data []byte) {
	f, err := DecodeClientFrame(data)
	if err != nil {
		s.cfg.Metrics.ErrorFrames.Add(1)
		c.enqueue(errorFrame(f.ID, err))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reply, err := s.dispatch(ctx, c, f)
	if err != nil {
		s.cfg.Metrics.ErrorFrames.Add(1)
		if chat.ErrorCode(err) == chat.Internal {
			// As over REST: the client sees a generic message, the log the detail.
			s.log.Error("frame failed", "type", f.Type, "err", err)
		}
		c.enqueue(errorFrame(f.ID, err))
		return
	}
	c.enqueue(ackFrame(f.ID, reply))
}

func (s *Server) dispatch(ctx context.Context, c *Conn, f ClientFrame) (any, error) {
	switch f.Type {
	case "send":
		var r chat.SendRequest
		if err := DecodeData(f, &r); err != nil {
			return nil, err
		}
		return s.svc.Send(ctx, c.user, r)
	case "read":
		var r ReadFrame
		if err := DecodeData(f, &r); err != nil {
			return nil, err
		}
		return s.svc.MarkRead(ctx, c.user, r.RoomID, r.Seq)
	case "edit":
		var r EditFrame
		if err := DecodeData(f, &r); err != nil {
			return nil, err
		}
		return s.svc.Edit(ctx, c.user, r.RoomID, r.Seq, r.Text)
	case "delete":
		var r DeleteFrame
		if err := DecodeData(f, &r); err != nil {
			return nil, err
		}
		return s.svc.Delete(ctx, c.user, r.RoomID, r.Seq)
	case "typing":
		var r TypingFrame
		if err := DecodeData(f, &r); err != nil {
			return nil, err
		}
		return struct{}{}, s.svc.Typing(ctx, c.user, r.RoomID, r.Typing)
	case "ping":
		return struct{}{}, nil
	case "react":
		var r chat.ReactRequest
		if err := DecodeData(f, &r); err != nil {
			return nil, err
		}
		return s.svc.React(ctx, c.user, r)
	}
	return nil, chat.Errorf(chat.Invalid, "unknown frame type %q", truncate(f.Type, 32))
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// frameID recovers a request id for an error reply without a full decode.
func frameID(data []byte) string {
	f, _ := DecodeClientFrame(data)
	return f.ID
}

// pingSlices is how many slices a round of pings is spread over. Pinged all
// at once, 15,000 connections start a writer goroutine each for the ping and
// a reader goroutine each for the pong: after such a round 38–53 MiB of
// goroutine stacks stayed allocated, 2.3–7.7 MiB with slices
// (docs/BENCHMARKS.md, idle).
const pingSlices = 24

// Run pings every connection once per PingInterval until ctx ends, a slice
// of them at a time, and closes those that have sent nothing, not even a
// pong, for PongWait: dead peers are reaped even when no event flows.
func (s *Server) Run(ctx context.Context) {
	cfg := s.cfg
	t := time.NewTicker(max(cfg.PingInterval/pingSlices, time.Millisecond))
	defer t.Stop()
	slot := uint8(0)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			slot = (slot + 1) % pingSlices
			if slot == 0 {
				s.reapPolls(cfg.PongWait)
			}
			silent := time.Now().Add(-cfg.PongWait).UnixNano()
			for _, c := range s.conns() {
				if c.poll != nil || c.pingSlot != slot {
					continue
				}
				if c.lastFrame.Load() < silent {
					c.Close(CloseIdle, "no pong: reconnect")
					continue
				}
				c.ping()
			}
		}
	}
}

// TouchSessions calls touch every interval, until ctx ends, with the
// sessions (token hashes) that have a live connection on this node: a client
// that stays connected is using its session even when it makes no REST
// call, so it must not reach the idle timeout.
func (s *Server) TouchSessions(ctx context.Context, every time.Duration, touch func(ctx context.Context, tokenHashes [][]byte)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		seen := make(map[string]struct{})
		var hashes [][]byte
		for _, c := range s.conns() {
			if _, dup := seen[string(c.tokenHash)]; dup || c.tokenHash == nil {
				continue
			}
			seen[string(c.tokenHash)] = struct{}{}
			hashes = append(hashes, c.tokenHash)
		}
		if len(hashes) > 0 {
			touch(ctx, hashes)
		}
	}
}

// Shutdown stops accepting connections, lets every connection finish the
// frame it is handling (so its ack is written), then closes each one with
// CloseRestart after its queue drains.
func (s *Server) Shutdown(ctx context.Context) error {
	s.admitMu.Lock()
	s.closing.Store(true)
	s.admitMu.Unlock()
	for _, c := range s.conns() {
		// An idle connection is taken from the poller and closed now; one
		// with a reader at work is closed by that reader after its frame.
		if c.reading.CompareAndSwap(false, true) {
			s.shutdownConn(c)
		}
		if ps := c.poll; ps != nil {
			// A waiting poll returns the close code; a session that nobody
			// is polling ends now, and its next poll opens a new one.
			ps.mu.Lock()
			polling := ps.polling
			ps.mu.Unlock()
			if !polling {
				c.closeSocket()
			}
		}
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	defer func() {
		if s.poller != nil {
			s.poller.close()
		}
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return errors.New("realtime: connections still draining at shutdown deadline")
	}
}
