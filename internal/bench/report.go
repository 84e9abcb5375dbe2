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
	"sync"
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
//	server            from the server's /metrics (process_resident_memory_bytes,
//	                  go_goroutines, process_cpu_seconds_total), summed over
//	                  the nodes: end_rss_bytes and goroutines at the end of
//	                  the measured phase (under load, before the connections
//	                  close); peak_rss_bytes, the highest RSS of the readings
//	                  taken once a second through the phase, its start and
//	                  end included; cpu_seconds used between its start and
//	                  end; cpu_s_per_m_deliveries, cpu_seconds per million
//	                  deliveries (message scenarios)
//	nodes             per node, in --url order: url, connections, delivered
//	                  (to that node's connections) and the server fields
//	                  above for that node alone
//	redis             with --redis-info only: addr, cpu_seconds (growth of
//	                  used_cpu_sys + used_cpu_user of INFO cpu over the
//	                  measured phase) and cpu_s_per_m_deliveries
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
	Nodes          []NodeStats      `json:"nodes"`
	Redis          *RedisStats      `json:"redis,omitempty"`
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
	EndRSSBytes       int64   `json:"end_rss_bytes"`
	PeakRSSBytes      int64   `json:"peak_rss_bytes"`
	CPUSeconds        float64 `json:"cpu_seconds"`
	CPUPerMDeliveries float64 `json:"cpu_s_per_m_deliveries,omitempty"`
	Goroutines        int64   `json:"goroutines"`
	// connect with --hold: the RSS after holding every connection idle, and
	// (that − the RSS before the first connection) / connections.
	IdleRSSBytes    int64 `json:"idle_rss_bytes,omitempty"`
	RSSPerConnBytes int64 `json:"rss_per_conn_bytes,omitempty"`
}

// NodeStats are one node's figures: its share of the connections, what
// they received, and its /metrics.
type NodeStats struct {
	URL         string `json:"url"`
	Connections int    `json:"connections"`
	Delivered   int64  `json:"delivered"`
	ServerStats
}

// RedisStats is the CPU the shared Redis spent over the measured phase.
type RedisStats struct {
	Addr              string  `json:"addr"`
	CPUSeconds        float64 `json:"cpu_seconds"`
	CPUPerMDeliveries float64 `json:"cpu_s_per_m_deliveries,omitempty"`
}

// perM is CPU seconds per million deliveries, 0 when nothing was delivered.
func perM(cpu float64, delivered int64) float64 {
	if delivered <= 0 {
		return 0
	}
	return math.Round(cpu/float64(delivered)*1e9) / 1e3
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
		page, err := renderHTML(res)
		if err != nil {
			return fmt.Errorf("render html: %w", err)
		}
		if err := os.WriteFile(p, []byte(page), 0o644); err != nil {
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
	p("parley bench %s against %s (run %s)", res.Scenario, strings.Join(cfg.URLs, ", "), cfg.RunID)
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
	server := func(label string, s ServerStats) {
		perMText := ""
		if s.CPUPerMDeliveries > 0 {
			perMText = fmt.Sprintf(", %.2f s per 1M deliveries", s.CPUPerMDeliveries)
		}
		p("  %-11s rss %.1f MiB at the end, %.1f MiB at peak; cpu %.1f s (%.2f cores%s), goroutines %s",
			label, float64(s.EndRSSBytes)/(1<<20), float64(s.PeakRSSBytes)/(1<<20), s.CPUSeconds, s.CPUSeconds/secs, perMText, group(s.Goroutines))
	}
	s := res.Server
	server("server", s)
	if len(res.Nodes) > 1 {
		for i, n := range res.Nodes {
			p("  node %d      %s: %s connections, %s delivered", i+1, n.URL, group(int64(n.Connections)), group(n.Delivered))
			server("", n.ServerStats)
		}
	}
	if rd := res.Redis; rd != nil {
		p("  redis       %s: cpu %.1f s (%.2f cores, %.2f s per 1M deliveries)", rd.Addr, rd.CPUSeconds, rd.CPUSeconds/secs, rd.CPUPerMDeliveries)
	}
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

// scrape reads every node's /metrics, in URLs order.
func (r *run) scrape(ctx context.Context) []metricsSnap {
	out := make([]metricsSnap, len(r.cfg.URLs))
	var wg sync.WaitGroup
	for i, u := range r.cfg.URLs {
		wg.Go(func() { out[i] = r.scrapeNode(ctx, u) })
	}
	wg.Wait()
	return out
}

func (r *run) scrapeNode(ctx context.Context, base string) metricsSnap {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
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

// watchRSS reads each node's RSS once a second until stop, which returns
// each node's highest reading, those of before and after included.
func (r *run) watchRSS(ctx context.Context) (stop func(before, after []metricsSnap) []int64) {
	done, peak := make(chan struct{}), make(chan []float64, 1)
	go func() {
		high := make([]float64, len(r.cfg.URLs))
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				peak <- high
				return
			case <-tick.C:
				for i, m := range r.scrape(ctx) {
					if m.ok {
						high[i] = max(high[i], m.rss)
					}
				}
			}
		}
	}()
	return func(before, after []metricsSnap) []int64 {
		close(done)
		high := <-peak
		out := make([]int64, len(high))
		for i := range high {
			out[i] = int64(max(high[i], before[i].rss, after[i].rss))
		}
		return out
	}
}

// nodeStats gives each node's figures and their sum. Per-node peaks are
// summed too: an upper bound of the cluster's peak, exact for one node.
func nodeStats(urls []string, before, after []metricsSnap, peakRSS []int64) (ServerStats, []NodeStats) {
	var total ServerStats
	nodes := make([]NodeStats, len(urls))
	for i, u := range urls {
		s := ServerStats{EndRSSBytes: int64(after[i].rss), PeakRSSBytes: peakRSS[i], Goroutines: int64(after[i].goroutines)}
		if before[i].ok && after[i].ok {
			s.CPUSeconds = math.Round((after[i].cpu-before[i].cpu)*1000) / 1000
		}
		nodes[i] = NodeStats{URL: u, ServerStats: s}
		total.EndRSSBytes += s.EndRSSBytes
		total.PeakRSSBytes += s.PeakRSSBytes
		total.Goroutines += s.Goroutines
		total.CPUSeconds += s.CPUSeconds
	}
	total.CPUSeconds = math.Round(total.CPUSeconds*1000) / 1000
	return total, nodes
}
