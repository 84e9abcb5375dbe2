package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Event types that exist in code but never reach a client, and why.
var internalEvents = map[string]string{
	"session_ended": "closes the connections of a revoked session: clients see close code 4500",
}

func compiled(t *testing.T) *FrameSchema {
	t.Helper()
	fs, err := CompileFrameSchema()
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// The schema and the code name the same frame types, both ways: a new event
// type, server frame or request cannot ship without its schema, and the
// schema cannot keep one the code dropped.
func TestFrameSchemaCoversCode(t *testing.T) {
	fs := compiled(t)
	events := eventTypes(t)
	for typ := range internalEvents {
		if !slices.Contains(events, typ) {
			t.Errorf("internalEvents names %q, which internal/chat no longer defines", typ)
		}
	}
	events = slices.DeleteFunc(events, func(s string) bool { _, internal := internalEvents[s]; return internal })
	server := sortedUnique(append(serverFrameTypes(t), events...))
	same(t, "server frame types", server, fs.ServerFrameTypes(),
		"internal/chat EventType constants and internal/realtime serverFrame literals")
	same(t, "long-poll event types", sortedUnique(append(events, "ready")), fs.PollEventTypes(),
		"internal/chat EventType constants, and ready")
	same(t, "client frame types", clientFrameTypes(t), fs.ClientFrameTypes(),
		"the frame types internal/realtime tells apart")
}

func same(t *testing.T, what string, code, schema []string, where string) {
	t.Helper()
	for _, s := range code {
		if !slices.Contains(schema, s) {
			t.Errorf("%s: %q is in %s but not in api/frames.schema.json", what, s, where)
		}
	}
	for _, s := range schema {
		if !slices.Contains(code, s) {
			t.Errorf("%s: %q is in api/frames.schema.json but not in %s", what, s, where)
		}
	}
}

// parse parses the non-test Go files of dir.
func parse(t *testing.T, dir string) []*ast.File {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	fset := token.NewFileSet()
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	return files
}

// eventTypes are the values of the EventType constants of internal/chat.
func eventTypes(t *testing.T) []string {
	var out []string
	for _, f := range parse(t, "../internal/chat") {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "EventType" {
					continue
				}
				for _, v := range vs.Values {
					out = append(out, stringLit(t, v))
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("internal/chat: no EventType constants found")
	}
	return sortedUnique(out)
}

// serverFrameTypes are the Type fields of the serverFrame literals of
// internal/realtime: the frames it writes besides events.
func serverFrameTypes(t *testing.T) []string {
	var out []string
	for _, f := range parse(t, "../internal/realtime") {
		ast.Inspect(f, func(n ast.Node) bool {
			cl, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			if id, ok := cl.Type.(*ast.Ident); !ok || id.Name != "serverFrame" {
				return true
			}
			for _, e := range cl.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok && kv.Key.(*ast.Ident).Name == "Type" {
					out = append(out, stringLit(t, kv.Value))
				}
			}
			return true
		})
	}
	if len(out) == 0 {
		t.Fatal("internal/realtime: no serverFrame literals found")
	}
	return sortedUnique(out)
}

// clientFrameTypes are the frame types internal/realtime tells apart: the
// cases of the switch in dispatch, and the comparisons `….Type == "x"` of
// the frames taken before it (a ping answered at once, a send queued for the
// group commit; decision 0041).
func clientFrameTypes(t *testing.T) []string {
	var out []string
	for _, f := range parse(t, "../internal/realtime") {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CaseClause:
					if fn.Name.Name == "dispatch" {
						for _, e := range n.List {
							out = append(out, stringLit(t, e))
						}
					}
				case *ast.BinaryExpr:
					// (`== ""` is the decoder's check for a missing type.)
					if sel, ok := n.X.(*ast.SelectorExpr); ok && n.Op == token.EQL && sel.Sel.Name == "Type" {
						if typ := stringLit(t, n.Y); typ != "" {
							out = append(out, typ)
						}
					}
				}
				return true
			})
		}
	}
	if len(out) == 0 {
		t.Fatal("internal/realtime: no dispatch switch found")
	}
	return sortedUnique(out)
}

func stringLit(t *testing.T, e ast.Expr) string {
	t.Helper()
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		t.Fatalf("expected a string literal, got %T: the test reads frame types as literals", e)
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sortedUnique(s []string) []string {
	set := map[string]bool{}
	for _, v := range s {
		set[v] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// The checks can fail: each frame below breaks the schema in one way, and
// the error names what is wrong.
func TestFrameSchemaRefuses(t *testing.T) {
	fs := compiled(t)
	const user = `{"id":"u1","username":"alice","display_name":"Alice","status_message":"","created_at":"2025-02-01T09:30:00.123Z"}`
	good := []string{
		`{"type":"ready","data":{"user":` + user + `,"rooms":[],"notify_settings":{"previews":true,"dnd":{"enabled":false,"start":"22:00","end":"07:00","time_zone":"UTC"}}}}`,
		`{"type":"ack","id":"1","data":{}}`,
		`{"type":"error","error":{"code":"invalid","message":"frame has no type"}}`,
		`{"type":"profile_updated","data":` + user + `}`,
		`{"type":"presence","data":{"user_id":"u1","online":false,"last_seen":"2025-02-01T10:02:11.000Z"}}`,
	}
	for _, f := range good {
		if err := fs.CheckServerFrame([]byte(f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	bad := []struct{ name, frame, want string }{
		{"unknown type", `{"type":"gossip","data":{}}`, `"gossip" is not in api/frames.schema.json`},
		{"not an object", `[1]`, "not a JSON object"},
		{"field beside type and data", `{"type":"ack","data":{},"extra":1}`, "'extra' not allowed"},
		{"undocumented field of an OpenAPI object", `{"type":"profile_updated","data":` + strings.Replace(user, `{`, `{"secret":1,`, 1) + `}`, "'secret' not allowed"},
		{"undocumented field of an extended OpenAPI object", `{"type":"friend_added","data":` + strings.Replace(user, `{`, `{"since":"2025-02-01T09:30:00.000Z","online":true,"secret":1,`, 1) + `}`, "'secret' not allowed"},
		{"missing required field", `{"type":"typing","data":{"room_id":"r","user_id":"u","typing":true}}`, "missing property 'ttl_ms'"},
		{"timestamp past milliseconds", `{"type":"presence","data":{"user_id":"u1","online":true,"last_seen":"2025-02-01T10:02:11.123456Z"}}`, "does not match $defs/Timestamp"},
		{"timestamp trimmed to the second", `{"type":"presence","data":{"user_id":"u1","online":true,"last_seen":"2025-02-01T10:02:11Z"}}`, "does not match $defs/Timestamp"},
		{"timestamp trimmed to two digits", `{"type":"profile_updated","data":` + strings.Replace(user, "T09:30:00.123Z", "T09:30:00.12Z", 1) + `}`, "does not match $defs/Timestamp"},
		{"timestamp with an offset", `{"type":"profile_updated","data":` + strings.Replace(user, "T09:30:00.123Z", "T10:30:00.123+01:00", 1) + `}`, "not valid date-time"},
		{"unknown error code", `{"type":"error","error":{"code":"oops","message":"m"}}`, "value must be one of"},
		{"ack over long-poll", `{"type":"ack","data":{}}`, "long-poll event type \"ack\""},
	}
	for _, tc := range bad {
		check := fs.CheckServerFrame
		if strings.Contains(tc.name, "long-poll") {
			check = fs.CheckPollEvent
		}
		err := check([]byte(tc.frame))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %s: got %v, want an error with %q", tc.name, tc.frame, err, tc.want)
		}
	}
}
