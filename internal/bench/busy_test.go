package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"parley/client"
)

// A REST call the server answers 503 (busy) is made again until it gets a
// real answer; any other error is the answer.
func TestPreparationRetriesWhileTheServerIsBusy(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch n := calls.Add(1); {
		case n <= 2:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"error":{"code":"unavailable","message":"password hashing is busy"}}`))
		case n == 3:
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"id":"u1","username":"bench_1","display_name":"bench_1","status_message":"","created_at":"2026-01-01T00:00:00.000Z"}`))
		default:
			w.WriteHeader(http.StatusConflict)
			w.Write([]byte(`{"error":{"code":"conflict","message":"taken"}}`))
		}
	}))
	defer srv.Close()
	api := client.New(srv.URL)
	ctx := context.Background()
	if err := whenNotBusy(ctx, func() error { _, err := api.Signup(ctx, "bench_1", "password-1", "bench_1"); return err }); err != nil {
		t.Fatalf("signup after two 503s: %v", err)
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("%d calls, want 3", n)
	}
	err := whenNotBusy(ctx, func() error { _, err := api.Signup(ctx, "bench_1", "password-1", "bench_1"); return err })
	if client.ErrorCode(err) != "conflict" || calls.Load() != 4 {
		t.Fatalf("a conflict = %v after %d calls, want it returned at once", err, calls.Load())
	}
}
