package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// Where the compiler finds the two documents; frames.schema.json refers to
// openapi.yaml by the relative URL "openapi.yaml".
const (
	framesURL  = "file:///api/frames.schema.json"
	openAPIURL = "file:///api/openapi.yaml"
)

// FrameSchema checks frames against api/frames.schema.json. Frames are
// checked against the schema of their own type, so a violation names the
// field that is wrong rather than every frame type it is not.
type FrameSchema struct {
	server map[string]*jsonschema.Schema // by frame type
	poll   map[string]*jsonschema.Schema // by frame type: ready and the events
	client map[string]*jsonschema.Schema // by frame type
}

// CompileFrameSchema compiles api/frames.schema.json with api/openapi.yaml.
//
// The objects of api/openapi.yaml are closed as they are loaded: a frame may
// carry only the fields its schema names. OpenAPI 3.0 cannot say so itself
// where allOf extends an object (each part would refuse the other parts'
// fields), so allOf parts are merged before objects are closed. The frames'
// own objects say additionalProperties: false themselves. Every date-time
// string must match $defs/Timestamp.
func CompileFrameSchema() (*FrameSchema, error) {
	frames, err := jsonschema.UnmarshalJSON(bytes.NewReader(Frames))
	if err != nil {
		return nil, fmt.Errorf("api/frames.schema.json: %w", err)
	}
	root, _ := frames.(map[string]any)
	defs, _ := root["$defs"].(map[string]any)
	if defs == nil {
		return nil, errors.New("api/frames.schema.json: no $defs")
	}
	spec, err := closedOpenAPI()
	if err != nil {
		return nil, err
	}
	stamp, err := timestampPattern(defs)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.RegisterFormat(&jsonschema.Format{Name: "date-time", Validate: func(v any) error {
		s, ok := v.(string)
		if !ok {
			return nil
		}
		if !stamp.MatchString(s) {
			return fmt.Errorf("%q does not match $defs/Timestamp (RFC 3339 in UTC, three fractional digits)", s)
		}
		_, err := time.Parse(time.RFC3339, s)
		return err
	}})
	if err := c.AddResource(framesURL, frames); err != nil {
		return nil, err
	}
	if err := c.AddResource(openAPIURL, spec); err != nil {
		return nil, err
	}
	var fs FrameSchema
	if fs.server, err = compileUnion(c, defs, "ServerFrame"); err != nil {
		return nil, err
	}
	if fs.poll, err = compileUnion(c, defs, "PollEvent"); err != nil {
		return nil, err
	}
	if fs.client, err = compileUnion(c, defs, "ClientFrame"); err != nil {
		return nil, err
	}
	return &fs, nil
}

// CheckServerFrame checks one frame a server sent on a WebSocket (one line of
// a text message).
func (s *FrameSchema) CheckServerFrame(frame []byte) error {
	return check(s.server, "server frame", frame)
}

// CheckPollEvent checks one element of a long-poll answer's events.
func (s *FrameSchema) CheckPollEvent(frame []byte) error {
	return check(s.poll, "long-poll event", frame)
}

// CheckClientFrame checks one frame a client sends.
func (s *FrameSchema) CheckClientFrame(frame []byte) error {
	return check(s.client, "client frame", frame)
}

// ServerFrameTypes, PollEventTypes and ClientFrameTypes list the frame types
// the schema defines.
func (s *FrameSchema) ServerFrameTypes() []string { return sortedKeys(s.server) }
func (s *FrameSchema) PollEventTypes() []string   { return sortedKeys(s.poll) }
func (s *FrameSchema) ClientFrameTypes() []string { return sortedKeys(s.client) }

func check(byType map[string]*jsonschema.Schema, what string, frame []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(frame))
	if err != nil {
		return fmt.Errorf("%s is not JSON: %w", what, err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s is not a JSON object", what)
	}
	typ, _ := obj["type"].(string)
	sch := byType[typ]
	if sch == nil {
		return fmt.Errorf("%s type %q is not in api/frames.schema.json (known: %v)", what, obj["type"], sortedKeys(byType))
	}
	return sch.Validate(v)
}

// compileUnion compiles each branch of the oneOf $defs/union, keyed by the
// type its "type" property is fixed to. Nested unions are followed.
func compileUnion(c *jsonschema.Compiler, defs map[string]any, union string) (map[string]*jsonschema.Schema, error) {
	out := map[string]*jsonschema.Schema{}
	var walk func(name string) error
	walk = func(name string) error {
		def, ok := defs[name].(map[string]any)
		if !ok {
			return fmt.Errorf("api/frames.schema.json: no $defs/%s", name)
		}
		if branches, ok := def["oneOf"].([]any); ok {
			for _, b := range branches {
				bm, _ := b.(map[string]any)
				ref, _ := bm["$ref"].(string)
				sub, ok := strings.CutPrefix(ref, "#/$defs/")
				if !ok {
					return fmt.Errorf("api/frames.schema.json: $defs/%s: a branch that is not a $ref to $defs: %v", name, b)
				}
				if err := walk(sub); err != nil {
					return err
				}
			}
			return nil
		}
		typ, ok := frameType(def)
		if !ok {
			return fmt.Errorf("api/frames.schema.json: $defs/%s has no properties.type.const", name)
		}
		if _, dup := out[typ]; dup {
			return fmt.Errorf("api/frames.schema.json: two %s frames of type %q", union, typ)
		}
		sch, err := c.Compile(framesURL + "#/$defs/" + name)
		if err != nil {
			return err
		}
		out[typ] = sch
		return nil
	}
	return out, walk(union)
}

func frameType(def map[string]any) (string, bool) {
	props, _ := def["properties"].(map[string]any)
	t, _ := props["type"].(map[string]any)
	s, ok := t["const"].(string)
	return s, ok
}

func timestampPattern(defs map[string]any) (*regexp.Regexp, error) {
	ts, _ := defs["Timestamp"].(map[string]any)
	p, ok := ts["pattern"].(string)
	if !ok {
		return nil, errors.New("api/frames.schema.json: $defs/Timestamp has no pattern")
	}
	return regexp.Compile(p)
}

// closedOpenAPI is api/openapi.yaml as a JSON value, every object schema of
// its components closed.
func closedOpenAPI() (any, error) {
	var y any
	if err := yaml.Unmarshal(OpenAPI, &y); err != nil {
		return nil, fmt.Errorf("api/openapi.yaml: %w", err)
	}
	// Through JSON, so that numbers and maps have the types the compiler wants.
	b, err := json.Marshal(y)
	if err != nil {
		return nil, fmt.Errorf("api/openapi.yaml: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	comps, _ := doc.(map[string]any)["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	if len(schemas) == 0 {
		return nil, errors.New("api/openapi.yaml: no components.schemas")
	}
	for _, name := range sortedKeys(schemas) {
		if err := closeObject(schemas, schemas[name]); err != nil {
			return nil, fmt.Errorf("api/openapi.yaml: components.schemas.%s: %w", name, err)
		}
	}
	return doc, nil
}

// closeObject merges the allOf parts of schema s into one object and sets
// additionalProperties: false on every object schema in s that does not set
// it. It can run twice on the same schema.
func closeObject(schemas map[string]any, s any) error {
	m, ok := s.(map[string]any)
	if !ok {
		return nil
	}
	if parts, ok := m["allOf"].([]any); ok {
		props := map[string]any{}
		var required []any
		for _, p := range parts {
			pm, _ := p.(map[string]any)
			if ref, ok := pm["$ref"].(string); ok {
				name, _ := strings.CutPrefix(ref, "#/components/schemas/")
				if pm, ok = schemas[name].(map[string]any); !ok {
					return fmt.Errorf("allOf part %s is not a component schema", ref)
				}
			}
			if err := closeObject(schemas, pm); err != nil {
				return err
			}
			pprops, _ := pm["properties"].(map[string]any)
			if pprops == nil {
				return fmt.Errorf("allOf part %v is not an object schema", p)
			}
			for k, v := range pprops {
				if _, dup := props[k]; dup {
					return fmt.Errorf("allOf parts both define %q", k)
				}
				props[k] = v
			}
			r, _ := pm["required"].([]any)
			required = append(required, r...)
		}
		delete(m, "allOf")
		m["type"], m["properties"] = "object", props
		if len(required) > 0 {
			m["required"] = required
		}
	}
	if props, ok := m["properties"].(map[string]any); ok {
		for _, p := range props {
			if err := closeObject(schemas, p); err != nil {
				return err
			}
		}
		if _, set := m["additionalProperties"]; !set {
			m["additionalProperties"] = false
		}
	}
	return closeObject(schemas, m["items"])
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
