package delivery

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"parley/internal/chat"
)

// benchRecipient queues what it is handed the way a connection does: a
// mutex and an append to a slice whose capacity is kept.
type benchRecipient struct {
	user  chat.UserID
	mu    sync.Mutex
	queue [][]byte
}

func (b *benchRecipient) User() chat.UserID { return b.user }
func (b *benchRecipient) Session() string   { return "" }
func (b *benchRecipient) Close(int, string) {}
func (b *benchRecipient) Enqueue(p []byte, _ int) {
	b.mu.Lock()
	b.queue = append(b.queue, p)
	b.mu.Unlock()
}

func benchRoom(b *testing.B, cfg Config, n int) (*Hub, *room, []*benchRecipient) {
	h := NewHub(&fakeBus{}, nil, nil, cfg)
	r, _ := h.roomFor("room", 0)
	rs := make([]*benchRecipient, n)
	for i := range rs {
		rc := &benchRecipient{user: chat.UserID(fmt.Sprint("u", i)), queue: make([][]byte, 0, 4)}
		rs[i] = rc
		r.members[rc.user] = []*member{{Recipient: rc}}
	}
	r.dirty = true
	return h, r, rs
}

// BenchmarkHubFanOut measures handing one encoded event to every member of
// a room: the hub's cost and the recipients' enqueue. allocs/op must not
// grow with the number of recipients.
func BenchmarkHubFanOut(b *testing.B) {
	for _, n := range []int{100, 1000, 15000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			h, r, rs := benchRoom(b, Config{}, n)
			frame := EventFrame(chat.Event{Type: chat.EvMessage, Data: []byte(`{"room_id":"room","seq":1,"text":"hello"}`)})
			b.ReportAllocs()
			for b.Loop() {
				r.mu.Lock()
				h.fanOut(r, frame, 1)
				r.mu.Unlock()
				for _, rc := range rs { // drain, keeping capacity: what a writer does
					rc.queue = rc.queue[:0]
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
		})
	}
}

// BenchmarkHubBatchedBroadcast measures a busy big room: each op is one
// fan-out window holding 12 events (7,000 messages a minute at a 100 ms
// window), emitted and flushed to 15,000 recipients. Each gets one payload
// per window, whatever the number of events in it.
func BenchmarkHubBatchedBroadcast(b *testing.B) {
	const n, perWindow = 15000, 12
	h, r, rs := benchRoom(b, Config{FanoutWindow: time.Hour}, n)
	frame := EventFrame(chat.Event{Type: chat.EvMessage, Data: []byte(`{"room_id":"room","seq":1,"text":"hello"}`)})
	b.ReportAllocs()
	for b.Loop() {
		r.mu.Lock()
		for range perWindow {
			h.emit(r, frame)
		}
		h.flushLocked(r)
		r.mu.Unlock()
		for _, rc := range rs {
			rc.queue = rc.queue[:0]
		}
	}
	b.ReportMetric(float64(n*perWindow)*float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
}
