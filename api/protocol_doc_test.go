package api

import (
	"encoding/json"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
)

// docs/protocol.md lists every frame type the schema has.
func TestProtocolDocNamesEveryFrameType(t *testing.T) {
	fs := compiled(t)
	doc, err := os.ReadFile("../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	// The server events table: one row per event type.
	for _, typ := range fs.PollEventTypes() {
		if typ != "ready" && !strings.Contains(text, "\n| `"+typ+"` |") {
			t.Errorf("docs/protocol.md: the server events table has no row for %q", typ)
		}
	}
	// The client frames: one section each.
	for _, typ := range fs.ClientFrameTypes() {
		if !strings.Contains(text, "\n### "+typ+" — ") {
			t.Errorf("docs/protocol.md: no \"### %s — …\" section under Client frames", typ)
		}
	}
	// The frame table's list of request types.
	m := regexp.MustCompile("\\| `type` \\| ([^|]*)\\|").FindStringSubmatch(text)
	if m == nil {
		t.Fatal("docs/protocol.md: the client frame table has no `type` row")
	}
	listed := sortedUnique(regexp.MustCompile("`([a-z_]+)`").FindAllString(m[1], -1))
	for i := range listed {
		listed[i] = strings.Trim(listed[i], "`")
	}
	same(t, "client frame types", listed, fs.ClientFrameTypes(), "the `type` row of docs/protocol.md's client frame table")
}

// Every frame docs/protocol.md shows matches the schema: the JSON examples
// (a request when it has an id and is not ack or error, else a server frame)
// and the worked example's "> " (sent) and "< " (received) lines.
func TestProtocolDocExamplesMatchSchema(t *testing.T) {
	fs := compiled(t)
	doc, err := os.ReadFile("../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	check := func(line int, v map[string]any, raw []byte) {
		checked++
		c, what := fs.CheckServerFrame, "server frame"
		if _, hasID := v["id"]; hasID && v["type"] != "ack" && v["type"] != "error" {
			c, what = fs.CheckClientFrame, "client frame"
		}
		if err := c(raw); err != nil {
			t.Errorf("docs/protocol.md:%d: the %s example does not match api/frames.schema.json: %v\n%s", line, what, err, raw)
		}
	}
	lines := strings.Split(string(doc), "\n")
	for i := 0; i < len(lines); i++ {
		switch {
		case lines[i] == "```json":
			start := i + 1
			for i++; i < len(lines) && lines[i] != "```"; i++ {
			}
			block := strings.Join(lines[start:i], "\n")
			dec := json.NewDecoder(strings.NewReader(block))
			for {
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					if err != io.EOF && !strings.Contains(block, "{ ... }") { // "{ ... }" marks an elided sketch
						t.Errorf("docs/protocol.md:%d: a json block that is not JSON: %v", start, err)
					}
					break
				}
				var v map[string]any
				if json.Unmarshal(raw, &v) == nil && v["type"] != nil {
					check(start, v, raw)
				}
			}
		case strings.HasPrefix(lines[i], "< {") || strings.HasPrefix(lines[i], "> {"):
			raw := strings.TrimSpace(lines[i][2:])
			if j := strings.Index(raw, "}  "); j >= 0 { // a note after the frame
				raw = raw[:j+1]
			}
			var v map[string]any
			if err := json.Unmarshal([]byte(raw), &v); err != nil {
				t.Errorf("docs/protocol.md:%d: not JSON: %v", i+1, err)
				continue
			}
			check(i+1, v, []byte(raw))
		}
	}
	if checked < 30 {
		t.Fatalf("checked only %d examples: has the doc's format changed?", checked)
	}
}
