package bench

import (
	"strings"
	"testing"
	"time"
)

// sampleResult is a finished broadcast run with one of everything the
// report shows: losses, errors, samples and a latency histogram.
func sampleResult() *Result {
	h := &Histogram{}
	for i := range 1000 {
		h.Record(time.Duration(i) * 37 * time.Microsecond)
	}
	res := &Result{
		Scenario: "broadcast", Connections: 99, DurationS: 12.5, Sent: 1200, Delivered: 118000, Expected: 118800,
		Lost: 800, DeliveriesPerS: 9440, LatencyMS: Latency{P50: 18, P90: 30, P99: 35, P999: 36.9, Max: 37},
		Server:  ServerStats{EndRSSBytes: 64 << 20, PeakRSSBytes: 80 << 20, CPUSeconds: 3.5, Goroutines: 230},
		Errors:  map[string]int64{"dial: <refused>": 1, "send: timeout": 7},
		latency: h,
		cfg: Config{Scenario: "broadcast", URLs: []string{"http://127.0.0.1:8080/?a=<b>"}, RunID: "r1", Conns: 100,
			Publishers: 2, Rate: 6000, Duration: 10 * time.Second, Drain: 5 * time.Second},
	}
	for i := range 12 {
		res.Samples = append(res.Samples, Sample{T: float64(i + 1), DeliveredPerS: float64(9000 + i*50), SentPerS: 100, P50: 18, P99: 35})
	}
	return res
}

func TestHTMLReport(t *testing.T) {
	page, err := renderHTML(sampleResult())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"<title>parley bench broadcast — ",
		"<code>http://127.0.0.1:8080/?a=&lt;b&gt;</code>", // escaped once, not twice
		"<tr><th>connections ready</th><td class=n>99 of 100</td></tr>",
		"<tr><th>lost</th><td class=n><span class=bad>800</span></td></tr>",
		"<tr><th>duplicates</th><td class=n>0</td></tr>",
		"<tr><td class=n>7</td><td>send: timeout</td></tr>\n<tr><td class=n>1</td><td>dial: &lt;refused&gt;</td></tr>", // most frequent first
		`aria-label="Throughput: deliveries per second"`,
		`aria-label="Delivery latency (send → receipt), whole run"`,
		"<tr><th>publishers</th><td>2</td></tr>",
		"</table>\n</body></html>\n",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "&amp;lt;") {
		t.Errorf("report has a script or text escaped twice:\n%s", page)
	}
}
