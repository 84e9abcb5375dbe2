package realtime

import (
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/time/rate"

	"parley/internal/chat"
	"parley/internal/delivery"
)

// Close codes: 4000–4499 tell the client to reconnect and resume,
// 4500–4999 not to (docs/protocol.md).
const (
	CloseRestart      = delivery.CloseRestart      // server shutting down or draining; a room could not be loaded
	CloseTooSlow      = 4001                       // outbound queue overflowed
	CloseIdle         = 4002                       // no frame or pong within the pong wait
	CloseTooManyConns = 4003                       // the user has --max-conns-per-user open on this node
	ClosePolicy       = 1008                       // frames keep coming after being refused as too many
	CloseSessionEnded = delivery.CloseSessionEnded // logged out or token revoked
)

// Conn is one client connection. Outbound frames go through a queue bounded in
// bytes; a writer goroutine exists only while the queue has data, and a reader
// goroutine only while the socket has data to read (poller_linux.go), so an
// idle connection costs a few hundred bytes of state and no goroutine.
type Conn struct {
	nc        net.Conn
	raw       syscall.RawConn // nc's descriptor, for non-blocking reads
	user      chat.UserID
	session   string // the session's public id: session_ended names it
	tokenHash []byte // the session's key in the store, to note that it is in use (TouchSessions)
	cfg       *Config

	mu        sync.Mutex
	queue     []outFrame
	spare     []outFrame // the writer's drained batch, reused so enqueue does not allocate
	queued    int        // bytes in queue
	writing   bool
	held      bool   // until the ready frame is queued, events wait without a writer
	closeCode int    // set once: the writer sends this close frame after the queue drains
	closeMsg  string //
	finished  bool
	deadline  time.Time // the write deadline last set; see writeBatch
	done      chan struct{}
	ended     sync.Once
	onEnd     func(*Conn)  // the server's cleanup, run once when the socket closes
	announced atomic.Bool  // presence was told of this connection
	poll      *pollSession // set for a long-poll session: polls drain the queue, there is no socket

	// Reading state, owned by whichever goroutine holds reading.
	reading   atomic.Bool   // a goroutine is reading or handling this connection's frames
	lastFrame atomic.Int64  // unix nanos of the last complete frame read (pongs included)
	pingSlot  uint8         // the slice of each ping round this connection is pinged in
	partial   []byte        // an incomplete frame carried over to the next read
	msg       assembler     // a fragmented message being assembled
	limiter   *rate.Limiter // inbound frames; made at the first frame
	refused   int           // inbound frames refused in a row
	work      pipeline      // frames read and not yet answered (pipeline.go)
	// unacked is the bytes a poll session returned and the client has not
	// confirmed: they count against MaxQueueBytes with the queue, so a
	// client that never confirms is closed as too slow like one that never
	// reads.
	unacked atomic.Int64

	// The poller's registration; pollMu orders it against closing the socket,
	// so a descriptor number reused by a new connection is never touched.
	pollMu     sync.Mutex
	fd         int
	registered bool
	sockClosed bool
}

func newConn(nc net.Conn, user chat.UserID, session string, cfg *Config) *Conn {
	c := &Conn{nc: nc, user: user, session: session, cfg: cfg, done: make(chan struct{}), held: true, fd: -1}
	now := time.Now().UnixNano()
	c.lastFrame.Store(now)
	c.pingSlot = uint8(now % pingSlices)
	return c
}

func (c *Conn) User() chat.UserID { return c.user }

// Session is the key of the session c authenticated with.
func (c *Conn) Session() string { return c.session }

// outFrame is one queued piece of output: the payload of a text frame holding
// events frames joined by newlines (a room's batch, or one event or reply),
// or, when control is set, a complete control frame (ping, pong).
type outFrame struct {
	b       []byte
	events  int
	control bool
}

// enqueue hands a frame to the writer. It never blocks: a connection whose
// queue is full is closed with CloseTooSlow and resumes after reconnecting,
// so one slow reader never delays a room.
func (c *Conn) enqueue(frame []byte) { c.Enqueue(frame, 1) }

// Enqueue queues b, which holds events frames joined by newlines.
func (c *Conn) Enqueue(b []byte, events int) { c.push(outFrame{b: b, events: events}) }

// enqueueControl queues a complete control frame.
func (c *Conn) enqueueControl(f []byte) { c.push(outFrame{b: f, control: true}) }

func (c *Conn) push(f outFrame) {
	c.mu.Lock()
	if c.closeCode != 0 {
		c.mu.Unlock()
		return
	}
	if c.queued+len(f.b)+int(c.unacked.Load()) > c.cfg.MaxQueueBytes {
		c.queue, c.spare, c.queued = nil, nil, 0
		c.closeCode, c.closeMsg = CloseTooSlow, "too slow: reconnect and resume"
		c.cfg.Metrics.SlowClose()
		c.startWriterLocked()
		c.mu.Unlock()
		return
	}
	c.queue = append(c.queue, f)
	c.queued += len(f.b)
	c.startWriterLocked()
	c.mu.Unlock()
}

// Close asks the writer to send a close frame after what is queued, then
// close the socket.
func (c *Conn) Close(code int, msg string) {
	c.mu.Lock()
	if c.closeCode == 0 {
		c.closeCode, c.closeMsg = code, msg
		c.startWriterLocked()
	}
	c.mu.Unlock()
}

// closing reports whether Close was called (or the queue overflowed).
func (c *Conn) closing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeCode != 0
}

// release queues first ahead of everything that arrived while held, and starts
// writing: the ready frame is always the first frame a client sees.
func (c *Conn) release(first []byte) {
	c.mu.Lock()
	c.queue = append([]outFrame{{b: first, events: 1}}, c.queue...)
	c.queued += len(first)
	c.held = false
	c.startWriterLocked()
	c.mu.Unlock()
}

// attachSocket gives a connection held through its handshake its socket.
// Its writer starts at release, after the ready frame, whatever happened
// meanwhile: a close decided during the hold (too slow, session ended) is
// sent then.
func (c *Conn) attachSocket(nc net.Conn, partial []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nc, c.partial = nc, partial
	if sc, ok := nc.(syscall.Conn); ok {
		c.raw, _ = sc.SyscallConn()
	}
}

func (c *Conn) startWriterLocked() {
	if c.held && c.closeCode == 0 {
		return
	}
	if c.nc == nil && c.poll == nil {
		return // no socket yet: release starts the writer
	}
	if c.poll != nil {
		c.poll.signal()
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
		if err != nil {
			c.finished, c.writing = true, false
			c.queue, c.spare, c.queued = nil, nil, 0
		}
		c.mu.Unlock()
		if err != nil {
			c.closeSocket()
			return
		}
	}
}

// writeScratch is a writer's working memory, pooled across connections: the
// frame headers and the iovec list of one batch, and a buffer for joining
// small payloads.
type writeScratch struct {
	headers []byte
	join    []byte
	bufs    net.Buffers
}

// writeBatch writes a batch with one writev: each text payload behind its
// frame header, consecutive small payloads joined into one frame (events
// separated by newlines, protocol principle 9) up to MaxFrameBytes. A room's
// payload is written as it is, shared with every other recipient. Write
// syscalls are most of the server's CPU under heavy fan-out, so there is one
// per batch, however many frames it holds.
func (c *Conn) writeBatch(batch []outFrame) error {
	// Setting a deadline is a runtime timer update, a measurable share of the
	// CPU when 15,000 connections each write ten times a second. A deadline
	// is only refreshed once it has less than WriteTimeout-1s to run, so
	// every write still gets at least that long before it times out.
	if now := time.Now(); c.deadline.Sub(now) < c.cfg.WriteTimeout-time.Second {
		c.deadline = now.Add(c.cfg.WriteTimeout)
		c.nc.SetWriteDeadline(c.deadline)
	}
	s := c.cfg.scratch.Get().(*writeScratch)
	defer c.cfg.scratch.Put(s)
	// Slices taken from headers and join stay valid when a later append
	// moves the buffer: the old array keeps the bytes they point at.
	s.headers, s.join, s.bufs = s.headers[:0], s.join[:0], s.bufs[:0]
	events := 0
	for i := 0; i < len(batch); {
		f := batch[i]
		if f.control {
			s.bufs = append(s.bufs, f.b)
			i++
			continue
		}
		n, size := 1, len(f.b)
		for i+n < len(batch) && !batch[i+n].control && size+1+len(batch[i+n].b) <= c.cfg.MaxFrameBytes {
			size += 1 + len(batch[i+n].b)
			n++
		}
		p := f.b
		if n > 1 {
			start := len(s.join)
			for j, g := range batch[i : i+n] {
				if j > 0 {
					s.join = append(s.join, '\n')
				}
				s.join = append(s.join, g.b...)
			}
			p = s.join[start:]
		}
		for _, g := range batch[i : i+n] {
			events += g.events
		}
		h := len(s.headers)
		s.headers = appendTextHeader(s.headers, len(p))
		s.bufs = append(s.bufs, s.headers[h:], p)
		i += n
	}
	bufs := s.bufs // WriteTo consumes the slice it is called on
	_, err := bufs.WriteTo(c.nc)
	clear(s.bufs) // do not pin payloads in the pool
	c.cfg.Metrics.Wrote(events)
	return err
}

func (c *Conn) sendClose(code int, msg string) {
	c.nc.SetWriteDeadline(time.Now().Add(time.Second))
	c.nc.Write(closeFrame(code, msg))
	c.linger()
}

// linger ends the connection the way RFC 6455 asks a server to: the FIN
// follows the close frame, then input is read and dropped until the client
// closes its side, for a bounded time. Closing with unread input would make
// the kernel send a reset, and the client could lose the close frame and
// whatever came before it.
func (c *Conn) linger() {
	c.pollMu.Lock()
	if c.registered && !c.sockClosed {
		c.cfg.poller.remove(c) // from now on nothing here handles its frames
		c.registered = false
	}
	c.pollMu.Unlock()
	if tc, ok := c.nc.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	c.nc.SetReadDeadline(time.Now().Add(lingerTimeout))
	var buf [256]byte
	for {
		if _, err := c.nc.Read(buf[:]); err != nil {
			break
		}
	}
	c.closeSocket()
}

const lingerTimeout = 2 * time.Second

// ping queues a ping; the pinger calls it for every WebSocket.
func (c *Conn) ping() { c.enqueueControl(pingFrame[:]) }

// closedWith reports the close code once Close was called and everything
// queued before it has been taken (long-poll sessions).
func (c *Conn) closedWith() (code int, msg string, ended bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeCode, c.closeMsg, c.closeCode != 0 && len(c.queue) == 0
}

// closeSocket closes the connection for good and runs the server's cleanup
// once. The poller registration goes first: once the socket is closed its
// descriptor number may belong to a new connection.
func (c *Conn) closeSocket() {
	c.pollMu.Lock()
	already := c.sockClosed
	c.sockClosed = true
	if c.registered && !already {
		c.cfg.poller.remove(c)
		c.registered = false
	}
	c.pollMu.Unlock()
	if already {
		return
	}
	if c.nc != nil {
		c.nc.Close()
	}
	close(c.done)
	c.ended.Do(func() {
		if c.onEnd != nil {
			c.onEnd(c)
		}
	})
}
