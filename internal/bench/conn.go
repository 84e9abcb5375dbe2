package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// conn is a lean WebSocket client built for counting, not the full
// client.Conn: no reconnect, no event queue, no history fetches. One reader
// goroutine splits each message on '\n' and byte-scans message events for
// room, seq and send time; only replies and the ready frame go through
// encoding/json. A connection that drops stays dropped, and what it misses
// is counted as lost: that is the measurement.
//
// Memory per connection is its goroutine, gorilla's 16 KiB read buffer and one
// bit per message per room (connTrack); read buffers are pooled and write
// buffers are borrowed only while writing.
type conn struct {
	r     *run
	idx   int // the user, and the shard its counts go to
	ws    *websocket.Conn
	wmu   sync.Mutex // one writer at a time
	done  chan struct{}
	shut  atomic.Bool  // we closed it: the read error that follows is not an error
	pause atomic.Int64 // unix nanos: senders wait until then after an error reply

	// tracks, sorted by room, belong to the reader goroutine until done.
	tracks []connTrack

	mu      sync.Mutex
	pending map[uint64]pendingSend // sends awaiting their reply, by request id
	nextID  uint64
	slots   chan struct{} // ingest: one token per send in flight; nil = unbounded
	scratch []byte        // the frame being written (under wmu)
}

type pendingSend struct {
	at   int64 // unix nanos
	room int32
}

// dialer is one source address's WebSocket dialer.
type dialer struct {
	ws   *websocket.Dialer
	from string
}

// newDialers spreads connections over 127.0.0.1..127.0.0.n when the target is
// a loopback address: each source address has its own ~28,000 ephemeral
// ports, and one runs out before 15,000 connections plus their TIME_WAITs
// are through. Other targets get the system's choice of source address.
func newDialers(target *url.URL, n int) ([]*dialer, error) {
	pool := &sync.Pool{} // write buffers are taken only while a frame is written
	mk := func(local net.Addr, from string) *dialer {
		nd := &net.Dialer{LocalAddr: local, Timeout: 30 * time.Second, KeepAlive: -1}
		return &dialer{from: from, ws: &websocket.Dialer{
			NetDialContext: nd.DialContext, HandshakeTimeout: 30 * time.Second,
			// 16 KiB reads a whole batched message (tens of events) in one
			// syscall; 2 KiB took several. 240 MB for 15,000 connections is
			// the load generator's to spend, not the server's.
			ReadBufferSize: 16 << 10, WriteBufferSize: 1024, WriteBufferPool: pool,
		}}
	}
	host := target.Hostname()
	ip := net.ParseIP(host)
	if host == "localhost" {
		ip = net.IPv4(127, 0, 0, 1)
	}
	if n <= 1 || ip == nil || ip.To4() == nil || !ip.IsLoopback() {
		return []*dialer{mk(nil, "")}, nil
	}
	out := make([]*dialer, n)
	for i := range out {
		a := net.IPv4(127, 0, 0, byte(1+i))
		out[i] = mk(&net.TCPAddr{IP: a}, a.String())
	}
	return out, nil
}

// readyFrame is the part of the ready frame the bench needs.
type readyFrame struct {
	Type string `json:"type"`
	Data struct {
		Rooms []struct {
			ID      string `json:"id"`
			LastSeq int64  `json:"last_seq"`
		} `json:"rooms"`
	} `json:"data"`
}

// dial opens user idx's connection and waits for its ready frame; the
// connection is counted and read from then on.
func (r *run) dial(ctx context.Context, idx int, token string) (*conn, error) {
	d := r.dialers[idx%len(r.dialers)]
	start := time.Now()
	ws, resp, err := d.ws.DialContext(ctx, r.wsURLs[r.cfg.node(idx)], http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("handshake refused: HTTP %d", resp.StatusCode)
		}
		return nil, fmt.Errorf("dial: %s", shortErr(err))
	}
	ws.SetReadLimit(64 << 20)
	ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, data, err := ws.ReadMessage()
	if err != nil {
		ws.Close()
		return nil, fmt.Errorf("waiting for ready: %s", shortErr(err))
	}
	ws.SetReadDeadline(time.Time{})
	first, rest, _ := bytes.Cut(data, []byte{'\n'})
	var rf readyFrame
	if err := json.Unmarshal(first, &rf); err != nil || rf.Type != "ready" {
		ws.Close()
		return nil, errors.New("first frame is not ready")
	}
	r.connLat.Record(idx, time.Since(start))
	c := &conn{r: r, idx: idx, ws: ws, done: make(chan struct{})}
	for _, room := range rf.Data.Rooms {
		if i, ok := r.roomIndex[room.ID]; ok {
			c.tracks = append(c.tracks, newConnTrack(i, room.LastSeq))
			rm := r.rooms[i]
			rm.mu.Lock()
			rm.members++
			rm.mu.Unlock()
		}
	}
	slices.SortFunc(c.tracks, func(a, b connTrack) int { return int(a.room - b.room) })
	r.live.Add(1)
	r.ready.Add(1)
	if len(rest) > 0 { // events batched behind the ready frame
		c.handle(rest, time.Now().UnixNano())
	}
	go c.read()
	return c, nil
}

func (c *conn) track(room int32) *connTrack {
	i, ok := slices.BinarySearchFunc(c.tracks, room, func(t connTrack, r int32) int { return int(t.room - r) })
	if !ok {
		return nil
	}
	return &c.tracks[i]
}

func (c *conn) read() {
	r := c.r
	var err error
	for {
		var rd io.Reader
		if _, rd, err = c.ws.NextReader(); err != nil {
			break
		}
		buf, _ := r.bufs.Get().(*bytes.Buffer)
		if buf == nil {
			buf = new(bytes.Buffer)
		}
		buf.Reset()
		_, err = buf.ReadFrom(rd)
		if err == nil {
			c.handle(buf.Bytes(), time.Now().UnixNano())
		}
		if buf.Cap() <= 1<<20 { // do not pin the odd huge message
			r.bufs.Put(buf)
		}
		if err != nil {
			break
		}
	}
	if !c.shut.Load() {
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			r.errs.add(fmt.Sprintf("connection closed by server: %d %s", ce.Code, ce.Text), 1)
		} else {
			r.errs.add("connection lost: "+shortErr(err), 1)
		}
	}
	c.ws.Close()
	c.failPending("send: connection ended before the reply")
	r.live.Add(-1)
	close(c.done)
}

// handle processes one WebSocket message: one or more frames, one per line.
// Everything in it arrived at now, so latency is taken once per message.
func (c *conn) handle(data []byte, now int64) {
	var sh *recShard // locked while message events are being counted
	var fresh int64
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if rest, ok := bytes.CutPrefix(line, []byte(`{"type":"message","data":`)); ok {
			if sh == nil {
				sh = c.r.lat.shard(c.idx)
				sh.mu.Lock()
			}
			if c.onMessage(rest, now, sh) {
				fresh++
			}
			continue
		}
		if sh != nil {
			sh.mu.Unlock()
			sh = nil
		}
		if bytes.HasPrefix(line, []byte(`{"type":"ack"`)) || bytes.HasPrefix(line, []byte(`{"type":"error"`)) {
			c.onReply(line, now)
		}
		// receipts, read, room_updated …: not what the bench measures.
	}
	if sh != nil {
		sh.mu.Unlock()
	}
	if fresh > 0 {
		c.r.recv.add(c.idx, fresh, now)
	}
}

// onMessage counts one message event; it reports whether it was a first
// receipt. sh is the caller's locked latency shard.
func (c *conn) onMessage(data []byte, now int64, sh *recShard) bool {
	room, seq, sent, ok := scanMessage(data)
	if !ok {
		c.r.errs.add("message event without room_id or seq", 1)
		return false
	}
	ri, known := c.r.roomIndex[string(room)]
	var t *connTrack
	if known {
		t = c.track(ri)
	}
	if t == nil {
		c.r.errs.add("message for a room not in the ready frame", 1)
		return false
	}
	if seq <= t.base { // the connection had it in its snapshot already
		t.dups++
		return false
	}
	dup, ok := t.seen.add(seq)
	switch {
	case !ok:
		c.r.errs.add("message seq out of range", 1)
		return false
	case dup:
		t.dups++
		return false
	}
	if sent > 0 {
		sh.add(time.Duration(now - sent))
	}
	return true
}

// scanMessage reads room_id, seq and the send time (text "t=<unix nanos>…")
// from a message event's data object without decoding it. The keys are
// matched with their quotes, which cannot occur unescaped inside a JSON
// string. chat.Message encodes room_id, seq and text in that order and before
// any nested object, so each key is searched for only after the previous one:
// one pass over the bytes, which is most of the reader's CPU at 1.7 million
// deliveries a second.
func scanMessage(data []byte) (room []byte, seq, sent int64, ok bool) {
	i := indexAfter(data, `"room_id":"`)
	if i < 0 {
		return nil, 0, 0, false
	}
	j := bytes.IndexByte(data[i:], '"')
	if j < 0 {
		return nil, 0, 0, false
	}
	room, data = data[i:i+j], data[i+j:]
	k := indexAfter(data, `"seq":`)
	if k < 0 {
		return nil, 0, 0, false
	}
	if seq, ok = leadingInt(data[k:]); !ok {
		return nil, 0, 0, false
	}
	if t := indexAfter(data[k:], `"text":"`); t >= 0 && bytes.HasPrefix(data[k+t:], []byte("t=")) {
		sent, _ = leadingInt(data[k+t+2:])
	}
	return room, seq, sent, true
}

func indexAfter(b []byte, key string) int {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return -1
	}
	return i + len(key)
}

func leadingInt(b []byte) (int64, bool) {
	var n int64
	i := 0
	for ; i < len(b) && i < 19 && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	return n, i > 0
}

// replyFrame is an ack or error frame; the ack of a send carries the stored
// message, of which the bench needs room and seq.
type replyFrame struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Data struct {
		RoomID string `json:"room_id"`
		Seq    int64  `json:"seq"`
	} `json:"data"`
	Error *struct {
		Code string `json:"code"`
	} `json:"error"`
}

func (c *conn) onReply(line []byte, now int64) {
	r := c.r
	var f replyFrame
	if err := json.Unmarshal(line, &f); err != nil {
		r.errs.add("unparsable reply frame", 1)
		return
	}
	id, _ := strconv.ParseUint(f.ID, 10, 64)
	c.mu.Lock()
	p, ok := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if !ok {
		if f.Error != nil {
			r.errs.add("error frame: "+f.Error.Code, 1)
		} else {
			r.errs.add("ack for no pending send", 1)
		}
		return
	}
	defer c.release()
	switch {
	case f.Error != nil:
		r.errs.add("send: "+f.Error.Code, 1)
		c.pause.Store(now + int64(50*time.Millisecond)) // do not hammer a server that refuses
	case f.Type != "ack" || f.Data.RoomID != r.roomIDs[p.room] || f.Data.Seq <= 0:
		r.errs.add("send: ack without the stored message", 1)
	default:
		r.ackLat.Record(c.idx, time.Duration(now-p.at))
		r.rooms[p.room].ack(f.Data.Seq)
		r.acked.Add(1)
		r.lastAck.Store(now)
	}
}

// release ends one pending send: frees its in-flight slot.
func (c *conn) release() {
	c.r.pending.Add(-1)
	if c.slots != nil {
		select {
		case <-c.slots:
		default:
		}
	}
}

// send writes one message to room; the text carries the send time for the
// receivers and the client_id is unique in the run. The reply is handled by
// the reader.
func (c *conn) send(room int32) error {
	r := c.r
	c.mu.Lock()
	if c.pending == nil {
		c.pending = map[uint64]pendingSend{}
	}
	c.nextID++
	id := c.nextID
	now := time.Now().UnixNano()
	c.pending[id] = pendingSend{at: now, room: room}
	c.mu.Unlock()
	r.pending.Add(1)

	c.wmu.Lock()
	b := append(c.scratch[:0], `{"id":"`...)
	b = strconv.AppendUint(b, id, 10)
	b = append(b, `","type":"send","data":{"room_id":"`...)
	b = append(b, r.roomIDs[room]...)
	b = append(b, `","client_id":"`...)
	b = append(b, r.cfg.RunID...)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(c.idx), 10)
	b = append(b, '-')
	b = strconv.AppendUint(b, id, 10)
	b = append(b, `","text":"t=`...)
	b = strconv.AppendInt(b, now, 10)
	b = append(b, `"}}`...)
	c.scratch = b
	c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	err := c.ws.WriteMessage(websocket.TextMessage, b)
	c.wmu.Unlock()
	if err != nil {
		c.mu.Lock()
		_, still := c.pending[id]
		delete(c.pending, id)
		c.mu.Unlock()
		if still {
			c.release()
		}
		r.errs.add("send: write failed: "+shortErr(err), 1)
	}
	return err
}

// failPending counts every send still awaiting a reply as failed.
func (c *conn) failPending(kind string) {
	c.mu.Lock()
	n := len(c.pending)
	c.pending = nil
	c.mu.Unlock()
	if n > 0 {
		c.r.errs.add(kind, int64(n))
		for range n {
			c.release()
		}
	}
}

// close says goodbye and waits for the reader to finish.
func (c *conn) close() {
	c.shut.Store(true)
	c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""),
		time.Now().Add(time.Second))
	// The server answers the close frame and the reader sees it; a server
	// that does not answer is cut off.
	select {
	case <-c.done:
	case <-time.After(2 * time.Second):
		c.ws.Close()
		<-c.done
	}
}

// shortErr names an error without addresses or ports, so that errors from
// thousands of connections add up under one kind.
func shortErr(err error) string {
	var op *net.OpError
	switch {
	case errors.As(err, &op) && op.Err != nil:
		return op.Op + ": " + op.Err.Error() // e.g. "dial: connect: connection refused"
	case errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err):
		return "timeout"
	}
	return err.Error()
}
