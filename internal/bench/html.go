package bench

import (
	_ "embed"
	"fmt"
	"html"
	"html/template"
	"math"
	"sort"
	"strings"
	"time"
)

// report.html is the --html report: one self-contained page (inline CSS and
// SVG drawn here, no scripts, nothing fetched), so it can be attached to an
// issue or opened from disk years later.
//
//go:embed report.html
var reportHTML string

var reportTemplate = template.Must(template.New("report").Parse(reportHTML))

// htmlReport is what report.html shows. The charts are SVG that lineChart
// and histChart draw, escaping every text they hold.
type htmlReport struct {
	Scenario, Date, Generated, URL, RunID string
	Rows                                  []htmlRow
	Errors                                []htmlError
	OverTime                              []template.HTML
	Distribution                          template.HTML
	Settings                              [][2]string
}

type htmlRow struct {
	Label, Value string
	Bad          bool // a count that should be zero and is not
}

type htmlError struct{ Count, Text string }

func cpuText(cpu, perM float64) string {
	if perM > 0 {
		return fmt.Sprintf("%.1f s (%.2f s per 1M deliveries)", cpu, perM)
	}
	return fmt.Sprintf("%.1f s", cpu)
}

func renderHTML(res *Result) (string, error) {
	cfg := res.cfg
	now := time.Now()
	r := htmlReport{Scenario: res.Scenario, Date: now.Format("2006-01-02 15:04"), Generated: now.Format(time.RFC1123),
		URL: strings.Join(cfg.URLs, ", "), RunID: cfg.RunID}
	row := func(k, v string) { r.Rows = append(r.Rows, htmlRow{Label: k, Value: v}) }
	num := func(n int64) string { return group(n) }
	row("connections ready", fmt.Sprintf("%s of %s", num(int64(res.Connections)), num(int64(cfg.Conns))))
	row("measured", fmt.Sprintf("%.2f s", res.DurationS))
	if res.Scenario != "connect" {
		row("sent (acknowledged)", num(res.Sent))
		row("delivered / expected", num(res.Delivered)+" / "+num(res.Expected))
		r.Rows = append(r.Rows, htmlRow{"lost", num(res.Lost), res.Lost > 0}, htmlRow{"duplicates", num(res.Duplicates), res.Duplicates > 0})
		row("deliveries per second", num(int64(res.DeliveriesPerS)))
	}
	l := res.LatencyMS
	row(latencyLabel(res.Scenario)+" (ms)", fmt.Sprintf("p50 %g · p90 %g · p99 %g · p99.9 %g · max %g", l.P50, l.P90, l.P99, l.P999, l.Max))
	s := res.Server
	row("server RSS at the end / peak", fmt.Sprintf("%.1f / %.1f MiB", float64(s.EndRSSBytes)/(1<<20), float64(s.PeakRSSBytes)/(1<<20)))
	row("server CPU", cpuText(s.CPUSeconds, s.CPUPerMDeliveries))
	row("server goroutines", num(s.Goroutines))
	if len(res.Nodes) > 1 {
		for i, n := range res.Nodes {
			row(fmt.Sprintf("node %d: %s", i+1, n.URL), fmt.Sprintf("%s connections · %s delivered · CPU %s · RSS end %.1f MiB",
				num(int64(n.Connections)), num(n.Delivered), cpuText(n.CPUSeconds, n.CPUPerMDeliveries), float64(n.EndRSSBytes)/(1<<20)))
		}
	}
	if rd := res.Redis; rd != nil {
		row("Redis CPU ("+rd.Addr+")", cpuText(rd.CPUSeconds, rd.CPUPerMDeliveries))
	}

	keys := make([]string, 0, len(res.Errors))
	for k := range res.Errors {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return res.Errors[keys[i]] > res.Errors[keys[j]] })
	for _, k := range keys {
		r.Errors = append(r.Errors, htmlError{num(res.Errors[k]), k})
	}

	xs := make([]float64, len(res.Samples))
	pick := func(f func(Sample) float64) []float64 {
		ys := make([]float64, len(res.Samples))
		for i, s := range res.Samples {
			ys[i] = f(s)
		}
		return ys
	}
	for i, s := range res.Samples {
		xs[i] = s.T
	}
	if res.Scenario == "connect" {
		r.OverTime = append(r.OverTime, lineChart("Connections ready", "", xs, series{"ready", "#1f77b4", pick(func(s Sample) float64 { return float64(s.Ready) })}))
	} else {
		r.OverTime = append(r.OverTime,
			lineChart("Throughput: deliveries per second", "/s", xs,
				series{"deliveries/s", "#1f77b4", pick(func(s Sample) float64 { return s.DeliveredPerS })}),
			lineChart("Acknowledged sends per second", "/s", xs,
				series{"acks/s", "#2ca02c", pick(func(s Sample) float64 { return s.SentPerS })}))
	}
	r.OverTime = append(r.OverTime, lineChart(latencyLabel(res.Scenario)+" per second", "ms", xs,
		series{"p99", "#d62728", pick(func(s Sample) float64 { return s.P99 })},
		series{"p50", "#ff7f0e", pick(func(s Sample) float64 { return s.P50 })}))
	r.Distribution = histChart(latencyLabel(res.Scenario)+", whole run", res.latency, res.LatencyMS)

	r.Settings = [][2]string{
		{"connections", fmt.Sprint(cfg.Conns)}, {"connect rate", rateText(cfg.ConnectRate)},
		{"source addresses", fmt.Sprint(cfg.SourceIPs)}, {"drain", cfg.Drain.String()},
		{"preparation", prepMethod(cfg)},
	}
	switch cfg.Scenario {
	case "broadcast":
		r.Settings = append(r.Settings, [2]string{"publishers", fmt.Sprint(cfg.Publishers)},
			[2]string{"rate", fmt.Sprintf("%g messages/minute", cfg.Rate)}, [2]string{"duration", cfg.Duration.String()})
	case "rooms":
		r.Settings = append(r.Settings, [2]string{"room size", fmt.Sprint(cfg.RoomSize)},
			[2]string{"interval", cfg.Interval.String()}, [2]string{"duration", cfg.Duration.String()})
	case "ingest":
		r.Settings = append(r.Settings, [2]string{"rooms", fmt.Sprint(cfg.Rooms)},
			[2]string{"in flight per connection", fmt.Sprint(cfg.Inflight)}, [2]string{"duration", cfg.Duration.String()})
	case "connect":
		r.Settings = append(r.Settings, [2]string{"room size", fmt.Sprint(cfg.RoomSize)})
	}
	var b strings.Builder
	err := reportTemplate.Execute(&b, r)
	return b.String(), err
}

func latencyLabel(scenario string) string {
	switch scenario {
	case "connect":
		return "Connect latency (dial → ready)"
	case "ingest":
		return "Ack latency (send → ack)"
	}
	return "Delivery latency (send → receipt)"
}

type series struct {
	name, color string
	ys          []float64
}

// Chart geometry, in SVG user units, and the markup the charts share.
const (
	chartW, chartH         = 760, 230
	padL, padR, padT, padB = 70, 20, 28, 36
	plotW, plotH           = chartW - padL - padR, chartH - padT - padB
	axisStyle              = `stroke="#999" stroke-width="1"`
	gridStyle              = `stroke="#e5e5e5" stroke-width="1"`
	noData                 = `<p><em>%s: no samples (the phase lasted under a second).</em></p>`
	svgOpen                = `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`
	titleText              = `<text x="%d" y="16" style="font-weight:bold">%s</text>`
)

// lineChart draws series over time (xs in seconds) with a zero-based y axis.
func lineChart(title, unit string, xs []float64, ss ...series) template.HTML {
	if len(xs) == 0 {
		return template.HTML(fmt.Sprintf(noData, html.EscapeString(title)))
	}
	xMax := math.Max(xs[len(xs)-1], 1)
	yMax := 0.0
	for _, s := range ss {
		for _, y := range s.ys {
			yMax = math.Max(yMax, y)
		}
	}
	yMax = niceCeil(yMax)
	var b strings.Builder
	fmt.Fprintf(&b, svgOpen, chartW, chartH, chartW, chartH, html.EscapeString(title))
	fmt.Fprintf(&b, titleText, padL, html.EscapeString(title))
	px := func(x float64) float64 { return padL + x/xMax*plotW }
	py := func(y float64) float64 { return padT + plotH - y/yMax*plotH }
	for _, t := range ticks(yMax, 5) {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" %s/>`, padL, padL+plotW, py(t), py(t), gridStyle)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`, padL-6, py(t)+4, shortNum(t)+html.EscapeString(unitSuffix(unit)))
	}
	for _, t := range ticks(xMax, 8) {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%ss</text>`, px(t), padT+plotH+16, shortNum(t))
	}
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" %s/>`, padL, padL+plotW, padT+plotH, padT+plotH, axisStyle)
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" %s/>`, padL, padL, padT, padT+plotH, axisStyle)
	for i, s := range ss {
		var pts strings.Builder
		for j, y := range s.ys {
			fmt.Fprintf(&pts, "%.1f,%.1f ", px(xs[j]), py(y))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.6" points="%s"/>`, s.color, strings.TrimSpace(pts.String()))
		lx, ly := chartW-padR-110, 14+i*13 // legend, top right
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="3" fill="%s"/>`, lx, ly-3, s.color)
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`, lx+20, ly+1, html.EscapeString(s.name))
	}
	b.WriteString("</svg>\n")
	return template.HTML(b.String())
}

func unitSuffix(unit string) string {
	if unit == "ms" {
		return " ms"
	}
	return ""
}

// histChart draws the latency distribution on a log time axis, ten bins per
// decade, with the p50 and p99 marked.
func histChart(title string, h *Histogram, l Latency) template.HTML {
	if h == nil || h.Count() == 0 {
		return template.HTML(fmt.Sprintf(noData, html.EscapeString(title)))
	}
	const perDecade = 10
	bins := map[int]uint64{}
	lo, hi := math.MaxInt, math.MinInt
	h.each(func(blo, bhi, c uint64) {
		mid := math.Max(float64(blo+bhi)/2, 1) // µs; the 0 bucket is drawn at 1 µs
		k := int(math.Floor(math.Log10(mid) * perDecade))
		bins[k] += c
		lo, hi = min(lo, k), max(hi, k)
	})
	lo = lo / perDecade * perDecade // whole decades on the axis
	hi = (hi/perDecade + 1) * perDecade
	var top uint64
	for _, c := range bins {
		top = max(top, c)
	}
	yMax := niceCeil(float64(top))
	n := hi - lo
	bw := float64(plotW) / float64(n)
	var b strings.Builder
	fmt.Fprintf(&b, svgOpen, chartW, chartH, chartW, chartH, html.EscapeString(title))
	fmt.Fprintf(&b, titleText, padL, html.EscapeString(title+fmt.Sprintf(" (%s samples)", group(int64(h.Count())))))
	py := func(y float64) float64 { return padT + plotH - y/yMax*plotH }
	for _, t := range ticks(yMax, 4) {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" %s/>`, padL, padL+plotW, py(t), py(t), gridStyle)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`, padL-6, py(t)+4, shortNum(t))
	}
	for k := lo; k < hi; k++ {
		if c := bins[k]; c > 0 {
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#1f77b4"/>`,
				padL+float64(k-lo)*bw+0.5, py(float64(c)), math.Max(bw-1, 0.5), float64(padT+plotH)-py(float64(c)))
		}
	}
	for d := lo; d <= hi; d += perDecade {
		x := padL + float64(d-lo)*bw
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`, x, padT+plotH+16, usLabel(math.Pow(10, float64(d/perDecade))))
	}
	mark := func(name string, v float64, color string) { // v in ms
		if v <= 0 {
			return
		}
		x := padL + (math.Log10(v*1000)*perDecade-float64(lo))*bw
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="%s" stroke-dasharray="4 3"/>`, x, x, padT, padT+plotH, color)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="%s">%s</text>`, x+3, padT+10, color, name)
	}
	mark("p50", l.P50, "#ff7f0e")
	mark("p99", l.P99, "#d62728")
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" %s/>`, padL, padL+plotW, padT+plotH, padT+plotH, axisStyle)
	b.WriteString("</svg>\n")
	return template.HTML(b.String())
}

func usLabel(us float64) string {
	switch {
	case us >= 1e6:
		return fmt.Sprintf("%gs", us/1e6)
	case us >= 1e3:
		return fmt.Sprintf("%gms", us/1e3)
	}
	return fmt.Sprintf("%gµs", us)
}

// niceCeil rounds v up to a round axis maximum: 1, 1.5, 2, 2.5, 3, 4, 5, 6,
// 8 times a power of ten (1 for v <= 0), so a line uses most of its chart.
func niceCeil(v float64) float64 {
	return roundUp(v, []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10})
}

func roundUp(v float64, steps []float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range steps {
		if v <= m*p*(1+1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// ticks returns about n round values (steps of 1, 2 or 5 times a power of
// ten) from 0 to max.
func ticks(max float64, n int) []float64 {
	step := roundUp(max/float64(n), []float64{1, 2, 5, 10})
	var out []float64
	for t := 0.0; t <= max*1.0001; t += step {
		out = append(out, t)
	}
	return out
}

func shortNum(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return fmt.Sprintf("%gM", math.Round(v/1e5)/10)
	case a >= 1e4:
		return fmt.Sprintf("%gk", math.Round(v/1e2)/10)
	}
	return fmt.Sprintf("%g", math.Round(v*100)/100)
}
