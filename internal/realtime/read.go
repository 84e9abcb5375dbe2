package realtime

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/gobwas/ws"
	"golang.org/x/time/rate"

	"parley/internal/chat"
)

// The read path of a connection: from a readable socket (or a blocking
// reader where there is no epoll) to frames parsed, judged, and dispatched
// to the domain, whose answers are queued as acks.

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
			ok, err := c.allowFrame(cfg)
			if err != nil {
				return nil, err
			}
			if ok { // a refused ping gets no pong: a flood never fills the queue
				c.enqueueControl(controlFrame(ws.OpPong, f.payload))
			}
		case ws.OpPong: // liveness only, but still a frame to read
			if _, err := c.allowFrame(cfg); err != nil {
				return nil, err
			}
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
			ok, err := c.allowFrame(cfg)
			if err != nil {
				return nil, err
			}
			if !ok {
				cfg.Metrics.ErrorFrames.Add(1)
				c.enqueue(errorFrame(frameID(msg), chat.Errorf(chat.RateLimited, "too many frames, slow down")))
				continue
			}
			s.take(c, msg)
		}
	}
}

// allowFrame spends one inbound frame of c's budget (messages, pings and
// pongs alike: each costs a read and a parse, and a ping a pong). A refused
// frame is answered with rate_limited (a ping with nothing); FrameBurst
// refusals in a row mean the peer ignores the answers, and the connection
// is closed with 1008.
func (c *Conn) allowFrame(cfg *Config) (bool, error) {
	if c.limiter == nil {
		c.limiter = rate.NewLimiter(rate.Limit(cfg.FramesPerSecond), cfg.FrameBurst)
	}
	if c.limiter.Allow() {
		c.refused = 0
		return true, nil
	}
	c.refused++
	if c.refused >= cfg.FrameBurst {
		return false, &protocolError{ClosePolicy, "too many frames"}
	}
	return false, nil
}

var (
	errPeerGone     = errors.New("peer closed the connection")
	errShuttingDown = errors.New("server shutting down")
)

// endRead ends a connection whose reading failed or finished. A close frame
// goes out behind the replies to every frame read before it.
func (s *Server) endRead(c *Conn, err error) {
	var pe *protocolError
	var pc *peerClosed
	switch {
	case errors.Is(err, errShuttingDown):
		s.shutdownConn(c)
	case errors.As(err, &pc):
		c.work.waitBelow(1)
		c.Close(pc.code, "")
	case errors.As(err, &pe):
		c.work.waitBelow(1)
		c.Close(pe.code, pe.msg)
	default: // the peer is gone: nothing more can be written
		c.closeSocket()
	}
}

func (s *Server) shutdownConn(c *Conn) {
	c.work.waitBelow(1)
	c.Close(CloseRestart, "server restarting: reconnect and resume")
}

// take decodes a frame and hands it to the connection's pipeline, except a
// ping: it asks whether the connection is alive, not whether the store is,
// so it is answered at once, ahead of replies still in the works.
func (s *Server) take(c *Conn, data []byte) {
	f, err := DecodeClientFrame(data)
	if err == nil && f.Type == "ping" {
		s.reply(c, f, struct{}{}, nil)
		return
	}
	s.submit(c, inFrame{f: f, err: err})
}

func (s *Server) reply(c *Conn, f ClientFrame, reply any, err error) {
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
	case "focus":
		var r FocusFrame
		if err := DecodeData(f, &r); err != nil {
			return nil, err
		}
		return struct{}{}, s.svc.Focus(ctx, c.user, s.focusKey(c), r.Focused, false)
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
