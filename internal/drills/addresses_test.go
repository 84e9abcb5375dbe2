package drills

import (
	"context"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"parley/client"
)

// from is a client of base whose connections come from ip (loopback has all
// of 127/8), as if it were another machine in front of the balancer.
func from(base, ip string) *client.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	return client.New(base).WithHTTPClient(&http.Client{Transport: &http.Transport{DialContext: d.DialContext}})
}

// clientAddressesThroughNginx: behind the shipped nginx, each client's own
// address reaches the nodes (nginx sets X-Forwarded-For, the nodes trust
// nginx alone). A client at 127.0.0.2 spends its failed-login budget on
// dora; dora, at 127.0.0.3, logs in at once — had the nodes seen nginx's
// address for both, she would be refused too.
func clientAddressesThroughNginx(t *testing.T, base string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := client.New(base).Signup(ctx, "dora", "password-dora", ""); err != nil {
		t.Fatal(err)
	}
	attacker := from(base, "127.0.0.2")
	var last error
	for range 11 { // the default budget is 10 per username and address
		_, _, last = attacker.Login(ctx, "dora", "a-wrong-guess")
	}
	if client.ErrorCode(last) != "rate_limited" {
		t.Fatalf("11th wrong guess from 127.0.0.2: %v, want rate_limited", last)
	}
	// Even a forged X-Forwarded-For does not help the attacker: nginx
	// replaces it.
	spoofed := attacker.WithHTTPClient(&http.Client{Transport: forwardedFor("127.0.0.9")})
	if _, _, err := spoofed.Login(ctx, "dora", "password-dora"); client.ErrorCode(err) != "rate_limited" {
		t.Fatalf("127.0.0.2 claiming to be 127.0.0.9: %v, want rate_limited", err)
	}
	dora, _, err := from(base, "127.0.0.3").WithUserAgent("drill").Login(ctx, "dora", "password-dora")
	if err != nil {
		t.Fatalf("dora from 127.0.0.3 while 127.0.0.2 is locked out: %v", err)
	}
	sessions, err := dora.Sessions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sessions) != 1 || sessions[0].Address != "127.0.0.3" {
		t.Fatalf("dora's sessions = %+v, want one from 127.0.0.3", sessions)
	}
}

// forwardedFor sends requests from 127.0.0.2 claiming, in X-Forwarded-For,
// to come from another address.
type forwardedFor string

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r.Header.Set("X-Forwarded-For", string(f))
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: 10 * time.Second}
	return (&http.Transport{DialContext: d.DialContext}).RoundTrip(r)
}

// noSecretsInNginxLog opens WebSockets through nginx with ?token= and
// ?ticket= and checks that nginx's access log names neither.
func noSecretsInNginxLog(t *testing.T, wsBase, token, logPath string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := client.New("http" + strings.TrimPrefix(wsBase, "ws")).WithToken(token)
	tk, err := c.WSTicket(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{wsBase + "/api/v1/ws?token=" + token, wsBase + "/api/v1/ws?ticket=" + tk.Ticket} {
		ws, _, err := websocket.DefaultDialer.DialContext(ctx, u, nil)
		if err != nil {
			t.Fatalf("%s: %v", u[:strings.Index(u, "?")], err)
		}
		ws.Close()
	}
	// nginx writes a WebSocket's log line when it closes; wait for both.
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := os.ReadFile(logPath)
		log := string(b)
		if strings.Contains(log, token) || strings.Contains(log, tk.Ticket) || strings.Contains(log, "token=") || strings.Contains(log, "ticket=") {
			t.Fatalf("nginx logged a secret:\n%s", log)
		}
		if strings.Count(log, "GET /api/v1/ws HTTP") >= 2 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx's access log has no line for the WebSockets:\n%s", log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
