package e2e

import (
	"net"
	"net/http"
	"strings"
	"testing"

	"parley/internal/server"
	"parley/internal/testserver"
)

// Every API answer tells browsers not to sniff it, errors and health checks
// included.
func TestAPIAnswersCarryNosniff(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.NewUser(t, "alice")
	for _, path := range []string{"/healthz", "/api/v1/me", "/api/v1/rooms/nope", "/api/v1/nowhere"} {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+alice.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s (%d): X-Content-Type-Options %q", path, resp.StatusCode, got)
		}
	}
}

// A JSON endpoint takes only a body declared as JSON: a cross-site form or
// text/plain post (no CORS preflight) is refused before it is read.
func TestJSONEndpointsRequireJSONContentType(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.NewUser(t, "alice")
	body := `{"name":"x"}`
	for _, tt := range []struct {
		contentType string
		status      int
		code        string
	}{
		{"", 415, "unsupported_media_type"},
		{"text/plain", 415, "unsupported_media_type"},
		{"application/x-www-form-urlencoded", 415, "unsupported_media_type"},
		{"multipart/form-data; boundary=x", 415, "unsupported_media_type"},
		{"application/json", 201, ""},
		{"application/json; charset=utf-8", 201, ""},
		{"Application/JSON", 201, ""},
	} {
		t.Run(tt.contentType, func(t *testing.T) {
			req, _ := http.NewRequest("POST", srv.URL+"/api/v1/rooms", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+alice.Token())
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			status, e := doRaw(t, req)
			if status != tt.status || e.Code != tt.code {
				t.Fatalf("Content-Type %q: %d %q, want %d %q", tt.contentType, status, e.Code, tt.status, tt.code)
			}
		})
	}
}

// With --metrics-addr, /metrics is served there and no longer on the public
// address.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := ln.Addr().String()
	ln.Close()
	srv := testserver.Start(t, func(c *server.Config) { c.MetricsAddr = metricsAddr })
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("public /metrics: %d, want 404", resp.StatusCode)
	}
	// The private listener is up before the node reports its address.
	resp, err = http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("private /metrics: %d", resp.StatusCode)
	}
}
