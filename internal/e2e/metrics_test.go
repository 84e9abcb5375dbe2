package e2e

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"parley/internal/testserver"
)

func metricValue(t testing.TB, srv *testserver.Server, name string) float64 {
	t.Helper()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("metric %s not exposed", name)
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMetricsCountTheMessagePath(t *testing.T) {
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	room := newRoom(t, alice, "metered", bob)
	bc := bob.Connect(t)
	for range 5 {
		if _, err := alice.SendMessage(ctxT(t), room.ID, "", "x", 0); err != nil {
			t.Fatal(err)
		}
	}
	if got := collectSeqs(t, bc, room.ID, 5, time.Minute); len(got) != 5 {
		t.Fatalf("bob got %d messages", len(got))
	}
	// A poll session is no WebSocket: it has a gauge of its own.
	lp := connectPoll(t, alice)
	next(t, lp, isType("ready"))
	if got := metricValue(t, srv, "parley_connections"); got != 1 {
		t.Errorf("parley_connections = %v, want 1", got)
	}
	if got := metricValue(t, srv, "parley_poll_sessions"); got != 1 {
		t.Errorf("parley_poll_sessions = %v, want 1", got)
	}
	if got := metricValue(t, srv, "parley_messages_accepted_total"); got != 5 {
		t.Errorf("parley_messages_accepted_total = %v, want 5", got)
	}
	if got := metricValue(t, srv, "parley_events_delivered_total"); got < 6 { // ready + 5 messages at least
		t.Errorf("parley_events_delivered_total = %v, want at least 6", got)
	}
	if got := metricValue(t, srv, "go_goroutines"); got <= 0 {
		t.Errorf("go_goroutines = %v", got)
	}
}
