package realtime

import (
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"parley/internal/chat"
)

// Close codes: 4000–4499 tell the client to reconnect and resume,
// 4500–4999 not to (docs/protocol.md).
const (
	CloseRestart      = 4000 // server shutting down or draining
	CloseTooSlow      = 4001 // outbound queue overflowed
	CloseIdle         = 4002 // no frame or pong within the pong wait
	CloseSessionEnded = 4500 // logged out or token revoked
)

// Conn is one client connection. Outbound frames go through a queue bounded in
// bytes; a writer goroutine exists only while the queue has data, so an idle
// connection costs its reader goroutine and buffers, nothing more.
type Conn struct {
	ws      *websocket.Conn
	user    chat.UserID
	session string
	cfg     *Config

	mu        sync.Mutex
	queue     []outFrame
	spare     []outFrame // the writer's drained batch, reused so enqueue does not allocate
	queued    int        // bytes in queue
	writing   bool
	held      bool   // until the ready frame is queued, events wait without a writer
	closeCode int    // set once: the writer sends this close frame after the queue drains
	closeMsg  string //
	done      chan struct{}
	finished  bool
	// deadline is the write deadline last set; see writeBatch.
	deadline time.Time

	roomsMu sync.Mutex
	rooms   map[*roomEntry]struct{} // the rooms delivering to this connection, for detach
}

func (c *Conn) remember(r *roomEntry) {
	c.roomsMu.Lock()
	if c.rooms == nil {
		c.rooms = make(map[*roomEntry]struct{})
	}
	c.rooms[r] = struct{}{}
	c.roomsMu.Unlock()
}

func (c *Conn) forget(r *roomEntry) {
	c.roomsMu.Lock()
	delete(c.rooms, r)
	c.roomsMu.Unlock()
}

func (c *Conn) joined() []*roomEntry {
	c.roomsMu.Lock()
	defer c.roomsMu.Unlock()
	out := make([]*roomEntry, 0, len(c.rooms))
	for r := range c.rooms {
		out = append(out, r)
	}
	return out
}

func newConn(ws *websocket.Conn, user chat.UserID, session string, cfg *Config) *Conn {
	return &Conn{ws: ws, user: user, session: session, cfg: cfg, done: make(chan struct{}), held: true}
}

func (c *Conn) User() chat.UserID { return c.user }

// outFrame is one queued piece of output: a frame, or several frames joined
// by newlines that a room batched (events counts them, for the metrics).
type outFrame struct {
	b      []byte
	events int
}

// enqueue hands a frame to the writer. It never blocks: a connection whose
// queue is full is closed with CloseTooSlow and resumes after reconnecting,
// so one slow reader never delays a room.
func (c *Conn) enqueue(frame []byte) { c.enqueueEvents(frame, 1) }

// enqueueEvents queues b, which holds events frames joined by newlines.
func (c *Conn) enqueueEvents(b []byte, events int) {
	c.mu.Lock()
	if c.closeCode != 0 {
		c.mu.Unlock()
		return
	}
	if c.queued+len(b) > c.cfg.MaxQueueBytes {
		c.queue, c.spare, c.queued = nil, nil, 0
		c.closeCode, c.closeMsg = CloseTooSlow, "too slow: reconnect and resume"
		c.cfg.Metrics.SlowClose()
		c.startWriterLocked()
		c.mu.Unlock()
		return
	}
	c.queue = append(c.queue, outFrame{b, events})
	c.queued += len(b)
	c.startWriterLocked()
	c.mu.Unlock()
}

// Close asks the writer to send a close frame after what is queued.
func (c *Conn) Close(code int, msg string) {
	c.mu.Lock()
	if c.closeCode == 0 {
		c.closeCode, c.closeMsg = code, msg
		c.startWriterLocked()
	}
	c.mu.Unlock()
}

// release queues first ahead of everything that arrived while held, and starts
// writing: the ready frame is always the first frame a client sees.
func (c *Conn) release(first []byte) {
	c.mu.Lock()
	c.queue = append([]outFrame{{first, 1}}, c.queue...)
	c.queued += len(first)
	c.held = false
	c.startWriterLocked()
	c.mu.Unlock()
}

func (c *Conn) startWriterLocked() {
	if c.held && c.closeCode == 0 {
		return
	}
	if !c.writing && !c.finished {
		c.writing = true
		if c.cfg.WriteDelay > 0 && c.closeCode == 0 {
			time.AfterFunc(c.cfg.WriteDelay, c.writeLoop)
		} else {
			go c.writeLoop()
		}
	}
}

func (c *Conn) writeLoop() {
	for {
		c.mu.Lock()
		batch := c.queue
		c.queue, c.spare, c.queued = c.spare[:0], nil, 0
		code, msg := c.closeCode, c.closeMsg
		if len(batch) == 0 {
			c.writing = false
			if code != 0 && !c.finished {
				c.finished = true
				c.mu.Unlock()
				c.sendClose(code, msg)
				return
			}
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		err := c.writeBatch(batch)
		clear(batch) // the frames are shared with other connections: do not pin them
		c.mu.Lock()
		if c.spare == nil && c.closeCode == 0 && cap(batch) <= 64 {
			c.spare = batch[:0]
		}
		c.mu.Unlock()
		if err != nil {
			c.mu.Lock()
			c.finished, c.writing = true, false
			c.queue, c.spare, c.queued = nil, nil, 0
			c.mu.Unlock()
			c.ws.Close() // the reader sees the error and unregisters
			close(c.done)
			return
		}
	}
}

// writeBatch packs frames into as few WebSocket messages as fit MaxFrameBytes,
// events separated by newlines (protocol principle 9). Each message is
// assembled first and written with one WriteMessage, which gorilla turns into
// a single writev: streaming it through NextWriter would cost a syscall per
// write-buffer fill, and write syscalls are most of the server's CPU under
// heavy fan-out.
func (c *Conn) writeBatch(batch []outFrame) error {
	// Setting a deadline is a runtime timer update, a measurable share of the
	// CPU when 15,000 connections each write ten times a second. A deadline
	// is only refreshed once it has less than WriteTimeout-1s to run, so
	// every write still gets at least that long before it times out.
	if now := time.Now(); c.deadline.Sub(now) < c.cfg.WriteTimeout-time.Second {
		c.deadline = now.Add(c.cfg.WriteTimeout)
		c.ws.SetWriteDeadline(c.deadline)
	}
	var bp *[]byte
	defer func() {
		if bp != nil {
			c.cfg.frameBufs.Put(bp)
		}
	}()
	for len(batch) > 0 {
		n, events := 1, batch[0].events
		for size := len(batch[0].b); n < len(batch) && size+1+len(batch[n].b) <= c.cfg.MaxFrameBytes; n++ {
			size += 1 + len(batch[n].b)
			events += batch[n].events
		}
		msg := batch[0].b // one frame goes out as it is, shared with other recipients
		if n > 1 {
			if bp == nil {
				bp = c.cfg.frameBufs.Get().(*[]byte)
			}
			buf := (*bp)[:0]
			for i, f := range batch[:n] {
				if i > 0 {
					buf = append(buf, '\n')
				}
				buf = append(buf, f.b...)
			}
			*bp, msg = buf, buf
		}
		if err := c.ws.WriteMessage(websocket.TextMessage, msg); err != nil {
			return err
		}
		c.cfg.Metrics.Wrote(events)
		batch = batch[n:]
	}
	return nil
}

func (c *Conn) sendClose(code int, msg string) {
	deadline := time.Now().Add(time.Second)
	c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, msg), deadline)
	c.ws.Close()
	close(c.done)
}

// ping is called by the hub's pinger; WriteControl is safe alongside the writer.
func (c *Conn) ping() {
	c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.cfg.WriteTimeout))
}
