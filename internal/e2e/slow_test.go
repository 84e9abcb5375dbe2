package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"parley/internal/server"
	"parley/internal/testserver"
)

// A client that stops reading is disconnected once its bounded queue fills
// (or a write to it times out), and everyone else keeps receiving.
func TestSlowClientIsDisconnectedOthersUnaffected(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) { c.Realtime.MaxQueueBytes = 64 << 10 })
	alice, bob, slow := srv.NewUser(t, "alice"), srv.NewUser(t, "bob"), srv.NewUser(t, "slow")
	room := newRoom(t, alice, "firehose", bob, slow)
	ac, bc := alice.Connect(t), bob.Connect(t)

	// The slow client shrinks its receive buffer and never reads.
	dialer := websocket.Dialer{NetDialContext: (&net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return serr
	}}).DialContext}
	ws, _, err := dialer.Dial("ws://"+srv.Addr+"/api/v1/ws?token="+slow.Token(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()

	// The longest message in 4-byte characters, 16 KB an event, so few
	// sends fill the buffers; four senders at once share the store's commits.
	text := strings.Repeat("😀", 4000)
	const total, senders = 500, 4 // 8 MB: more than kernel buffers and the 64 KiB queue hold
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for w := range senders {
		wg.Go(func() {
			for i := w; i < total; i += senders {
				if _, err := ac.Send(context.Background(), room.ID, fmt.Sprint(i), text); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := collectSeqs(t, bc, room.ID, total, 2*time.Minute); len(got) != total {
		t.Fatalf("bob received %d of %d while another client stalled", len(got), total)
	}
	// Now read what the slow client was sent: some events, then close 4001.
	ws.SetReadDeadline(time.Now().Add(time.Minute))
	for {
		_, data, err := ws.ReadMessage()
		if err == nil {
			testserver.CheckFrames(t, data)
			continue
		}
		// 4001 when the close frame still fits in the socket; when even that
		// cannot be written the server cuts the connection (1006), which the
		// kernel may report as a reset or an early EOF, depending on what
		// was still unread when the socket closed.
		var ce *websocket.CloseError
		cut := errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
		if !cut && (!errors.As(err, &ce) || (ce.Code != 4001 && ce.Code != websocket.CloseAbnormalClosure)) {
			t.Fatalf("slow client ended with %v, want close 4001 or a cut connection", err)
		}
		return
	}
}

// A peer that answers no ping is reaped after the pong wait with 4002.
func TestSilentPeerIsReaped(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) {
		c.Realtime.PongWait = 600 * time.Millisecond
		c.Realtime.PingInterval = 200 * time.Millisecond
	})
	u := srv.NewUser(t, "quiet")
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+srv.Addr+"/api/v1/ws?token="+u.Token(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetPingHandler(func(string) error { return nil }) // a peer that never answers a ping
	ws.SetReadDeadline(time.Now().Add(time.Minute))
	for {
		_, data, err := ws.ReadMessage()
		if err == nil {
			testserver.CheckFrames(t, data)
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != 4002 {
			t.Fatalf("silent peer ended with %v, want close 4002", err)
		}
		return
	}
}

// With a write delay, events that arrive together share WebSocket messages,
// newline-separated (protocol principle 9), and none is lost.
func TestWriteDelayBatchesEvents(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) { c.Realtime.WriteDelay = 50 * time.Millisecond })
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "batched", bob)
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+srv.Addr+"/api/v1/ws?token="+bob.Token(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	_, data, err := ws.ReadMessage() // ready
	if err != nil {
		t.Fatal(err)
	}
	testserver.CheckFrames(t, data)
	ac := alice.Connect(t)
	const total = 40
	var wg sync.WaitGroup
	for i := range total {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := ac.Send(context.Background(), room.ID, fmt.Sprint("b", i), "x"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	messages, events := 0, 0
	ws.SetReadDeadline(time.Now().Add(time.Minute))
	for events < total {
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("after %d events in %d messages: %v", events, messages, err)
		}
		testserver.CheckFrames(t, data)
		messages++
		for _, line := range strings.Split(string(data), "\n") {
			if strings.Contains(line, `"type":"message"`) {
				events++
			}
		}
	}
	if messages >= events {
		t.Fatalf("%d events arrived in %d WebSocket messages: nothing was batched", events, messages)
	}
}
