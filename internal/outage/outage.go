// Package outage is how a node lives through a dependency that fails for a
// while — PostgreSQL restarting, Redis unreachable: a Watch turns a stream of
// failures into two log lines, and Hold retries an operation for a bounded
// time instead of failing at the first error.
package outage

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Watch follows one operation that runs often — a heartbeat, a publish, a
// store read on a hot path — through failures. The first failure logs one
// WARN line; the failures after it are only counted; the first success after
// them logs one INFO line with the count and how long the failures lasted.
// During an outage a node that logged every failure would write thousands of
// identical lines a second and bury what changed; this writes two per
// operation per outage.
//
// The zero Watch is not usable; make one with New. It is safe for
// concurrent use, and Succeeded costs one atomic load while all is well.
type Watch struct {
	log *slog.Logger
	op  string

	down atomic.Bool
	mu   sync.Mutex
	n    int64     // failures since the operation went down
	last error     // the latest of them
	at   time.Time // when it went down
}

// New watches the operation op, logging to log.
func New(log *slog.Logger, op string) *Watch {
	if log == nil {
		log = slog.Default()
	}
	return &Watch{log: log, op: op}
}

// Failed records a failure of the operation. Only the first failure of an
// outage is logged, at WARN, with err and attrs (slog key-value pairs).
func (w *Watch) Failed(err error, attrs ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.n++
	w.last = err
	if w.down.Load() {
		return
	}
	w.down.Store(true)
	w.at = time.Now()
	w.log.Warn(w.op+" failing; further failures are counted until it recovers", append(attrs, "err", err)...)
}

// Succeeded records a success. After failures it logs, at INFO, how many
// there were and for how long.
func (w *Watch) Succeeded() {
	if !w.down.Load() {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.down.Load() {
		return
	}
	w.down.Store(false)
	w.log.Info(w.op+" recovered", "failures", w.n, "down_ms", time.Since(w.at).Milliseconds(), "last_err", w.last)
	w.n, w.last = 0, nil
}

// Observe records err: a failure when it is not nil, else a success.
func (w *Watch) Observe(err error, attrs ...any) {
	if err != nil {
		w.Failed(err, attrs...)
		return
	}
	w.Succeeded()
}

// Down reports whether the operation's last outcome was a failure.
func (w *Watch) Down() bool { return w.down.Load() }

// Set is the watches of one component, one per operation, each made on
// the operation's first outcome: call sites name their operation instead of
// declaring a Watch each.
type Set struct {
	log     *slog.Logger
	watches sync.Map // op → *Watch
}

// NewSet returns an empty Set logging to log.
func NewSet(log *slog.Logger) *Set {
	if log == nil {
		log = slog.Default()
	}
	return &Set{log: log}
}

// Watch returns the watch of op.
func (s *Set) Watch(op string) *Watch {
	if w, ok := s.watches.Load(op); ok {
		return w.(*Watch)
	}
	w, _ := s.watches.LoadOrStore(op, New(s.log, op))
	return w.(*Watch)
}

// Observe records an outcome of op (Watch.Observe).
func (s *Set) Observe(op string, err error, attrs ...any) { s.Watch(op).Observe(err, attrs...) }

// Hold calls fn until it succeeds, returns an error transient does not
// accept, or ctx ends; between calls it waits with backoff (100 ms doubling
// to 2 s). It returns fn's last error, or nil. A call cut short by ctx's end
// does not hide the error before it: the caller learns what kept failing,
// not that time ran out.
func Hold(ctx context.Context, transient func(error) bool, fn func(context.Context) error) error {
	var last error
	wait := 100 * time.Millisecond
	for {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil && last != nil {
			return last
		}
		last = err
		if !transient(err) || ctx.Err() != nil {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return last
		case <-t.C:
		}
		wait = min(wait*2, 2*time.Second)
	}
}
