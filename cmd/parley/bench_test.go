package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parley/internal/testserver"
)

func TestBenchHelpDocumentsBothPreparations(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"bench", "-h"}, func(string) string { return "" }, &bytes.Buffer{}, &stderr)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("bench -h: %v", err)
	}
	for _, want := range []string{"broadcast", "rooms", "connect", "ingest", "--db", "REST API", "-source-ips", "PARLEY_BENCH_URL"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestBenchRejectsUnknownScenario(t *testing.T) {
	err := run(context.Background(), []string{"bench", "stampede"}, func(string) string { return "" }, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "unknown scenario") {
		t.Fatalf("got %v", err)
	}
}

// The flags (and an environment default) reach the bench.
func TestBenchRunsAScenario(t *testing.T) {
	srv := testserver.Start(t)
	out := filepath.Join(t.TempDir(), "r.json")
	env := map[string]string{"PARLEY_BENCH_CONNS": "20"}
	var stdout, stderr bytes.Buffer
	// The same node named twice stands in for two: the flag repeated and a
	// comma-separated list both add nodes.
	err := run(context.Background(), []string{"bench", "broadcast", "--url", srv.URL, "--url", srv.URL + "/,", "--db", srv.DB,
		"--publishers", "2", "--rate", "600", "--duration", "1s", "--source-ips", "1", "--json", out},
		func(k string) string { return env[k] }, &stdout, &stderr)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, stderr.String())
	}
	var res struct {
		Scenario    string
		Connections int
		Sent, Lost  int64
		Nodes       []struct{ URL string }
	}
	b, _ := os.ReadFile(out)
	if err := json.Unmarshal(b, &res); err != nil || res.Scenario != "broadcast" || res.Connections != 20 || res.Sent == 0 || res.Lost != 0 || len(res.Nodes) != 2 || res.Nodes[1].URL != srv.URL {
		t.Errorf("result %+v (%v)", res, err)
	}
	if !strings.Contains(stdout.String(), "parley bench broadcast") {
		t.Errorf("no summary on stdout:\n%s", stdout.String())
	}
}

// A small search bench fills its database, then reuses it: every query
// gets a line with its latencies, and the index size is reported.
func TestBenchSearch(t *testing.T) {
	db := filepath.Join(t.TempDir(), "search.db")
	args := []string{"bench", "search", "--db", db, "--messages", "300", "--rooms", "10", "--member-rooms", "3", "--repeat", "2", "--workers", "2"}
	for range 2 {
		var stdout, stderr bytes.Buffer
		if err := run(t.Context(), args, func(string) string { return "" }, &stdout, &stderr); err != nil {
			t.Fatalf("bench search: %v\n%s", err, stderr.String())
		}
		for _, want := range []string{"parley bench search: 300 messages", `"회의록"`, "all queries", "search index"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("output lacks %q:\n%s", want, stdout.String())
			}
		}
	}
}
