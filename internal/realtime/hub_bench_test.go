package realtime

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"parley/internal/chat"
	"parley/internal/inmem"
)

// BenchmarkHubFanOut measures handing one encoded event to every member
// connection of a room. Connections are held (no writer), so this is the
// hub's cost alone; allocs/op must not grow with the number of recipients.
func BenchmarkHubFanOut(b *testing.B) {
	for _, n := range []int{100, 1000, 15000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			cfg := Config{MaxQueueBytes: 1 << 30}.withDefaults()
			h := NewHub(inmem.NewBus(), nil, slog.Default(), cfg)
			r, _ := h.room("room", 0)
			conns := make([]*Conn, n)
			for i := range conns {
				c := newConn(nil, chat.UserID(fmt.Sprint("u", i)), "", h.cfg)
				c.queue = make([]outFrame, 0, 4)
				conns[i] = c
				r.members[c.user] = []*Conn{c}
			}
			r.dirty = true
			frame := eventFrame(chat.Event{Type: chat.EvMessage, Data: []byte(`{"room_id":"room","seq":1,"text":"hello"}`)})
			b.ReportAllocs()
			for b.Loop() {
				r.mu.Lock()
				h.fanOut(r, frame, 1)
				r.mu.Unlock()
				for _, c := range conns { // drain, keeping capacity: what the writer would do
					c.queue, c.queued = c.queue[:0], 0
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
		})
	}
}

// BenchmarkHubBatchedBroadcast measures a busy big room: each op is one
// fan-out window holding 12 events (7,000 messages a minute at a 100 ms
// window), emitted and flushed to 15,000 held connections. Each connection
// gets one queued payload per window, whatever the number of events in it.
func BenchmarkHubBatchedBroadcast(b *testing.B) {
	const n, perWindow = 15000, 12
	cfg := Config{MaxQueueBytes: 1 << 30, FanoutWindow: time.Hour}.withDefaults()
	h := NewHub(inmem.NewBus(), nil, slog.Default(), cfg)
	r, _ := h.room("room", 0)
	conns := make([]*Conn, n)
	for i := range conns {
		c := newConn(nil, chat.UserID(fmt.Sprint("u", i)), "", h.cfg)
		c.queue = make([]outFrame, 0, 4)
		conns[i] = c
		r.members[c.user] = []*Conn{c}
	}
	r.dirty = true
	frame := eventFrame(chat.Event{Type: chat.EvMessage, Data: []byte(`{"room_id":"room","seq":1,"text":"hello"}`)})
	b.ReportAllocs()
	for b.Loop() {
		r.mu.Lock()
		for range perWindow {
			h.emit(r, frame, false)
		}
		h.flushLocked(r)
		r.mu.Unlock()
		for _, c := range conns {
			c.queue, c.queued = c.queue[:0], 0
		}
	}
	b.ReportMetric(float64(n*perWindow)*float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
}
