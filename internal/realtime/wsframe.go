package realtime

import (
	"encoding/binary"
	"errors"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// The WebSocket framing Parley speaks (RFC 6455), server side. Framing is
// done here rather than by a connection object of a WebSocket library so
// that a connection needs no goroutine and no buffer while it is idle: the
// reader parses whatever bytes a readable socket holds (see poller_linux.go)
// and the writer frames the shared payloads the hub hands it.

// appendTextHeader appends the header of an unmasked, final text frame of n
// payload bytes: 2 to 10 bytes, the same for every recipient.
func appendTextHeader(b []byte, n int) []byte {
	return appendHeader(b, ws.OpText, n)
}

func appendHeader(b []byte, op ws.OpCode, n int) []byte {
	b0 := 0x80 | byte(op)
	switch {
	case n <= 125:
		return append(b, b0, byte(n))
	case n <= 0xffff:
		return append(b, b0, 126, byte(n>>8), byte(n))
	}
	b = append(b, b0, 127)
	return binary.BigEndian.AppendUint64(b, uint64(n))
}

// controlFrame builds a whole control frame (ping, pong, close).
func controlFrame(op ws.OpCode, payload []byte) []byte {
	return append(appendHeader(make([]byte, 0, 2+len(payload)), op, len(payload)), payload...)
}

func closeFrame(code int, reason string) []byte {
	if len(reason) > 123 {
		reason = reason[:123]
	}
	return controlFrame(ws.OpClose, ws.NewCloseFrameBody(ws.StatusCode(code), reason))
}

var pingFrame = [...]byte{0x80 | byte(ws.OpPing), 0}

// protocolError ends a connection with a close code (1002 protocol error,
// 1003 unsupported data, 1007 invalid payload, 1009 too big).
type protocolError struct {
	code int
	msg  string
}

func (e *protocolError) Error() string { return e.msg }

// peerClosed reports the client's close frame; the connection answers
// with code and ends.
type peerClosed struct{ code int }

func (e *peerClosed) Error() string { return "peer sent close" }

// closeReceived judges a client's close frame: the code is echoed (1000 for
// a close without one) unless RFC 6455 forbids sending it — then, like a
// reason that is not UTF-8, it fails the connection (sections 5.5.1, 7.4).
func closeReceived(payload []byte) error {
	switch len(payload) {
	case 0:
		return &peerClosed{code: int(ws.StatusNormalClosure)}
	case 1:
		return &protocolError{1002, "close frame with a 1-byte body"}
	}
	code, reason := ws.ParseCloseFrameData(payload)
	err := ws.CheckCloseFrameData(code, reason)
	switch {
	case errors.Is(err, ws.ErrProtocolInvalidUTF8):
		return &protocolError{1007, "close reason is not UTF-8"}
	case err != nil, code > 4999:
		return &protocolError{1002, "close code not allowed"}
	}
	return &peerClosed{code: int(code)}
}

var errIncomplete = errors.New("incomplete frame")

// frame is one parsed client frame; payload is unmasked in place and points
// into the read buffer.
type frame struct {
	fin     bool
	op      ws.OpCode
	payload []byte
}

// parseFrame reads one frame from the front of b and returns it with the
// number of bytes it took, or errIncomplete when b ends inside it. limit
// bounds the payload of a data frame.
func parseFrame(b []byte, limit int64) (frame, int, error) {
	if len(b) < 2 {
		return frame{}, 0, errIncomplete
	}
	f := frame{fin: b[0]&0x80 != 0, op: ws.OpCode(b[0] & 0x0f)}
	if b[0]&0x70 != 0 {
		return f, 0, &protocolError{1002, "reserved bits set"}
	}
	if b[1]&0x80 == 0 {
		return f, 0, &protocolError{1002, "client frames must be masked"}
	}
	n, hl := int64(b[1]&0x7f), 2
	switch n {
	case 126:
		if len(b) < 4 {
			return f, 0, errIncomplete
		}
		n, hl = int64(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return f, 0, errIncomplete
		}
		u := binary.BigEndian.Uint64(b[2:])
		if u > 1<<62 {
			return f, 0, &protocolError{1009, "frame too big"}
		}
		n, hl = int64(u), 10
	}
	if f.op.IsControl() && (n > 125 || !f.fin) {
		return f, 0, &protocolError{1002, "bad control frame"}
	}
	if n > limit {
		return f, 0, &protocolError{1009, "frame too big"}
	}
	if int64(len(b)) < int64(hl+4)+n {
		return f, 0, errIncomplete
	}
	var mask [4]byte
	copy(mask[:], b[hl:hl+4])
	start := hl + 4
	f.payload = b[start : start+int(n)]
	ws.Cipher(f.payload, mask, 0)
	return f, start + int(n), nil
}

// assembler joins the fragments of a client message. Browsers send each
// message as one frame, so it holds nothing almost always.
type assembler struct {
	buf     []byte
	started bool
}

// add takes one data frame and returns a complete message when there is one.
// The returned slice is only valid until the next call. Client frames are
// JSON text (docs/protocol.md), so a binary message is refused at its first
// frame with 1003 rather than read as JSON that skipped the UTF-8 check.
func (a *assembler) add(f frame, limit int) ([]byte, error) {
	switch f.op {
	case ws.OpText, ws.OpBinary:
		if a.started {
			return nil, &protocolError{1002, "new message inside a fragmented one"}
		}
		if f.op == ws.OpBinary {
			return nil, &protocolError{1003, "binary messages are not accepted: send JSON in text messages"}
		}
		if f.fin {
			if !utf8.Valid(f.payload) {
				return nil, &protocolError{1007, "text is not UTF-8"}
			}
			return f.payload, nil
		}
		a.started = true
		a.buf = append(a.buf[:0], f.payload...)
	case ws.OpContinuation:
		if !a.started {
			return nil, &protocolError{1002, "continuation without a message"}
		}
		if len(a.buf)+len(f.payload) > limit {
			return nil, &protocolError{1009, "message too big"}
		}
		a.buf = append(a.buf, f.payload...)
		if !f.fin {
			return nil, nil
		}
		a.started = false
		msg := a.buf
		a.buf = nil
		if !utf8.Valid(msg) {
			return nil, &protocolError{1007, "text is not UTF-8"}
		}
		return msg, nil
	default:
		return nil, &protocolError{1002, "unknown opcode"}
	}
	return nil, nil
}
