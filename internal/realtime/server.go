package realtime

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"

	"parley/internal/chat"
	"parley/internal/delivery"
	"parley/internal/outage"
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
	stopped  context.Context // done when Shutdown begins: held handshakes stop waiting
	stop     context.CancelFunc
	admitMu  sync.Mutex          // orders wg.Add against Shutdown's Wait
	wg       sync.WaitGroup      // one per open connection
	perUser  map[chat.UserID]int // open connections (WebSockets and poll sessions) per user; under admitMu
	polls    sync.Map            // long-poll session id → *pollSession
	// focusID names this server's connections' focus reports in presence,
	// which the whole cluster shares (focusKey).
	focusID string
}

// readBufSize is one read's worth of client frames; a frame that does not fit
// continues in a buffer of its connection's own.
const readBufSize = 16 << 10

// NewServer serves connections whose events hub delivers.
func NewServer(hub *delivery.Hub, svc *chat.Service, log *slog.Logger, cfg Config) *Server {
	c := cfg.withDefaults()
	s := &Server{hub: hub, svc: svc, cfg: &c, log: log, upgrader: ws.HTTPUpgrader{Timeout: 10 * time.Second},
		perUser: make(map[chat.UserID]int), focusID: rand.Text()}
	s.stopped, s.stop = context.WithCancel(context.Background())
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

// Serve loads the connection's snapshot, upgrades the request and serves
// the connection until it ends. The caller has authenticated sess and
// resolved its user.
//
// The snapshot (the user's rooms, for the ready frame) is loaded before the
// 101, so a store that cannot answer is an HTTP status, not a WebSocket that
// opens and closes. While the store is unavailable the handshake is held and
// the load retried, for up to ConnectHold (decision 0022): a store restart
// costs a connecting client a wait, not a failure. After the hold the
// client gets 503 with Retry-After.
func (s *Server) Serve(w http.ResponseWriter, r *http.Request, sess chat.Session, user chat.User) {
	if s.closing.Load() {
		refuse(w, http.StatusServiceUnavailable, chat.Unavailable, "server is shutting down")
		return
	}
	if !s.checkOrigin(r) {
		refuse(w, http.StatusForbidden, chat.Forbidden, "origin not allowed")
		return
	}
	// The connection exists, held, before its socket does: the hub delivers
	// to it from the moment the snapshot is taken, and what it delivers
	// waits behind the ready frame.
	c := newConn(nil, user.ID, sess.ID, s.cfg)
	c.tokenHash = sess.TokenHash
	c.onEnd = s.ended
	if err := s.admit(user.ID); err != nil {
		if chat.ErrorCode(err) == chat.RateLimited {
			s.refuseOpen(w, r, CloseTooManyConns, chat.ErrorMessage(err))
			return
		}
		refuse(w, http.StatusServiceUnavailable, chat.Unavailable, "server is shutting down")
		return
	}
	snap, err := s.attach(r.Context(), c, user)
	if err != nil {
		c.closeSocket() // detaches it
		if r.Context().Err() != nil {
			return // the client gave up waiting
		}
		if s.closing.Load() {
			refuse(w, http.StatusServiceUnavailable, chat.Unavailable, "server is shutting down")
			return
		}
		if chat.ErrorCode(err) == chat.Unavailable {
			refuse(w, http.StatusServiceUnavailable, chat.Unavailable, "rooms could not be loaded: retry later")
			return
		}
		s.log.Error("connect failed", "err", err)
		refuse(w, http.StatusInternalServerError, chat.Internal, "internal error")
		return
	}
	nc, rw, _, err := s.upgrader.Upgrade(r, w)
	if err != nil {
		if nc != nil {
			nc.Close() // the upgrader has answered the client
		}
		c.closeSocket()
		return
	}
	lowerNotSent(nc)
	var partial []byte
	if n := rw.Reader.Buffered(); n > 0 { // frames sent right behind the handshake
		b, _ := rw.Reader.Peek(n)
		partial = slices.Clone(b)
	}
	c.attachSocket(nc, partial)
	// The connection lives on goroutines of its own so that this handler's
	// return frees what the HTTP request held (net/http's buffers, the Gin
	// context, a stack grown by the middleware chain).
	go s.setup(c, user, snap)
}

// holdKey marks a request whose store work may be held: its value is the
// hold's deadline.
type holdKey struct{}

// BeginHold marks r as a connect (a WebSocket handshake) whose store work
// may wait for an unavailable store: every Hold on its context shares one
// deadline, ConnectHold from now.
func (s *Server) BeginHold(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), holdKey{}, time.Now().Add(s.cfg.ConnectHold)))
}

// EndHolds ends every held handshake with 503 and holds no new one: the
// node is going away. Shutdown calls it too.
func (s *Server) EndHolds() {
	s.admitMu.Lock()
	s.closing.Store(true)
	s.admitMu.Unlock()
	s.stop()
}

// Held reports whether ctx is a connect's, marked by BeginHold.
func Held(ctx context.Context) bool {
	_, ok := ctx.Value(holdKey{}).(time.Time)
	return ok
}

// Hold calls fn until it succeeds, fails with anything but
// chat.Unavailable, or the hold ends: at the deadline BeginHold set on ctx,
// else ConnectHold from now — or when Shutdown begins, so that a draining
// node does not wait out its holds. An error after the hold is still
// Unavailable.
func (s *Server) Hold(ctx context.Context, fn func(context.Context) error) error {
	deadline, ok := ctx.Value(holdKey{}).(time.Time)
	if !ok {
		deadline = time.Now().Add(s.cfg.ConnectHold)
	}
	hold, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	defer context.AfterFunc(s.stopped, cancel)()
	err := outage.Hold(hold, func(err error) bool { return chat.ErrorCode(err) == chat.Unavailable }, fn)
	if err != nil && hold.Err() != nil && ctx.Err() == nil && chat.ErrorCode(err) != chat.Unavailable {
		// Time ran out inside the last attempt: the client hears
		// "unavailable", never an internal error.
		return chat.Wrap(chat.Unavailable, err, "service unavailable: retry later")
	}
	return err
}

// attach hands c to the hub and loads its snapshot, held while the store is
// unavailable. On failure the caller ends c.
func (s *Server) attach(ctx context.Context, c *Conn, user chat.User) (snapshot, error) {
	var snap snapshot
	rooms, err := s.hub.Attach(ctx, c, func() (rooms []chat.RoomSummary, err error) {
		err = s.Hold(ctx, func(ctx context.Context) (err error) {
			if rooms, err = s.svc.Rooms(ctx, user.ID); err != nil {
				return err
			}
			snap.notify, err = s.svc.NotifySettings(ctx, user.ID)
			return err
		})
		return rooms, err
	})
	snap.rooms = rooms
	return snap, err
}

// snapshot is what a connection's ready frame carries besides the user.
type snapshot struct {
	rooms  []chat.RoomSummary
	notify chat.NotifySettings
}

// setup starts delivery to a connection whose snapshot is loaded, queues
// its ready frame and starts reading.
func (s *Server) setup(c *Conn, user chat.User, snap snapshot) {
	rooms := snap.rooms
	// Delivery starts before the ready frame is written, so nothing published
	// in between is missed; release puts ready ahead of all of it.
	s.hub.Start(context.Background(), c, rooms)
	c.release(encodeReady(ReadyData{User: user, Rooms: snap.rooms, NotifySettings: snap.notify}))
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

// admit counts a new connection of user unless Shutdown has begun or the
// user has MaxConnsPerUser open on this node already. The place is taken
// here, before the snapshot is loaded, so concurrent opens cannot overshoot;
// ended gives it back.
func (s *Server) admit(user chat.UserID) error {
	s.admitMu.Lock()
	defer s.admitMu.Unlock()
	if s.closing.Load() {
		return chat.Errorf(chat.Unavailable, "server is shutting down")
	}
	if s.perUser[user] >= s.cfg.MaxConnsPerUser {
		return chat.Errorf(chat.RateLimited, "too many connections: at most %d WebSockets and poll sessions per user", s.cfg.MaxConnsPerUser)
	}
	s.perUser[user]++
	s.wg.Add(1)
	return nil
}

// refuseOpen upgrades the request only to close it at once with code: a
// browser sees a WebSocket's close code, never the status of a refused
// handshake.
func (s *Server) refuseOpen(w http.ResponseWriter, r *http.Request, code int, reason string) {
	nc, _, _, err := s.upgrader.Upgrade(r, w)
	if err != nil {
		if nc != nil {
			nc.Close()
		}
		return
	}
	nc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	nc.Write(closeFrame(code, reason))
	nc.Close()
}

// ended is every connection's last step, whoever closed it.
func (s *Server) ended(c *Conn) {
	s.admitMu.Lock()
	if s.perUser[c.user]--; s.perUser[c.user] <= 0 {
		delete(s.perUser, c.user)
	}
	s.admitMu.Unlock()
	s.hub.Detach(c)
	s.svc.Unfocus(context.Background(), c.user, s.focusKey(c))
	if c.announced.Load() {
		s.svc.Disconnected(context.Background(), c.user)
	}
	s.wg.Done()
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
	// The connections are listed once a round, not once a slice: a list of
	// 15,000 every tick was most of what an idle node allocated, and so of
	// its heap's growth between collections (decision 0046). A connection
	// opened after the listing is pinged within two rounds, still inside
	// PongWait.
	var round [pingSlices][]*Conn
	list := func() {
		for i := range round {
			clear(round[i]) // a closed connection is not kept for another round
			round[i] = round[i][:0]
		}
		for _, c := range s.conns() {
			if c.poll == nil {
				round[c.pingSlot] = append(round[c.pingSlot], c)
			}
		}
	}
	list()
	slot := uint8(0)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			slot = (slot + 1) % pingSlices
			if slot == 0 {
				s.reapPolls(cfg.PongWait)
				list()
			}
			silent := time.Now().Add(-cfg.PongWait).UnixNano()
			for _, c := range round[slot] {
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

// CheckSessions looks up the session of every open WebSocket and poll
// session each interval, and closes those whose session gone reports as
// ended or expired with CloseSessionEnded. The session_ended event closes
// them at once; this bounds how long they last when that event is lost (a
// broker outage, a row deleted by hand) or when a session simply reaches
// its end: at most one interval.
func (s *Server) CheckSessions(ctx context.Context, every time.Duration, gone func(ctx context.Context, tokenHashes [][]byte) map[string]bool) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		conns := s.conns()
		seen := make(map[string]struct{})
		var hashes [][]byte
		for _, c := range conns {
			if _, dup := seen[string(c.tokenHash)]; dup || c.tokenHash == nil {
				continue
			}
			seen[string(c.tokenHash)] = struct{}{}
			hashes = append(hashes, c.tokenHash)
		}
		if len(hashes) == 0 {
			continue
		}
		ended := gone(ctx, hashes)
		for _, c := range conns {
			if ended[string(c.tokenHash)] {
				c.Close(CloseSessionEnded, "session ended")
			}
		}
	}
}

// Shutdown stops accepting connections, lets every connection finish the
// frame it is handling (so its ack is written), then closes each one with
// CloseRestart after its queue drains.
func (s *Server) Shutdown(ctx context.Context) error {
	s.EndHolds()
	for _, c := range s.conns() {
		// An idle connection is taken from the poller and closed now; one
		// with a reader at work is closed by that reader after its frame.
		// One whose frames are still being answered is closed behind the
		// answers.
		if c.reading.CompareAndSwap(false, true) {
			if c.work.idle() {
				s.shutdownConn(c)
			} else {
				go s.shutdownConn(c)
			}
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

// focusKey names c's focus reports cluster-wide: this server's random id
// and the connection's address, which no other open connection of this
// server has.
func (s *Server) focusKey(c *Conn) string {
	return fmt.Sprintf("%s:%p", s.focusID, c)
}
