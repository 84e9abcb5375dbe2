package testserver

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// reportTB records what keepLogs asks of a test, which it then fails or not.
type reportTB struct {
	testing.TB
	failed   bool
	cleanups []func()
	logs     []string
}

func (r *reportTB) Cleanup(f func())             { r.cleanups = append(r.cleanups, f) }
func (r *reportTB) Failed() bool                 { return r.failed }
func (r *reportTB) Logf(format string, a ...any) { r.logs = append(r.logs, fmt.Sprintf(format, a...)) }

func (r *reportTB) end(failed bool) {
	r.failed = failed
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// A node's log lines reach the report of a test that failed, and only then.
func TestNodeLogIsShownWhenTheTestFails(t *testing.T) {
	for _, failed := range []bool{false, true} {
		r := &reportTB{TB: t}
		log := slog.New(slog.NewTextHandler(keepLogs(r, &Server{Addr: "127.0.0.1:1"}), nil))
		log.Warn("redis bus: publishing failed", "events", 3)
		r.end(failed)
		if !failed {
			if len(r.logs) != 0 {
				t.Errorf("a passing test printed %q", r.logs)
			}
			continue
		}
		if len(r.logs) != 1 || !strings.Contains(r.logs[0], "127.0.0.1:1") || !strings.Contains(r.logs[0], `publishing failed" events=3`) {
			t.Fatalf("a failing test printed %q, want the node's address and its line", r.logs)
		}
	}
}
