package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"parley/internal/testserver"
)

// A node serves the web client (the build, or the page saying to run make
// build when it never ran) at / and client routes, with its security
// headers, while unknown API paths keep the JSON 404.
func TestNodeServesTheWebClientOutsideTheAPI(t *testing.T) {
	srv := testserver.Start(t)
	for _, path := range []string{"/", "/rooms/0194f0a5-1111-7222-8333-444455556666"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if !strings.Contains(string(body), "<title>Parley</title>") {
			t.Fatalf("GET %s is not the client's page: %.200s", path, body)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Fatalf("GET %s: CSP %q", path, csp)
		}
	}
	resp, err := http.Get(srv.URL + "/api/v1/no/such/thing")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || resp.StatusCode != http.StatusNotFound || e.Error.Code != "not_found" {
		t.Fatalf("unknown API path: %d, code %q, %v", resp.StatusCode, e.Error.Code, err)
	}
}
