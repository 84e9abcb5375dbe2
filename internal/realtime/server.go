package realtime

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"parley/internal/chat"
)

// Server accepts WebSocket connections and runs their read loops. Each frame
// is handled in the connection's read goroutine, so a client's requests are
// answered in the order it sent them.
type Server struct {
	hub      *Hub
	svc      *chat.Service
	upgrader websocket.Upgrader
	closing  atomic.Bool
	wg       sync.WaitGroup
}

func NewServer(hub *Hub, svc *chat.Service) *Server {
	s := &Server{hub: hub, svc: svc}
	s.upgrader = websocket.Upgrader{
		ReadBufferSize:  512, // most frames are small; gorilla grows as needed
		WriteBufferSize: 4096,
		WriteBufferPool: &sync.Pool{},
		CheckOrigin:     s.checkOrigin,
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
	return slices.Contains(s.hub.cfg.AllowedOrigins, origin)
}

// Serve upgrades the request and serves the connection on a goroutine of its
// own until it ends. The caller has authenticated sess and resolved its user.
func (s *Server) Serve(w http.ResponseWriter, r *http.Request, sess chat.Session, user chat.User) {
	if s.closing.Load() {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"error":{"code":"unavailable","message":"server is shutting down"}}`))
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered the client
	}
	// The connection lives on goroutines of its own so that this handler's
	// return frees what the HTTP request held (net/http's buffers, the Gin
	// context, a stack grown by the middleware chain), and the reader that
	// idles for hours starts on a fresh stack rather than one grown by the
	// setup's store queries: together about 35 KiB per idle connection.
	s.wg.Add(1)
	go func() {
		c, ok := s.setup(ws, sess, user)
		if !ok {
			s.wg.Done()
			return
		}
		go func() {
			defer s.wg.Done()
			s.read(c)
		}()
	}()
}

// setup attaches the connection to the hub and queues its ready frame; on
// failure it has told the client to reconnect.
func (s *Server) setup(ws *websocket.Conn, sess chat.Session, user chat.User) (*Conn, bool) {
	cfg := s.hub.cfg
	c := newConn(ws, user.ID, chat.SessionKey(sess.TokenHash), cfg)
	ws.SetReadLimit(cfg.ReadLimit)
	ws.SetReadDeadline(time.Now().Add(cfg.PongWait))
	ws.SetPongHandler(func(string) error { return ws.SetReadDeadline(time.Now().Add(cfg.PongWait)) })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	rooms, err := s.hub.attach(ctx, c, func() ([]chat.RoomSummary, error) { return s.svc.Rooms(ctx, user.ID) })
	cancel()
	if err != nil {
		s.hub.detach(c)
		c.Close(CloseRestart, "could not load rooms: reconnect")
		s.wait(c)
		return nil, false
	}
	// Delivery starts before the ready frame is written, so nothing published
	// in between is missed; release puts ready ahead of all of it.
	s.hub.start(context.Background(), c, rooms)
	c.release(encodeFrame(serverFrame{Type: "ready", Data: ReadyData{User: user, Rooms: rooms}}))
	s.svc.Connected(context.Background(), user.ID, rooms)
	return c, true
}

// read serves the client's frames until the connection ends, then detaches
// it and sends the close frame that tells the client what to do.
func (s *Server) read(c *Conn) {
	cfg, ws := s.hub.cfg, c.ws
	defer s.svc.Disconnected(context.Background(), c.user)
	if s.closing.Load() { // Shutdown began while this connection was being set up
		ws.SetReadDeadline(time.Now())
	}

	limiter := rate.NewLimiter(rate.Limit(cfg.FramesPerSecond), cfg.FrameBurst)
	var readErr error
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			readErr = err
			break
		}
		ws.SetReadDeadline(time.Now().Add(cfg.PongWait))
		cfg.Metrics.FramesIn.Add(1)
		if !limiter.Allow() {
			cfg.Metrics.ErrorFrames.Add(1)
			c.enqueue(errorFrame(frameID(data), chat.Errorf(chat.RateLimited, "too many frames, slow down")))
			continue
		}
		s.handle(c, data)
	}
	s.hub.detach(c)
	var ne net.Error
	switch {
	case s.closing.Load():
		c.Close(CloseRestart, "server restarting: reconnect and resume")
	case errors.As(readErr, &ne) && ne.Timeout():
		c.Close(CloseIdle, "no pong: reconnect")
	default: // the client closed, or sent a frame over the limit (gorilla answered 1009)
		c.Close(websocket.CloseNormalClosure, "")
	}
	s.wait(c)
}

// wait gives the writer time to flush acks and send the close frame.
func (s *Server) wait(c *Conn) {
	select {
	case <-c.done:
	case <-time.After(s.hub.cfg.WriteTimeout + time.Second):
		c.ws.Close()
	}
}

func (s *Server) handle(c *Conn, data []byte) {
	f, err := DecodeClientFrame(data)
	if err != nil {
		s.hub.cfg.Metrics.ErrorFrames.Add(1)
		c.enqueue(errorFrame(f.ID, err))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reply, err := s.dispatch(ctx, c, f)
	if err != nil {
		s.hub.cfg.Metrics.ErrorFrames.Add(1)
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

// Run pings every connection until ctx ends, so dead peers are reaped by
// their read deadline even when no event flows.
func (s *Server) Run(ctx context.Context) {
	t := time.NewTicker(s.hub.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, c := range s.hub.conns() {
				c.ping()
			}
		}
	}
}

// Shutdown stops accepting connections, lets every read loop finish the frame
// it is handling (so its ack is written), then closes each connection with
// CloseRestart after its queue drains.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closing.Store(true)
	for _, c := range s.hub.conns() {
		c.ws.SetReadDeadline(time.Now()) // ends ReadMessage, not a handler in progress
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return errors.New("realtime: connections still draining at shutdown deadline")
	}
}
