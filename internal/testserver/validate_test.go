package testserver

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// recorder is a testing.TB that records Errorf instead of failing.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// The validator must be able to fail: a route the spec lacks and a response
// shape the spec forbids are both reported.
func TestValidatorReportsDrift(t *testing.T) {
	srv := Start(t)
	rec := &recorder{TB: t}
	hc := &http.Client{Transport: newValidatingTransport(rec, srv.URL)}
	c := srv.Client().WithHTTPClient(hc)

	// In the spec, with a valid response: no report.
	if _, err := c.Signup(context.Background(), "valid_user", "long-enough", "V"); err != nil {
		t.Fatal(err)
	}
	if len(rec.errors) != 0 {
		t.Fatalf("valid exchange reported: %v", rec.errors)
	}
	// Not in the spec.
	c.Do(context.Background(), "GET", "/api/v1/not-a-route", nil, nil)
	// A documented path with an undocumented method and status (405).
	c.Do(context.Background(), "DELETE", "/healthz", nil, nil)
	if len(rec.errors) < 2 {
		t.Fatalf("drift not reported, got %d reports: %v", len(rec.errors), rec.errors)
	}
	if !strings.Contains(strings.Join(rec.errors, "\n"), "not-a-route") {
		t.Fatalf("missing route not named: %v", rec.errors)
	}
}
