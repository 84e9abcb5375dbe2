package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
)

// docs/operations.md is the one full table of flags: every flag `parley
// serve -h` shows has a row there, with its environment variable. A flag
// added without its row fails here.
func TestOperationsDocListsEveryServeFlag(t *testing.T) {
	var help bytes.Buffer
	err := run(context.Background(), []string{"serve", "-h"}, func(string) string { return "" }, &help, &help)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("serve -h: %v", err)
	}
	// "  -name type\n    \thelp ($ENV) (default …)"
	entries := regexp.MustCompile(`(?m)^  -([a-z0-9-]+)[^\n]*\n\s+[^\n]*\(\$([A-Z0-9_]+)\)`).FindAllStringSubmatch(help.String(), -1)
	if len(entries) < 40 {
		t.Fatalf("read %d flags from serve -h, expected many more:\n%s", len(entries), help.String())
	}
	doc, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{} // flag → its table row
	for line := range strings.Lines(string(doc)) {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.Contains(cells[1], "`--") {
			continue
		}
		for _, m := range regexp.MustCompile("`--([a-z0-9-]+)`").FindAllStringSubmatch(cells[1], -1) {
			rows[m[1]] = line
		}
	}
	for _, e := range entries {
		name, env := e[1], e[2]
		row, ok := rows[name]
		if !ok {
			t.Errorf("docs/operations.md: the flag table has no row for --%s ($%s)", name, env)
			continue
		}
		// A row of two flags may write the second variable as "…_BURST".
		if !strings.Contains(row, "`"+env+"`") && !strings.Contains(row, "…"+env[strings.LastIndex(env, "_"):]+"`") {
			t.Errorf("docs/operations.md: the row of --%s does not name $%s", name, env)
		}
	}
}
