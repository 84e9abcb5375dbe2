package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestWebClientIsServedOutsideTheAPI(t *testing.T) {
	files := fstest.MapFS{
		"index.html":              {Data: []byte("<!doctype html><title>Parley</title>")},
		"favicon.svg":             {Data: []byte("<svg/>")},
		"assets/index-Ab12Cd.js":  {Data: []byte("console.log(1)")},
		"assets/index-Ef34Gh.css": {Data: []byte("body{}")},
	}
	r, err := New(Deps{Web: files, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	const index, immutable, revalidate = "index", "public, max-age=31536000, immutable", "no-cache"
	tests := []struct {
		name, method, path string
		status             int
		body               string // "index" = index.html, "json404" = the API's not_found error
		cache              string
		contentType        string
	}{
		{"root", "GET", "/", 200, index, revalidate, "text/html"},
		{"client route", "GET", "/rooms/0194f0a5-1111-7222-8333-444455556666", 200, index, revalidate, "text/html"},
		{"head of a client route", "HEAD", "/rooms", 200, "", revalidate, "text/html"},
		{"hashed script", "GET", "/assets/index-Ab12Cd.js", 200, "console.log(1)", immutable, "text/javascript"},
		{"hashed style", "GET", "/assets/index-Ef34Gh.css", 200, "body{}", immutable, "text/css"},
		{"unhashed file", "GET", "/favicon.svg", 200, "<svg/>", revalidate, "image/svg+xml"},
		{"missing asset is no page", "GET", "/assets/gone-123.js", 404, "not found", revalidate, "text/plain"},
		{"missing file is no page", "GET", "/robots.txt", 404, "not found", revalidate, "text/plain"},
		{"dot segments stay inside the build", "GET", "/assets/../../etc/passwd", 200, index, revalidate, "text/html"},
		{"unknown api path", "GET", "/api/v1/nope", 404, "json404", "", "application/json"},
		{"api root", "GET", "/api", 404, "json404", "", "application/json"},
		{"other api version", "GET", "/api/v2/rooms", 404, "json404", "", "application/json"},
		{"post outside the api", "POST", "/", 404, "json404", "", "application/json"},
		{"delete of a client route", "DELETE", "/rooms/x", 404, "json404", "", "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d (body %q)", w.Code, tt.status, w.Body.String())
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, tt.contentType) {
				t.Errorf("Content-Type %q, want %s", ct, tt.contentType)
			}
			if got := w.Header().Get("Cache-Control"); got != tt.cache {
				t.Errorf("Cache-Control %q, want %q", got, tt.cache)
			}
			switch tt.body {
			case "json404":
				var b ErrorBody
				if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil || b.Error.Code != "not_found" {
					t.Fatalf("body %q is not the API's not_found error", w.Body.String())
				}
				if w.Header().Get("Content-Security-Policy") != "" {
					t.Error("API answers carry the web client's headers")
				}
				if w.Header().Get("X-Content-Type-Options") != "nosniff" {
					t.Error("API answer without X-Content-Type-Options: nosniff")
				}
				return
			case index:
				if !strings.Contains(w.Body.String(), "<title>Parley</title>") {
					t.Fatalf("body %q is not index.html", w.Body.String())
				}
			default:
				if w.Body.String() != tt.body {
					t.Fatalf("body %q, want %q", w.Body.String(), tt.body)
				}
			}
			csp := w.Header().Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "connect-src 'self';"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			// 'self' already allows the page's own WebSocket (CSP Level 3);
			// a bare ws: or wss: would let script reach any host.
			if strings.Contains(csp, "ws:") || strings.Contains(csp, "wss:") {
				t.Errorf("CSP %q lets script connect to other hosts", csp)
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("CSP %q allows inline or eval'd code", csp)
			}
			if w.Header().Get("X-Content-Type-Options") != "nosniff" || w.Header().Get("Referrer-Policy") == "" {
				t.Errorf("missing nosniff or Referrer-Policy: %v", w.Header())
			}
		})
	}
}

// Without a web build (Deps.Web nil) every unknown path keeps the API's 404.
func TestNoWebClientMeansJSON404(t *testing.T) {
	r, err := New(Deps{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Code != http.StatusNotFound || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("GET / without a web client: %d %q", w.Code, w.Body.String())
	}
}
