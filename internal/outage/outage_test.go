package outage

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// lines is a log that counts what it was given.
type lines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Split(strings.TrimSpace(l.buf.String()), "\n")
}

// A thousand failures from many goroutines are one WARN line; the success
// after them is one INFO line with their count; a second outage logs again.
func TestWatchLogsStateChangesNotFailures(t *testing.T) {
	out := &lines{}
	w := New(slog.New(slog.NewTextHandler(out, nil)), "redis presence: heartbeat")
	down := errors.New("connection refused")
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				w.Failed(down, "node", "n1")
			}
		}()
	}
	wg.Wait()
	if !w.Down() {
		t.Fatal("not down after failures")
	}
	w.Succeeded()
	w.Succeeded()
	w.Observe(down)
	w.Observe(nil)
	got := out.all()
	if len(got) != 4 {
		t.Fatalf("%d lines for two outages, want 4:\n%s", len(got), strings.Join(got, "\n"))
	}
	for i, want := range []string{"level=WARN", "level=INFO", "level=WARN", "level=INFO"} {
		if !strings.Contains(got[i], want) || !strings.Contains(got[i], "redis presence: heartbeat") {
			t.Errorf("line %d = %s, want %s about the operation", i, got[i], want)
		}
	}
	if !strings.Contains(got[0], "node=n1") || !strings.Contains(got[0], "connection refused") {
		t.Errorf("the first line lacks the attributes or the error: %s", got[0])
	}
	if !strings.Contains(got[1], "failures=1000") {
		t.Errorf("the recovery line does not count the failures: %s", got[1])
	}
}

// A Set keeps one watch per operation: each operation's outage is its own.
func TestSetWatchesEachOperation(t *testing.T) {
	out := &lines{}
	s := NewSet(slog.New(slog.NewTextHandler(out, nil)))
	for range 50 {
		s.Observe("touch session", errors.New("db down"))
		s.Observe("receipts flush", errors.New("db down"))
	}
	s.Observe("touch session", nil)
	if got := out.all(); len(got) != 3 {
		t.Fatalf("%d lines, want 3 (two outages, one recovery):\n%s", len(got), strings.Join(got, "\n"))
	}
	if s.Watch("touch session").Down() || !s.Watch("receipts flush").Down() {
		t.Fatal("the operations' states are mixed up")
	}
}

func TestHold(t *testing.T) {
	transient := errors.New("unavailable")
	fatal := errors.New("bad")
	isTransient := func(err error) bool { return errors.Is(err, transient) }
	for _, c := range []struct {
		name    string
		results []error // fn's results in turn; the last repeats
		hold    time.Duration
		want    error
		calls   int // at least
	}{
		{"succeeds at once", []error{nil}, time.Second, nil, 1},
		{"succeeds after transient failures", []error{transient, transient, nil}, 10 * time.Second, nil, 3},
		{"other errors are not retried", []error{fatal}, 10 * time.Second, fatal, 1},
		{"the hold ends with the last error", []error{transient}, 500 * time.Millisecond, transient, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), c.hold)
			defer cancel()
			calls := 0
			err := Hold(ctx, isTransient, func(context.Context) error {
				r := c.results[min(calls, len(c.results)-1)]
				calls++
				return r
			})
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("Hold = %v, want %v", err, c.want)
			}
			if calls < c.calls {
				t.Fatalf("%d calls, want at least %d", calls, c.calls)
			}
		})
	}
}
