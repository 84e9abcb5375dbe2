package delivery

import (
	"context"
	"time"

	"parley/internal/chat"
)

// Config tunes delivery. Zero values take the defaults.
type Config struct {
	// FanoutWindow batches a big room's events: a room with at least
	// FanoutBatchConns connections on this node sends its events at most
	// once per window, as one payload written once to each connection. Many
	// events then share one write syscall per recipient, which is what lets a
	// node feed 15,000 watchers of a busy room. 0 = every event at once.
	FanoutWindow     time.Duration
	FanoutBatchConns int
	// CountWindow is how often, at most, a big room's counts (receipts, the
	// online count) go out. Counts are absolute, so those that change inside
	// the window are merged and only the newest value of each is sent: at a
	// few messages a second every watcher would otherwise parse a receipts
	// event per message. 0 = 1 s.
	CountWindow   time.Duration
	MaxFrameBytes int // a batch is cut before it grows past this (one WebSocket message)
	Metrics       Metrics
	Clock         Clock // time.Now and time.AfterFunc by default; tests pass a fake
}

// Metrics are the counters delivery keeps.
type Metrics interface {
	Connected(rc Recipient, delta int64) // rc attached (1) or detached (-1)
	Backfilled(n int)                    // messages read from the store to fill a gap
}

type noMetrics struct{}

func (noMetrics) Connected(Recipient, int64) {}
func (noMetrics) Backfilled(int)             {}

func (c Config) withDefaults() Config {
	if c.FanoutBatchConns <= 0 {
		c.FanoutBatchConns = 64
	}
	if c.CountWindow <= 0 {
		c.CountWindow = time.Second
	}
	if c.MaxFrameBytes <= 0 {
		c.MaxFrameBytes = 64 << 10
	}
	if c.Metrics == nil {
		c.Metrics = noMetrics{}
	}
	if c.Clock == nil {
		c.Clock = realClock{}
	}
	return c
}

// Clock is the time delivery schedules by: repairs of a seq gap and the
// flushes of fan-out windows.
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func())
}

type realClock struct{}

func (realClock) Now() time.Time                      { return time.Now() }
func (realClock) AfterFunc(d time.Duration, f func()) { time.AfterFunc(d, f) }

// Backfill returns a room's messages with after < seq <= upTo, oldest first.
// The hub calls it when it sees a seq jump, so clients never see a gap.
type Backfill func(ctx context.Context, room chat.RoomID, after, upTo int64) ([]chat.Message, error)

// EventFrame is an event as clients receive it: {"type":T,"data":D}.
func EventFrame(ev chat.Event) []byte {
	b := make([]byte, 0, len(ev.Data)+len(ev.Type)+20)
	b = append(b, `{"type":"`...)
	b = append(b, ev.Type...)
	b = append(b, `","data":`...)
	b = append(b, ev.Data...)
	return append(b, '}')
}
