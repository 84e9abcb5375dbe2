package main

import (
	"bytes"
	"context"
	"maps"
	"math"
	"net"
	"net/http"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"testing"
	"time"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestServeStartsAndStopsOnCancel(t *testing.T) {
	addr := freeAddr(t)
	db := filepath.Join(t.TempDir(), "sub", "parley.db")
	env := map[string]string{"PARLEY_DB": db} // the environment is read too
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr}, func(k string) string { return env[k] }, &bytes.Buffer{}, &stderr)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil && resp.StatusCode == http.StatusOK {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v\n%s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	if !strings.Contains(stderr.String(), "parley serving") {
		t.Fatalf("no start log line in %q", stderr.String())
	}
}

func TestMigrateAndBadArguments(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	noEnv := func(string) string { return "" }
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "--db", db}, noEnv, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "migrations applied") {
		t.Fatalf("migrate printed %q", out.String())
	}
	// Twice is fine: migrations are versioned.
	if err := run(context.Background(), []string{"migrate", "--db", db}, noEnv, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"frobnicate"}, {"serve", "--no-such-flag"}, {"serve", "--log-format", "xml"},
		{"serve", "--hash-passes", "1"}, {"serve", "--hash-memory-kib", "16384"}, {"serve", "--hash-memory-kib", "-1"}} {
		if err := run(context.Background(), args, noEnv, &out, &bytes.Buffer{}); err == nil {
			t.Errorf("run %v succeeded, want an error", args)
		}
	}
	badEnv := func(k string) string {
		if k == "PARLEY_MESSAGE_BURST" {
			return "lots"
		}
		return ""
	}
	if err := run(context.Background(), []string{"serve"}, badEnv, &out, &bytes.Buffer{}); err == nil {
		t.Error("a malformed environment variable was accepted")
	}
}

// serve sets the Go runtime's memory from its flags, GOGC and GOMEMLIMIT
// being their defaults like for any Go program (decision 0046).
func TestServeSetsTheRuntimeMemory(t *testing.T) {
	settings := func() (gogc, limit uint64) {
		s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
		metrics.Read(s)
		return s[0].Value.Uint64(), s[1].Value.Uint64()
	}
	gogc, limit := settings()
	t.Cleanup(func() {
		debug.SetGCPercent(int(gogc))
		debug.SetMemoryLimit(int64(limit))
	})
	for _, c := range []struct {
		env       map[string]string
		args      []string
		gogc      uint64
		limitWant uint64
	}{
		{map[string]string{"GOGC": "50"}, nil, 50, limit}, // the limit the runtime started with (GOMEMLIMIT, if the test has one)
		{map[string]string{"GOGC": "50", "PARLEY_GC_PERCENT": "70"}, []string{"--memory-limit", "1073741824"}, 70, 1 << 30},
		{nil, []string{"--gc-percent", "80", "--memory-limit", "0"}, 80, math.MaxInt64},
	} {
		addr := freeAddr(t)
		c.env = maps.Clone(c.env)
		if c.env == nil {
			c.env = map[string]string{}
		}
		c.env["PARLEY_DB"] = filepath.Join(t.TempDir(), "parley.db")
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		var stderr bytes.Buffer
		go func() {
			done <- run(ctx, append([]string{"serve", "--addr", addr}, c.args...), func(k string) string { return c.env[k] }, &bytes.Buffer{}, &stderr)
		}()
		deadline := time.Now().Add(20 * time.Second)
		for {
			resp, err := http.Get("http://" + addr + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("server not ready: %v\n%s", err, stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		if g, l := settings(); g != c.gogc || l != c.limitWant {
			t.Errorf("env %v, args %v: GOGC %d, limit %d; want %d, %d", c.env, c.args, g, l, c.gogc, c.limitWant)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("run returned %v", err)
		}
	}
}
