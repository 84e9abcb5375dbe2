package httpapi

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"parley/api"
)

// Every route the server has is in api/openapi.yaml, and every operation in
// the spec is served: the two lists must be equal.
func TestEveryRouteIsInTheSpec(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(t.Context()); err != nil {
		t.Fatalf("api/openapi.yaml is not valid: %v", err)
	}
	r, err := New(Deps{})
	if err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`:([a-z_]+)`)
	var served, specified []string
	for _, rt := range r.Routes() {
		served = append(served, rt.Method+" "+param.ReplaceAllString(rt.Path, "{$1}"))
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			specified = append(specified, strings.ToUpper(method)+" "+path)
		}
	}
	// The web client answers every GET outside /api that no route takes
	// (web.go), so the spec may only name paths under /api/ and the probes,
	// which are routes of their own.
	probes := []string{"/healthz", "/readyz", "/metrics"}
	for path := range doc.Paths.Map() {
		if !strings.HasPrefix(path, "/api/") && !slices.Contains(probes, path) {
			t.Errorf("spec path %s is neither under /api/ nor a probe: the web client would shadow it", path)
		}
	}
	slices.Sort(served)
	slices.Sort(specified)
	for _, s := range served {
		if !slices.Contains(specified, s) {
			t.Errorf("served but not in the spec: %s", s)
		}
	}
	for _, s := range specified {
		if !slices.Contains(served, s) {
			t.Errorf("in the spec but not served: %s", s)
		}
	}
}
