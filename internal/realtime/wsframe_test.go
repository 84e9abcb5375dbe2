package realtime

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/gobwas/ws"
)

// clientFrame builds a frame as a client sends it: masked.
func clientFrame(fin bool, op ws.OpCode, payload []byte) []byte {
	f := ws.NewFrame(op, fin, bytes.Clone(payload))
	f = ws.MaskFrameWith(f, [4]byte{1, 2, 3, 4})
	return ws.MustCompileFrame(f)
}

func TestParseFrame(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 300)
	unmasked := ws.MustCompileFrame(ws.NewTextFrame([]byte("hi")))
	long := binary.BigEndian.AppendUint64([]byte{0x81, 0xff}, 1<<40)
	cases := []struct {
		name    string
		in      []byte
		limit   int64
		op      ws.OpCode
		payload []byte
		code    int // close code of a protocol error, 0 for none
		partial bool
	}{
		{"small text", clientFrame(true, ws.OpText, []byte("hello")), 100, ws.OpText, []byte("hello"), 0, false},
		{"16-bit length", clientFrame(true, ws.OpText, big), 1000, ws.OpText, big, 0, false},
		{"ping", clientFrame(true, ws.OpPing, []byte("p")), 100, ws.OpPing, []byte("p"), 0, false},
		{"empty", nil, 100, 0, nil, 0, true},
		{"one byte", clientFrame(true, ws.OpText, []byte("hello"))[:1], 100, 0, nil, 0, true},
		{"header only", clientFrame(true, ws.OpText, []byte("hello"))[:6], 100, 0, nil, 0, true},
		{"payload cut", clientFrame(true, ws.OpText, big)[:100], 1000, 0, nil, 0, true},
		{"unmasked", unmasked, 100, 0, nil, 1002, false},
		{"over the limit", clientFrame(true, ws.OpText, big), 100, 0, nil, 1009, false},
		{"64-bit length over the limit", long, 100, 0, nil, 1009, false},
		{"reserved bits", append([]byte{0xf1}, clientFrame(true, ws.OpText, []byte("a"))[1:]...), 100, 0, nil, 1002, false},
		{"fragmented ping", clientFrame(false, ws.OpPing, nil), 100, 0, nil, 1002, false},
		{"long ping", clientFrame(true, ws.OpPing, big), 1000, 0, nil, 1002, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, n, err := parseFrame(bytes.Clone(tc.in), tc.limit)
			var pe *protocolError
			switch {
			case tc.partial:
				if !errors.Is(err, errIncomplete) {
					t.Fatalf("err = %v, want incomplete", err)
				}
			case tc.code != 0:
				if !errors.As(err, &pe) || pe.code != tc.code {
					t.Fatalf("err = %v, want close code %d", err, tc.code)
				}
			case err != nil:
				t.Fatal(err)
			default:
				if n != len(tc.in) || f.op != tc.op || !bytes.Equal(f.payload, tc.payload) {
					t.Fatalf("got op %v, %d of %d bytes, payload %q", f.op, n, len(tc.in), f.payload)
				}
			}
		})
	}
}

func TestAssemblerJoinsFragments(t *testing.T) {
	var a assembler
	parts := []frame{{false, ws.OpText, []byte("hel")}, {false, ws.OpContinuation, []byte("lo ")}, {true, ws.OpContinuation, []byte("you")}}
	var got []byte
	for i, f := range parts {
		msg, err := a.add(f, 100)
		if err != nil {
			t.Fatal(err)
		}
		if (msg != nil) != (i == len(parts)-1) {
			t.Fatalf("fragment %d: message %q", i, msg)
		}
		got = msg
	}
	if string(got) != "hello you" {
		t.Fatalf("got %q", got)
	}
	bad := []struct {
		name   string
		frames []frame
		code   int
	}{
		{"continuation first", []frame{{true, ws.OpContinuation, []byte("x")}}, 1002},
		{"new message inside one", []frame{{false, ws.OpText, []byte("x")}, {true, ws.OpText, []byte("y")}}, 1002},
		{"invalid UTF-8", []frame{{true, ws.OpText, []byte{0xff, 0xfe}}}, 1007},
		{"invalid UTF-8 across fragments", []frame{{false, ws.OpText, []byte{0xe2, 0x82}}, {true, ws.OpContinuation, []byte{0xff}}}, 1007},
		{"too big in pieces", []frame{{false, ws.OpText, bytes.Repeat([]byte("x"), 60)}, {true, ws.OpContinuation, bytes.Repeat([]byte("x"), 60)}}, 1009},
		{"unknown opcode", []frame{{true, ws.OpCode(0x3), nil}}, 1002},
		{"binary", []frame{{true, ws.OpBinary, []byte(`{"type":"ping"}`)}}, 1003},
		{"binary, first fragment", []frame{{false, ws.OpBinary, []byte(`{"type"`)}}, 1003},
		{"binary inside a text message", []frame{{false, ws.OpText, []byte("x")}, {true, ws.OpBinary, []byte("y")}}, 1002},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			var a assembler
			var err error
			for _, f := range tc.frames {
				if _, err = a.add(f, 100); err != nil {
					break
				}
			}
			var pe *protocolError
			if !errors.As(err, &pe) || pe.code != tc.code {
				t.Fatalf("err = %v, want close code %d", err, tc.code)
			}
		})
	}
	// A fragmented message split over an invalid UTF-8 boundary is fine once whole.
	var b assembler
	b.add(frame{false, ws.OpText, []byte{0xe2, 0x82}}, 100)
	if msg, err := b.add(frame{true, ws.OpContinuation, []byte{0xac}}, 100); err != nil || string(msg) != "€" {
		t.Fatalf("got %q, %v", msg, err)
	}
}

func TestCloseReceived(t *testing.T) {
	for _, tc := range []struct {
		name    string
		payload []byte
		echo    int // the code answered with, when the close is accepted
		fail    int // the close code of a protocol error
	}{
		{"no body", nil, 1000, 0},
		{"normal", ws.NewCloseFrameBody(1000, "bye"), 1000, 0},
		{"going away", ws.NewCloseFrameBody(1001, ""), 1001, 0},
		{"application code", ws.NewCloseFrameBody(3000, ""), 3000, 0},
		{"private code", ws.NewCloseFrameBody(4999, "x"), 4999, 0},
		{"one byte", []byte{0x03}, 0, 1002},
		{"below 1000", ws.NewCloseFrameBody(999, ""), 0, 1002},
		{"1004 is reserved", ws.NewCloseFrameBody(1004, ""), 0, 1002},
		{"1005 is never sent", ws.NewCloseFrameBody(1005, ""), 0, 1002},
		{"1006 is never sent", ws.NewCloseFrameBody(1006, ""), 0, 1002},
		{"1015 is never sent", ws.NewCloseFrameBody(1015, ""), 0, 1002},
		{"unassigned protocol code", ws.NewCloseFrameBody(2000, ""), 0, 1002},
		{"above 4999", ws.NewCloseFrameBody(5000, ""), 0, 1002},
		{"reason not UTF-8", ws.NewCloseFrameBody(1000, "\xff"), 0, 1007},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := closeReceived(tc.payload)
			var pc *peerClosed
			var pe *protocolError
			switch {
			case tc.echo != 0 && (!errors.As(err, &pc) || pc.code != tc.echo):
				t.Fatalf("got %v, want the close echoed with %d", err, tc.echo)
			case tc.fail != 0 && (!errors.As(err, &pe) || pe.code != tc.fail):
				t.Fatalf("got %v, want a protocol error %d", err, tc.fail)
			}
		})
	}
}

func TestAppendHeader(t *testing.T) {
	for _, n := range []int{0, 125, 126, 65535, 65536, 1 << 20} {
		h, err := ws.ReadHeader(bytes.NewReader(appendTextHeader(nil, n)))
		if err != nil || h.Length != int64(n) || h.OpCode != ws.OpText || !h.Fin || h.Masked {
			t.Fatalf("n=%d: header %+v, %v", n, h, err)
		}
	}
}

// FuzzParseFrame feeds arbitrary bytes to the frame parser, as a hostile
// client would: it must never panic, never claim more bytes than it was
// given, and never return a payload over the limit.
func FuzzParseFrame(f *testing.F) {
	f.Add(clientFrame(true, ws.OpText, []byte(`{"type":"ping"}`)))
	f.Add(clientFrame(false, ws.OpText, []byte("frag")))
	f.Add(clientFrame(true, ws.OpClose, ws.NewCloseFrameBody(1000, "bye")))
	f.Add(binary.BigEndian.AppendUint64([]byte{0x81, 0xff}, 1<<63-1))
	f.Add([]byte{0x81, 0xfe, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		const limit = 1 << 10
		var a assembler
		for len(b) > 0 {
			fr, n, err := parseFrame(b, limit)
			if err != nil {
				return
			}
			if n <= 0 || n > len(b) || len(fr.payload) > limit {
				t.Fatalf("consumed %d of %d, payload %d", n, len(b), len(fr.payload))
			}
			if !fr.op.IsControl() {
				if _, err := a.add(fr, limit); err != nil {
					return
				}
			}
			b = b[n:]
		}
	})
}
