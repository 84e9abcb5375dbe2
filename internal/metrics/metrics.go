// Package metrics exposes a node's Prometheus metrics: the hub's counters,
// store and bus latency (through decorators of chat.Store and chat.Bus), and
// the Go and process collectors (RSS, CPU seconds, goroutines).
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"parley/internal/chat"
	"parley/internal/realtime"
)

// Metrics is one node's registry.
type Metrics struct {
	reg       *prometheus.Registry
	storeDur  *prometheus.HistogramVec
	busDur    *prometheus.HistogramVec
	accepted  prometheus.Counter
	published *prometheus.CounterVec
}

func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{
		reg: reg,
		storeDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "parley_store_duration_seconds", Help: "Store call latency by operation.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2.5, 12),
		}, []string{"op", "result"}),
		busDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "parley_bus_publish_duration_seconds", Help: "Bus publish latency (in-process delivery included).",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2.5, 12),
		}, []string{"result"}),
		accepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_messages_accepted_total", Help: "Messages sent by clients and durably stored (resends not counted).",
		}),
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_events_published_total", Help: "Events published on the bus by type.",
		}, []string{"type"}),
	}
	reg.MustRegister(m.storeDur, m.busDur, m.accepted, m.published)
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// WatchHub exports the hub's counters.
func (m *Metrics) WatchHub(s *realtime.Stats) {
	gauge := func(name, help string, f func() float64) {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
	}
	counter := func(name, help string, f func() float64) {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f))
	}
	gauge("parley_connections", "Open WebSocket connections on this node (long-poll sessions not included).", func() float64 { return float64(s.Conns.Load()) })
	gauge("parley_poll_sessions", "Open long-poll sessions on this node.", func() float64 { return float64(s.PollSessions.Load()) })
	counter("parley_events_delivered_total", "Events written to connections.", func() float64 { return float64(s.Frames.Load()) })
	counter("parley_ws_writes_total", "Write system calls to WebSocket connections; events_delivered / ws_writes is the batching factor.", func() float64 { return float64(s.Writes.Load()) })
	counter("parley_slow_disconnects_total", "Connections closed because their outbound queue overflowed.", func() float64 { return float64(s.SlowCloses.Load()) })
	counter("parley_backfilled_messages_total", "Messages a hub read from the store to fill a seq gap.", func() float64 { return float64(s.Backfills.Load()) })
	counter("parley_frames_received_total", "Frames received from clients.", func() float64 { return float64(s.FramesIn.Load()) })
	counter("parley_error_frames_total", "Error frames sent to clients.", func() float64 { return float64(s.ErrorFrames.Load()) })
}

// CounterFunc registers a counter read from f (bus reconnects, say).
func (m *Metrics) CounterFunc(name, help string, f func() float64) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f))
}

// GaugeFunc registers a gauge read from f.
func (m *Metrics) GaugeFunc(name, help string, f func() float64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
}

func result(err error) string {
	if err == nil {
		return "ok"
	}
	return string(chat.ErrorCode(err))
}

// Bus wraps b so every publish is timed and counted.
func (m *Metrics) Bus(b chat.Bus) chat.Bus { return &bus{Bus: b, m: m} }

type bus struct {
	chat.Bus
	m *Metrics
}

func (b *bus) Publish(ctx context.Context, topic string, ev chat.Event) error {
	start := time.Now()
	err := b.Bus.Publish(ctx, topic, ev)
	b.m.busDur.WithLabelValues(result(err)).Observe(time.Since(start).Seconds())
	b.m.published.WithLabelValues(string(ev.Type)).Inc()
	return err
}

// OnReconnect passes through to a bus that can reconnect.
func (b *bus) OnReconnect(fn func()) {
	if r, ok := b.Bus.(chat.Reconnector); ok {
		r.OnReconnect(fn)
	}
}
