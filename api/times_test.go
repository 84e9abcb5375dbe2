package api

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"

	"parley/internal/chat"
)

// JSON-tagged time.Time fields that never reach a client, and why.
var internalTimes = map[string]string{
	"internal/redis/session.go": "the Redis cache's copy of a session, read back only by the server",
}

// Every JSON field that holds a time is a chat.Time, whose MarshalJSON writes
// the one form the contracts allow; time.Time's own trims trailing zeros
// (a message sent at 09:30:00.000 would go out as "09:30:00Z"), which the
// schema checks of the tests catch only when a time happens to end in zero.
func TestWireTimesAreChatTime(t *testing.T) {
	stillThere := map[string]bool{}
	fset := token.NewFileSet()
	for _, root := range []string{"../internal", "../client"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			rel := filepath.ToSlash(strings.TrimPrefix(path, "../"))
			ast.Inspect(f, func(n ast.Node) bool {
				st, ok := n.(*ast.StructType)
				if !ok {
					return true
				}
				for _, field := range st.Fields.List {
					if !isTimeTime(field.Type) || field.Tag == nil {
						continue
					}
					tag, _ := strconv.Unquote(field.Tag.Value)
					name, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
					if name == "-" || !strings.Contains(tag, `json:"`) {
						continue
					}
					if _, ok := internalTimes[rel]; ok {
						stillThere[rel] = true
						continue
					}
					t.Errorf("%s: JSON field %q is a time.Time: make it a chat.Time (decision 0027)", fset.Position(field.Pos()), name)
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for path := range internalTimes {
		if !stillThere[path] {
			t.Errorf("internalTimes names %s, which has no JSON time.Time field any more", path)
		}
	}
}

// isTimeTime reports whether e is time.Time, or a pointer, slice or map of it.
func isTimeTime(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.StarExpr:
		return isTimeTime(x.X)
	case *ast.ArrayType:
		return isTimeTime(x.Elt)
	case *ast.MapType:
		return isTimeTime(x.Value)
	case *ast.SelectorExpr:
		pkg, ok := x.X.(*ast.Ident)
		return ok && pkg.Name == "time" && x.Sel.Name == "Time"
	}
	return false
}

// timestampPatternOf is $defs/Timestamp's pattern.
func timestampPatternOf(t *testing.T) string {
	t.Helper()
	var frames struct {
		Defs map[string]struct{ Pattern string } `json:"$defs"`
	}
	if err := json.Unmarshal(Frames, &frames); err != nil {
		t.Fatal(err)
	}
	p := frames.Defs["Timestamp"].Pattern
	if p == "" {
		t.Fatal("api/frames.schema.json: $defs/Timestamp has no pattern")
	}
	return p
}

// Every date-time of api/openapi.yaml has $defs/Timestamp's pattern, so REST
// responses are held to the form frames are.
func TestOpenAPITimesHaveTheTimestampPattern(t *testing.T) {
	want := timestampPatternOf(t)
	var doc any
	if err := yaml.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["format"] == "date-time" {
				n++
				if x["pattern"] != want {
					t.Errorf("api/openapi.yaml %s: a date-time with pattern %v, want %q ($defs/Timestamp)", path, x["pattern"], want)
				}
			}
			for k, c := range x {
				walk(path+"."+k, c)
			}
		case []any:
			for i, c := range x {
				walk(path+"["+strconv.Itoa(i)+"]", c)
			}
		}
	}
	walk("", doc)
	if n == 0 {
		t.Fatal("api/openapi.yaml has no date-time")
	}
}

// A message sent at a whole second and edited at .120 s passes both
// contracts, and the same message with time.Time's trimmed times fails both:
// the tests' checks of every response and frame refuse a time sent without
// chat.Time, whenever it falls on a whole second.
func TestWholeSecondTimesMatchTheContracts(t *testing.T) {
	spec, err := openapi3.NewLoader().LoadFromData(OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	schema := spec.Components.Schemas["Message"]
	if schema == nil {
		t.Fatal("api/openapi.yaml: no components.schemas.Message")
	}
	fs := compiled(t)
	created := time.Date(2025, 2, 1, 9, 30, 0, 0, time.UTC)
	edited := time.Date(2025, 2, 1, 9, 31, 0, 120_000_000, time.UTC)
	m := chat.Message{ID: "0194f0b1-aaaa-7bbb-8ccc-dddd0000eeee", RoomID: "0194f0a5-1111-7222-8333-444455556666", Seq: 1,
		Kind: chat.Text, Text: "on the second", CreatedAt: chat.TimeOf(created)}
	m.EditedAt = new(chat.TimeOf(edited))
	good, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(good), `"created_at":"2025-02-01T09:30:00.000Z"`) || !strings.Contains(string(good), `"edited_at":"2025-02-01T09:31:00.120Z"`) {
		t.Fatalf("message %s", good)
	}
	trimmed := strings.NewReplacer(`:00.000Z"`, `:00Z"`, `:00.120Z"`, `:00.12Z"`).Replace(string(good))
	for _, tc := range []struct {
		name, body string
		ok         bool
	}{
		{"chat.Time", string(good), true},
		{"time.Time's form", trimmed, false},
		{"time.Time's form, created_at only", strings.Replace(string(good), `:00.000Z"`, `:00Z"`, 1), false},
		{"time.Time's form, edited_at only", strings.Replace(string(good), `:00.120Z"`, `:00.12Z"`, 1), false},
	} {
		var v any
		if err := json.Unmarshal([]byte(tc.body), &v); err != nil {
			t.Fatal(err)
		}
		restErr := schema.Value.VisitJSON(v)
		frameErr := fs.CheckServerFrame([]byte(`{"type":"message","data":` + tc.body + `}`))
		if tc.ok && (restErr != nil || frameErr != nil) {
			t.Errorf("%s: %s refused: REST %v; frame %v", tc.name, tc.body, restErr, frameErr)
		}
		if !tc.ok && (restErr == nil || frameErr == nil) {
			t.Errorf("%s: %s passed: REST %v; frame %v", tc.name, tc.body, restErr, frameErr)
		}
	}
}
