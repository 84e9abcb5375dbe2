package e2e

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"parley/internal/server"
	"parley/internal/testserver"
)

// A request body trickled slower than --min-body-rate is cut once its grace
// is over: the request is answered 400 and the connection closed, long before
// the sender would have finished.
func TestTrickledBodyIsCut(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) {
		c.BodyTimeout, c.MinBodyRate = 300*time.Millisecond, 1000
	})
	alice := srv.NewUser(t, "alice")
	nc, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	const size = 10000 // at 5 bytes a second: over half an hour
	head := "POST /api/v1/rooms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
		"Authorization: Bearer " + alice.Token() + "\r\nContent-Length: 10000\r\n\r\n{\"name\":\""
	if _, err := nc.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for range size {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := nc.Write([]byte("a")); err != nil {
				return
			}
		}
	}()
	nc.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		t.Fatalf("no answer to a trickled body: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !resp.Close {
		t.Fatalf("trickled body: %d (close %v), want 400 and the connection closed", resp.StatusCode, resp.Close)
	}
}

// Headers that never finish do not hold a connection past --header-timeout.
func TestSlowHeadersAreCut(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) { c.HeaderTimeout = 300 * time.Millisecond })
	nc, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	nc.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, err = nc.Read(make([]byte, 1024))
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the server still holds a connection whose headers never ended")
	}
}

// Pings count against the frame budget: a ping flood gets no more pongs
// than the budget and is closed with 1008.
func TestPingFloodIsClosed(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) {
		c.Realtime.FramesPerSecond, c.Realtime.FrameBurst = 5, 10
	})
	alice := srv.NewUser(t, "alice")
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+srv.Addr+"/api/v1/ws?token="+alice.Token(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, _, err := ws.ReadMessage(); err != nil { // ready
		t.Fatal(err)
	}
	pongs := 0
	ws.SetPongHandler(func(string) error { pongs++; return nil })
	ping := []byte{0x89, 0x80, 0, 0, 0, 0} // masked with the key 0 0 0 0
	flood := []byte(strings.Repeat(string(ping), 1000))
	if _, err := ws.NetConn().Write(flood); err != nil {
		t.Fatal(err)
	}
	for {
		if _, _, err = ws.ReadMessage(); err != nil {
			break
		}
	}
	if !websocket.IsCloseError(err, websocket.ClosePolicyViolation) {
		t.Fatalf("after a ping flood: %v, want close 1008", err)
	}
	if pongs > 10+5 { // the burst, and what refilled meanwhile on a slow machine
		t.Errorf("%d pongs to a flood, want at most the burst", pongs)
	}
}

// Looking users up by name shares the search budget: probing usernames one
// by one is refused like a search flood.
func TestUserLookupIsRateLimited(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.NewUser(t, "alice")
	srv.NewUser(t, "bob")
	limited := false
	for range 40 {
		_, err := alice.Client.User(ctxT(t), "bob")
		if err != nil {
			mustCode(t, err, "rate_limited")
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("40 lookups at once were all answered")
	}
}
