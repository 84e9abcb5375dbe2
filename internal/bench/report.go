package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Result is what a run measured. Its JSON form (--json) has exactly these
// fields:
//
//	scenario          broadcast | rooms | connect | ingest
//	connections       connections that received their ready frame
//	duration_s        the measured phase: first send until the last ack or
//	                  delivery (connect: first dial until every attempt ended)
//	sent              sends the server acknowledged (durable messages); failed
//	                  sends are in errors
//	delivered         distinct acknowledged messages received, summed over
//	                  connections
//	expected          acknowledged messages × the ready connections in their room
//	lost              expected − delivered: never received by the end of the drain
//	duplicates        receipts of a seq the connection already had
//	deliveries_per_s  delivered / duration_s
//	latency_ms        {p50, p90, p99, p999, max}: send → receipt (broadcast,
//	                  rooms), send → ack (ingest), dial → ready (connect)
//	server            {rss_bytes, goroutines} from the server's /metrics at the
//	                  end (under load, before the connections close), and
//	                  cpu_seconds used between the start and the end of the
//	                  measured phase
//	errors            an object counting errors by kind, e.g.
//	                  {"send: rate_limited": 12, "connect: dial: connect: connection refused": 3};
//	                  {} when there were none
type Result struct {
	Scenario       string           `json:"scenario"`
	Connections    int              `json:"connections"`
	DurationS      float64          `json:"duration_s"`
	Sent           int64            `json:"sent"`
	Delivered      int64            `json:"delivered"`
	Expected       int64            `json:"expected"`
	Lost           int64            `json:"lost"`
	Duplicates     int64            `json:"duplicates"`
	DeliveriesPerS float64          `json:"deliveries_per_s"`
	LatencyMS      Latency          `json:"latency_ms"`
	Server         ServerStats      `json:"server"`
	Errors         map[string]int64 `json:"errors"`

	Duration time.Duration `json:"-"`
	Samples  []Sample      `json:"-"` // one per second of the measured phase

	latency        *Histogram // the scenario's latency (see latency_ms)
	ackLatency     *Histogram // send → ack, in every sending scenario
	connectLatency *Histogram // dial → ready, in every scenario
	cfg            Config
}

// Latency is a latency summary in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

// ServerStats are the server's own figures, from its /metrics.
type ServerStats struct {
	RSSBytes   int64   `json:"rss_bytes"`
	CPUSeconds float64 `json:"cpu_seconds"`
	Goroutines int64   `json:"goroutines"`
	// connect with --hold: the RSS after holding every connection idle, and
	// (that − the RSS before the first connection) / connections.
	IdleRSSBytes    int64 `json:"idle_rss_bytes,omitempty"`
	RSSPerConnBytes int64 `json:"rss_per_conn_bytes,omitempty"`
}

// Sample is one second of the measured phase.
type Sample struct {
	T             float64 // seconds since the phase started
	Conns         int64   // connections open
	Ready         int64   // connections that became ready so far
	SentPerS      float64 // acknowledged sends
	DeliveredPerS float64 // first receipts
	P50, P99      float64 // ms, of the scenario's latency within this second
}

func summarize(h *Histogram) Latency {
	if h == nil {
		return Latency{}
	}
	return Latency{P50: ms(h.Quantile(.5)), P90: ms(h.Quantile(.9)), P99: ms(h.Quantile(.99)),
		P999: ms(h.Quantile(.999)), Max: ms(h.Max())}
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// finish fills the derived fields.
func (res *Result) finish() {
	res.DurationS = math.Round(res.Duration.Seconds()*1000) / 1000
	if res.DurationS > 0 {
		res.DeliveriesPerS = math.Round(float64(res.Delivered) / res.Duration.Seconds())
	}
	res.LatencyMS = summarize(res.latency)
	if res.Errors == nil {
		res.Errors = map[string]int64{}
	}
}

// report writes the summary and the files.
func (r *run) report(res *Result) error {
	res.finish()
	if w := r.cfg.Summary; w != nil {
		writeSummary(w, res)
	}
	if p := r.cfg.JSONPath; p != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(p, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("write json: %w", err)
		}
	}
	if p := r.cfg.HTMLPath; p != "" {
		if err := os.WriteFile(p, []byte(renderHTML(res)), 0o644); err != nil {
			return fmt.Errorf("write html: %w", err)
		}
	}
	return nil
}

func writeSummary(w io.Writer, res *Result) {
	cfg := res.cfg
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	lat := func(l Latency) string {
		return fmt.Sprintf("p50 %s  p90 %s  p99 %s  p99.9 %s  max %s",
			fmtMS(l.P50), fmtMS(l.P90), fmtMS(l.P99), fmtMS(l.P999), fmtMS(l.Max))
	}
	secs := math.Max(res.Duration.Seconds(), 1e-9)
	p("parley bench %s against %s (run %s)", res.Scenario, cfg.URL, cfg.RunID)
	if res.Scenario == "connect" {
		p("  connections %d of %d ready in %.2f s (%.0f/s)", res.Connections, cfg.Conns, res.DurationS, float64(res.Connections)/secs)
		p("  connect     %s  (dial → ready frame)", lat(res.LatencyMS))
	} else {
		p("  connections %d of %d ready; measured %.2f s (sending %s, then replies and deliveries)", res.Connections, cfg.Conns, res.DurationS, cfg.Duration)
		p("  connect     %s  (dial → ready frame, before the measured phase)", lat(summarize(res.connectLatency)))
		p("  sent        %s acknowledged (%.1f/s)", group(res.Sent), float64(res.Sent)/secs)
		p("  ack         %s  (send → ack)", lat(summarize(res.ackLatency)))
		p("  delivered   %s of %s expected: lost %s, duplicates %s", group(res.Delivered), group(res.Expected), group(res.Lost), group(res.Duplicates))
		p("  throughput  %s deliveries/s", group(int64(res.DeliveriesPerS)))
		if res.Scenario != "ingest" {
			p("  latency     %s  (send → receipt)", lat(res.LatencyMS))
		}
	}
	s := res.Server
	p("  server      rss %.1f MiB, cpu %.1f s (%.2f cores), goroutines %s", float64(s.RSSBytes)/(1<<20), s.CPUSeconds, s.CPUSeconds/secs, group(s.Goroutines))
	if s.RSSPerConnBytes > 0 {
		p("  idle        rss %.1f MiB after holding %s: %.1f KiB per connection", float64(s.IdleRSSBytes)/(1<<20), cfg.Hold, float64(s.RSSPerConnBytes)/1024)
	}
	if len(res.Errors) == 0 {
		p("  errors      none")
		return
	}
	keys := make([]string, 0, len(res.Errors))
	for k := range res.Errors {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return res.Errors[keys[i]] > res.Errors[keys[j]] })
	p("  errors")
	for _, k := range keys {
		p("    %8d  %s", res.Errors[k], k)
	}
}

func fmtMS(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.2fs", v/1000)
	case v >= 10:
		return fmt.Sprintf("%.0fms", v)
	}
	return fmt.Sprintf("%.2fms", v)
}

// group writes n with thousands separators: 1,750,000.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// sample records one Sample per second until stop is called, and shows the
// progress line if there is a terminal to show it on.
func (r *run) sample(label string, lat *recorder, t0 time.Time, keep bool) (stop func() []Sample) {
	done := make(chan struct{})
	out := make(chan []Sample, 1)
	go func() {
		var samples []Sample
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		prevT := t0
		prevRecv, _ := r.recv.sum()
		prevAck := r.acked.Load()
		for {
			var now time.Time
			select {
			case <-done:
				if r.midLine.Swap(false) {
					fmt.Fprintln(r.cfg.Progress) // keep the last progress line
				}
				out <- samples
				return
			case now = <-tick.C:
			}
			recv, _ := r.recv.sum()
			ack := r.acked.Load()
			dt := now.Sub(prevT).Seconds()
			w := lat.Window()
			s := Sample{
				T: now.Sub(t0).Seconds(), Conns: r.live.Load(), Ready: r.ready.Load(),
				SentPerS: float64(ack-prevAck) / dt, DeliveredPerS: float64(recv-prevRecv) / dt,
				P50: ms(w.Quantile(.5)), P99: ms(w.Quantile(.99)),
			}
			prevT, prevRecv, prevAck = now, recv, ack
			if keep {
				samples = append(samples, s)
			}
			if pw := r.cfg.Progress; pw != nil {
				_, nerr := r.errs.snapshot()
				p99 := fmtMS(ms(lat.Total().Quantile(.99)))
				if label == "connecting" || label == "connect" {
					fmt.Fprintf(pw, "\r%-10s %4.0fs  ready %d/%d  connect p99 %s  errors %d   ", label, s.T, s.Ready, r.cfg.Conns, p99, nerr)
				} else {
					fmt.Fprintf(pw, "\r%-10s %4.0fs  conns %d  sent %d  deliveries/s %.0f  p99 %s  errors %d   ", label, s.T, s.Conns, ack, s.DeliveredPerS, p99, nerr)
				}
				r.midLine.Store(true)
			}
		}
	}()
	return func() []Sample { close(done); return <-out }
}

// metricsSnap is what the bench reads from a server's /metrics.
type metricsSnap struct {
	ok                   bool
	rss, cpu, goroutines float64
}

func (r *run) scrape(ctx context.Context) metricsSnap {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(r.cfg.URL, "/")+"/metrics", nil)
	if err != nil {
		r.errs.add("metrics: "+err.Error(), 1)
		return metricsSnap{}
	}
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		r.errs.add("metrics: "+shortErr(err), 1)
		return metricsSnap{}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		r.errs.add(fmt.Sprintf("metrics: HTTP %d", resp.StatusCode), 1)
		return metricsSnap{}
	}
	return parseMetrics(resp.Body)
}

// parseMetrics picks the three unlabelled samples it needs out of the
// Prometheus text format.
func parseMetrics(body io.Reader) metricsSnap {
	var m metricsSnap
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			continue
		}
		switch f[0] {
		case "process_resident_memory_bytes":
			m.rss, m.ok = v, true
		case "process_cpu_seconds_total":
			m.cpu = v
		case "go_goroutines":
			m.goroutines = v
		}
	}
	return m
}

func serverStats(before, after metricsSnap) ServerStats {
	s := ServerStats{RSSBytes: int64(after.rss), Goroutines: int64(after.goroutines)}
	if before.ok && after.ok {
		s.CPUSeconds = math.Round((after.cpu-before.cpu)*1000) / 1000
	}
	return s
}
