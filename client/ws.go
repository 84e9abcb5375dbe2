package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"parley/internal/chat"
)

// ConnectOptions tune a live connection.
type ConnectOptions struct {
	// LastSeqs resumes from a known position: for each room, the last seq the
	// application has. Rooms not listed start at their last_seq when first seen.
	LastSeqs map[RoomID]int64
	// EventBuffer is the capacity of the Events channel (default 1024).
	// Events the application has not taken yet wait in an unbounded queue
	// behind it, so a slow consumer never stalls acks or the connection; the
	// application owns that memory by reading Events.
	EventBuffer int
	// Dialer overrides the WebSocket dialer (source address, timeouts).
	Dialer *websocket.Dialer
	// MaxBackoff caps the wait between reconnect attempts (default 5 s).
	MaxBackoff time.Duration
	// LongPoll takes events from long-poll sessions instead of a WebSocket
	// (client/poll.go); PollWait is each poll's wait (default 25 s).
	LongPoll bool
	PollWait time.Duration
	// UseTicket opens each WebSocket as a browser does: with a single-use
	// ticket from POST /api/v1/ws/ticket in the URL instead of the token in
	// a header (docs/protocol.md, "Connecting").
	UseTicket bool
}

// Conn is a live connection that survives network drops and server restarts:
// it reconnects with backoff, fetches what it missed over REST, drops what it
// has already seen, and resends unacknowledged requests with the same id and
// client_id. Events arrive on Events() in seq order per room, each message once.
type Conn struct {
	c      *Client
	opts   ConnectOptions
	events chan Event
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	ws       *websocket.Conn
	lastSeq  map[RoomID]int64
	pending  map[string]*pending
	order    []string // pending ids in send order, for resending after reconnect
	nextID   int
	err      error
	connects int
	gapFills int
	ready    chan struct{} // closed at each ready frame, then replaced
	dropPoll func()        // long-poll: abandons the current session (Drop)
	wmu      sync.Mutex    // one writer at a time on ws

	qmu     sync.Mutex
	q       []Event       // events not yet on the channel
	qsig    chan struct{} // wakes the pump
	qclosed bool          // no more events will be queued
}

type pending struct {
	frame []byte
	reply chan reply
}

type reply struct {
	data json.RawMessage
	err  error
}

// handshakeTimeout outlasts the server's connect hold (30 s by default):
// while its database restarts, a server holds a handshake rather than
// refuse it, and a client that gave up sooner would only start over.
const handshakeTimeout = 40 * time.Second

// Connect opens a live connection and returns once the first ready frame has
// been processed. The connection lives until Close or ctx ends.
func (c *Client) Connect(ctx context.Context, opts ConnectOptions) (*Conn, error) {
	if opts.EventBuffer <= 0 {
		opts.EventBuffer = 1024
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Second
	}
	if opts.Dialer == nil {
		opts.Dialer = &websocket.Dialer{HandshakeTimeout: handshakeTimeout, ReadBufferSize: 4096, WriteBufferSize: 1024}
	}
	lctx, cancel := context.WithCancel(context.Background())
	cn := &Conn{c: c, opts: opts, events: make(chan Event, opts.EventBuffer), ctx: lctx, cancel: cancel,
		done: make(chan struct{}), lastSeq: map[RoomID]int64{}, pending: map[string]*pending{}, ready: make(chan struct{}),
		qsig: make(chan struct{}, 1)}
	for r, s := range opts.LastSeqs {
		cn.lastSeq[r] = s
	}
	if opts.LongPoll {
		if opts.PollWait <= 0 {
			opts.PollWait = 25 * time.Second
		}
		cn.opts = opts
		first, err := c.OpenPoll(ctx)
		if err != nil {
			cancel()
			return nil, err
		}
		ready := cn.readyChan()
		go cn.pump()
		go cn.runPoll(first)
		select {
		case <-ready:
			return cn, nil
		case <-cn.done:
			return nil, cn.Err()
		case <-ctx.Done():
			cn.Close()
			return nil, ctx.Err()
		}
	}
	ws, err := cn.dial(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	ready := cn.readyChan()
	go cn.pump()
	go cn.run(ws)
	select {
	case <-ready:
		return cn, nil
	case <-cn.done:
		return nil, cn.Err()
	case <-ctx.Done():
		cn.Close()
		return nil, ctx.Err()
	}
}

func (cn *Conn) readyChan() chan struct{} {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	return cn.ready
}

// Events delivers server events. It is closed when the connection ends for
// good (Close, or a close code that forbids reconnecting).
func (cn *Conn) Events() <-chan Event { return cn.events }

// Err is why the connection ended, once Events is closed.
func (cn *Conn) Err() error {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	return cn.err
}

// Connects counts successful (re)connections, for tests and the load generator.
func (cn *Conn) Connects() int {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	return cn.connects
}

// GapFills counts live messages that arrived with a seq jump, which the
// client repaired from history. The server promises none after the ready
// frame; tests use this to hold it to that.
func (cn *Conn) GapFills() int {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	return cn.gapFills
}

// LastSeq is the last seq delivered on Events for room.
func (cn *Conn) LastSeq(room RoomID) int64 {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	return cn.lastSeq[room]
}

// Close ends the connection and closes Events.
func (cn *Conn) Close() error {
	cn.cancel()
	cn.mu.Lock()
	ws := cn.ws
	cn.mu.Unlock()
	if ws != nil {
		ws.Close()
	}
	<-cn.done
	return nil
}

// Drop cuts the current network connection without closing the Conn, as a
// network failure would; the Conn reconnects and resumes. For tests.
func (cn *Conn) Drop() {
	cn.mu.Lock()
	ws, drop := cn.ws, cn.dropPoll
	cn.mu.Unlock()
	if ws != nil {
		ws.NetConn().Close()
	}
	if drop != nil {
		drop()
	}
}

func (cn *Conn) dial(ctx context.Context) (*websocket.Conn, error) {
	u := "ws" + strings.TrimPrefix(cn.c.base, "http") + "/api/v1/ws"
	h := http.Header{}
	if cn.opts.UseTicket {
		t, err := cn.c.WSTicket(ctx)
		if err != nil {
			return nil, err
		}
		u = cn.c.WebSocketURL(t.Ticket)
	} else {
		h.Set("Authorization", "Bearer "+cn.c.token)
	}
	if cn.c.agent != "" {
		h.Set("User-Agent", cn.c.agent)
	}
	ws, resp, err := cn.opts.Dialer.DialContext(ctx, u, h)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusUnauthorized {
			return nil, &Error{Status: 401, Code: "unauthorized", Message: "token refused"}
		}
		return nil, err
	}
	ws.SetReadLimit(64 << 20)
	cn.mu.Lock()
	cn.ws = ws
	cn.mu.Unlock()
	return ws, nil
}

func (cn *Conn) run(ws *websocket.Conn) {
	defer close(cn.done)
	defer cn.closeQueue()
	for {
		err := cn.readLoop(ws)
		if cn.ctx.Err() != nil {
			cn.finish(nil)
			return
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) && ce.Code >= 4500 && ce.Code <= 4999 {
			cn.finish(&Error{Code: "closed", Message: strconv.Itoa(ce.Code) + " " + ce.Text})
			return
		}
		if !cn.reconnect(func(ctx context.Context) (err error) { ws, err = cn.dial(ctx); return err }) {
			return
		}
	}
}

// reconnect calls open with exponential backoff and jitter until it works
// (true), or until the Conn is closed or the token refused (false, finished).
func (cn *Conn) reconnect(open func(ctx context.Context) error) bool {
	backoff := 100 * time.Millisecond
	for {
		wait := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-cn.ctx.Done():
			cn.finish(nil)
			return false
		case <-time.After(wait):
		}
		backoff = min(backoff*2, cn.opts.MaxBackoff)
		ctx, cancel := context.WithTimeout(cn.ctx, handshakeTimeout)
		err := open(ctx)
		cancel()
		if err == nil {
			return true
		}
		if ErrorCode(err) == "unauthorized" {
			cn.finish(err)
			return false
		}
	}
}

func (cn *Conn) finish(err error) {
	cn.mu.Lock()
	cn.err = err
	for id, p := range cn.pending {
		p.reply <- reply{err: errors.New("parley: connection closed")}
		delete(cn.pending, id)
	}
	cn.order = nil
	cn.mu.Unlock()
}

func (cn *Conn) readLoop(ws *websocket.Conn) error {
	defer ws.Close()
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return err
		}
		// One WebSocket message may carry several events, one per line.
		for len(data) > 0 {
			line := data
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				line, data = data[:i], data[i+1:]
			} else {
				data = nil
			}
			if len(line) > 0 {
				if err := cn.handle(ws, line); err != nil {
					return err
				}
			}
		}
	}
}

func (cn *Conn) write(ws *websocket.Conn, frame []byte) error {
	cn.wmu.Lock()
	defer cn.wmu.Unlock()
	ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return ws.WriteMessage(websocket.TextMessage, frame)
}

// Request sends a frame and waits for its ack. If the connection drops first,
// the frame is sent again after reconnecting: safe, because every request is
// idempotent (sends by client_id).
func (cn *Conn) Request(ctx context.Context, typ string, data any) (json.RawMessage, error) {
	if cn.opts.LongPoll {
		return nil, errors.New("parley: requests need the WebSocket; over long-poll use the REST methods")
	}
	cn.mu.Lock()
	if cn.err != nil || cn.ctx.Err() != nil {
		cn.mu.Unlock()
		return nil, errors.New("parley: connection closed")
	}
	cn.nextID++
	id := strconv.Itoa(cn.nextID)
	frame, err := json.Marshal(map[string]any{"id": id, "type": typ, "data": data})
	if err != nil {
		cn.mu.Unlock()
		return nil, err
	}
	p := &pending{frame: frame, reply: make(chan reply, 1)}
	cn.pending[id] = p
	cn.order = append(cn.order, id)
	ws := cn.ws
	cn.mu.Unlock()
	// A failed write is not an error: the frame is resent on reconnect.
	_ = cn.write(ws, frame)
	select {
	case r := <-p.reply:
		return r.data, r.err
	case <-ctx.Done():
		cn.mu.Lock()
		delete(cn.pending, id)
		cn.order = deleteString(cn.order, id)
		cn.mu.Unlock()
		return nil, ctx.Err()
	}
}

// WriteRaw writes bytes as one frame without waiting for anything. For tests
// of the server's handling of bad input.
func (cn *Conn) WriteRaw(frame []byte) error {
	cn.mu.Lock()
	ws := cn.ws
	cn.mu.Unlock()
	return cn.write(ws, frame)
}

// Send sends a message and returns it once the server has stored it.
// clientID makes it idempotent; empty picks a random one.
func (cn *Conn) Send(ctx context.Context, room RoomID, clientID, text string) (Message, error) {
	if clientID == "" {
		clientID = randomID()
	}
	var m Message
	data, err := cn.Request(ctx, "send", chat.SendRequest{RoomID: room, ClientID: clientID, Text: text})
	if err == nil {
		err = json.Unmarshal(data, &m)
	}
	return m, err
}

// SendWith sends a message with every field of r (attachments, reply_to);
// an empty ClientID picks a random one.
func (cn *Conn) SendWith(ctx context.Context, r SendRequest) (Message, error) {
	if r.ClientID == "" {
		r.ClientID = randomID()
	}
	var m Message
	data, err := cn.Request(ctx, "send", r)
	if err == nil {
		err = json.Unmarshal(data, &m)
	}
	return m, err
}

// MarkRead moves the read position of room to seq.
func (cn *Conn) MarkRead(ctx context.Context, room RoomID, seq int64) (ReadPosition, error) {
	var p ReadPosition
	data, err := cn.Request(ctx, "read", map[string]any{"room_id": room, "seq": seq})
	if err == nil {
		err = json.Unmarshal(data, &p)
	}
	return p, err
}

func randomID() string {
	return strconv.FormatUint(rand.Uint64(), 36) + strconv.FormatUint(rand.Uint64(), 36)
}

func deleteString(s []string, v string) []string {
	for i, x := range s {
		if x == v {
			return append(s[:i], s[i+1:]...)
		}
	}
	return s
}
