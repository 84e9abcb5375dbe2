package e2e

import (
	"context"
	"encoding/binary"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"parley/internal/testserver"
)

// tricklingConn delivers everything the client writes one byte at a time,
// so frames reach the server split at every possible point.
type tricklingConn struct{ net.Conn }

func (c tricklingConn) Write(p []byte) (int, error) {
	for i := range p {
		if _, err := c.Conn.Write(p[i : i+1]); err != nil {
			return i, err
		}
		time.Sleep(100 * time.Microsecond)
	}
	return len(p), nil
}

// The server reads frames however the bytes arrive: split anywhere,
// fragmented into continuation frames, interleaved with control frames.
func TestFramesSplitAndFragmentedAreRead(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.NewUser(t, "alice")
	d := websocket.Dialer{
		// A 16-byte write buffer makes gorilla send each message as a series
		// of continuation frames.
		WriteBufferSize: 16,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			return tricklingConn{c}, err
		},
	}
	ws, _, err := d.Dial("ws://"+srv.Addr+"/api/v1/ws?token="+alice.Token(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(time.Minute))
	if _, data, err := ws.ReadMessage(); err != nil || !strings.Contains(string(data), `"type":"ready"`) {
		t.Fatalf("ready: %s %v", data, err)
	} else {
		testserver.CheckFrames(t, data)
	}
	pong := make(chan string, 1)
	ws.SetPongHandler(func(s string) error { pong <- s; return nil })
	if err := ws.WriteControl(websocket.PingMessage, []byte("are you there"), time.Now().Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"first-request-with-a-long-id", "second"} {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"id":"`+id+`","type":"ping"}`)); err != nil {
			t.Fatal(err)
		}
		_, data, err := ws.ReadMessage() // also runs the pong handler
		if err != nil || !strings.Contains(string(data), `"type":"ack","id":"`+id+`"`) {
			t.Fatalf("request %d: %s %v", i, data, err)
		}
		testserver.CheckFrames(t, data)
	}
	select {
	case got := <-pong:
		if got != "are you there" {
			t.Fatalf("pong payload %q", got)
		}
	default:
		t.Fatal("no pong for the ping")
	}
	// The close handshake: the server answers with the same code.
	ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, ""), time.Now().Add(5*time.Second))
	_, _, err = ws.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("after close: %v, want close 1001 echoed", err)
	}
}

// Invalid framing closes that connection with the RFC's code, and the
// server goes on serving everyone else. Every close code the server sends
// for a client's fault is here (docs/protocol.md, Close codes).
func TestBadFramingClosesWithProtocolCodes(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.NewUser(t, "alice")
	// Frames as a client sends them, masked with the key 0 0 0 0.
	long := binary.BigEndian.AppendUint64([]byte{0x81, 0xff}, 70<<10)
	cases := []struct {
		name  string
		frame []byte
		code  int
	}{
		{"unmasked frame", []byte{0x81, 0x02, 'h', 'i'}, websocket.CloseProtocolError},
		{"reserved bit", []byte{0xc1, 0x81, 0, 0, 0, 0, 'x'}, websocket.CloseProtocolError},
		{"unknown opcode", []byte{0x83, 0x80, 0, 0, 0, 0}, websocket.CloseProtocolError},
		{"fragmented ping", []byte{0x09, 0x80, 0, 0, 0, 0}, websocket.CloseProtocolError},
		{"continuation first", []byte{0x80, 0x81, 0, 0, 0, 0, 'x'}, websocket.CloseProtocolError},
		{"new message inside a fragmented one", []byte{0x01, 0x81, 0, 0, 0, 0, '{', 0x81, 0x81, 0, 0, 0, 0, '}'}, websocket.CloseProtocolError},
		{"binary message", []byte{0x82, 0x8f, 0, 0, 0, 0, '{', '"', 't', 'y', 'p', 'e', '"', ':', '"', 'p', 'i', 'n', 'g', '"', '}'}, websocket.CloseUnsupportedData},
		{"binary, first fragment", []byte{0x02, 0x81, 0, 0, 0, 0, '{'}, websocket.CloseUnsupportedData},
		{"invalid UTF-8", []byte{0x81, 0x82, 0, 0, 0, 0, 0xff, 0xfe}, websocket.CloseInvalidFramePayloadData},
		{"invalid UTF-8 across fragments", []byte{0x01, 0x81, 0, 0, 0, 0, 0xe2, 0x80, 0x81, 0, 0, 0, 0, 0xff}, websocket.CloseInvalidFramePayloadData},
		{"frame over 64 KiB", append(long, 0, 0, 0, 0), websocket.CloseMessageTooBig},
		{"close with a 1-byte body", []byte{0x88, 0x81, 0, 0, 0, 0, 0x03}, websocket.CloseProtocolError},
		{"close with 1005", []byte{0x88, 0x82, 0, 0, 0, 0, 0x03, 0xed}, websocket.CloseProtocolError},
		{"close with 5000", []byte{0x88, 0x82, 0, 0, 0, 0, 0x13, 0x88}, websocket.CloseProtocolError},
		{"close reason not UTF-8", []byte{0x88, 0x83, 0, 0, 0, 0, 0x03, 0xe8, 0xff}, websocket.CloseInvalidFramePayloadData},
		{"close with 4321 is echoed", []byte{0x88, 0x82, 0, 0, 0, 0, 0x10, 0xe1}, 4321},
		{"close without a code is answered with 1000", []byte{0x88, 0x80, 0, 0, 0, 0}, websocket.CloseNormalClosure},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ws, _, err := websocket.DefaultDialer.Dial("ws://"+srv.Addr+"/api/v1/ws?token="+alice.Token(), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			ws.SetReadDeadline(time.Now().Add(time.Minute))
			_, data, err := ws.ReadMessage() // ready
			if err != nil {
				t.Fatal(err)
			}
			testserver.CheckFrames(t, data)
			if _, err := ws.NetConn().Write(tc.frame); err != nil {
				t.Fatal(err)
			}
			for {
				if _, data, err = ws.ReadMessage(); err != nil {
					break
				}
				testserver.CheckFrames(t, data)
			}
			if !websocket.IsCloseError(err, tc.code) {
				t.Fatalf("got %v, want close %d", err, tc.code)
			}
		})
	}
	c := alice.Connect(t) // the server is fine
	if _, err := c.Request(ctxT(t), "ping", nil); err != nil {
		t.Fatal(err)
	}
}
