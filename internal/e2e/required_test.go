package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"parley/api"
	"parley/internal/testserver"
)

// Every property api/openapi.yaml marks required in a JSON request body is
// enforced by the server, and nothing else is: for each operation, a valid
// body without a required property (or with it null) is 400 invalid "<name>
// is required", and one without an optional property is never refused as
// if it were required.
func TestSpecRequiredFieldsAreEnforced(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	srv := testserver.Start(t)
	alice, bob := srv.NewUser(t, "alice"), srv.NewUser(t, "bob")
	srv.NewUser(t, "carol")
	room := newRoom(t, alice, "required", bob)
	msg, err := alice.SendMessage(ctxT(t), room.ID, "", "hello", 0)
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]string{
		"room": string(room.ID), "user": string(bob.ID), "username": "bob",
		"seq": fmt.Sprint(msg.Seq), "emoji": url.PathEscape("👍"), "session": "required-test-session-1",
	}
	checked := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody == nil {
				continue
			}
			mt := op.RequestBody.Value.Content.Get("application/json")
			if mt == nil {
				continue
			}
			schema := mt.Schema.Value
			body := validBody(t, mt)
			target := fillPath(t, path, params)
			name := strings.ToUpper(method) + " " + path
			for prop := range schema.Properties {
				required := slices.Contains(schema.Required, prop)
				without := withoutKey(body, prop)
				status, e := rawVia(t, srv.HTTPClient(), srv, alice.Token(), strings.ToUpper(method), target, without)
				refusedAsRequired := status == 400 && e.Message == prop+" is required"
				switch {
				case required && !refusedAsRequired:
					t.Errorf("%s without required %s: %d %+v, want 400 %q", name, prop, status, e, prop+" is required")
				case !required && refusedAsRequired:
					t.Errorf("%s without %s: refused as required, but the spec has it optional", name, prop)
				}
				if required {
					status, e = rawVia(t, srv.HTTPClient(), srv, alice.Token(), strings.ToUpper(method), target, withKey(body, prop, nil))
					if status != 400 || e.Code != "invalid" || e.Message != prop+" is required" {
						t.Errorf("%s with %s null: %d %+v, want 400 %q", name, prop, status, e, prop+" is required")
					}
					checked++
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d required properties found in the spec: is the walk broken?", checked)
	}
}

// validBody is the request body example of mt, with every property of its
// schema given a value.
func validBody(t *testing.T, mt *openapi3.MediaType) map[string]any {
	t.Helper()
	body := map[string]any{}
	if mt.Example != nil {
		b, err := json.Marshal(mt.Example)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &body); err != nil {
			t.Fatal(err)
		}
	}
	for prop, s := range mt.Schema.Value.Properties {
		if _, ok := body[prop]; !ok {
			body[prop] = sample(s.Value)
		}
	}
	return body
}

// sample is a value of schema s: its example, its first enum value, or one
// of its type.
func sample(s *openapi3.Schema) any {
	switch {
	case s.Example != nil:
		return s.Example
	case len(s.Enum) > 0:
		return s.Enum[0]
	case s.Type.Is("string"):
		return "x"
	case s.Type.Is("integer"), s.Type.Is("number"):
		return 1
	case s.Type.Is("boolean"):
		return true
	case s.Type.Is("array"):
		return []any{sample(s.Items.Value)}
	}
	return map[string]any{}
}

func withoutKey(body map[string]any, key string) string {
	m := map[string]any{}
	for k, v := range body {
		if k != key {
			m[k] = v
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func withKey(body map[string]any, key string, v any) string {
	m := map[string]any{key: v}
	for k, w := range body {
		if k != key {
			m[k] = w
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// fillPath puts the values of params into the {placeholders} of path.
func fillPath(t *testing.T, path string, params map[string]string) string {
	t.Helper()
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			return path
		}
		j := strings.IndexByte(path[i:], '}') + i
		v, ok := params[path[i+1:j]]
		if !ok {
			t.Fatalf("no value for path parameter %s", path[i:j+1])
		}
		path = path[:i] + v + path[j+1:]
	}
}
