package testserver

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"parley/api"
)

// validatingTransport checks every REST response a test receives against
// api/openapi.yaml: an undocumented route, status or field shape fails the
// test that caused it, so spec and server cannot drift apart.
type validatingTransport struct {
	t      testing.TB
	router routers.Router
	base   http.RoundTripper
}

var specOnce = sync.OnceValues(func() (*openapi3.T, error) {
	return openapi3.NewLoader().LoadFromData(api.OpenAPI)
})

func newValidatingTransport(t testing.TB, baseURL string) http.RoundTripper {
	t.Helper()
	shared, err := specOnce()
	if err != nil {
		t.Fatalf("load api/openapi.yaml: %v", err)
	}
	doc := *shared // a shallow copy: only Servers differs per test server
	doc.Servers = openapi3.Servers{{URL: baseURL}}
	router, err := gorillamux.NewRouter(&doc)
	if err != nil {
		t.Fatalf("openapi router: %v", err)
	}
	return &validatingTransport{t: t, router: router, base: http.DefaultTransport}
}

func (v *validatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := v.base.RoundTrip(req)
	if err != nil || resp.StatusCode == http.StatusSwitchingProtocols {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		v.t.Errorf("openapi: %s %s is not in api/openapi.yaml: %v", req.Method, req.URL.Path, err)
		return resp, nil
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		v.t.Errorf("openapi: response to %s %s (%d) does not match the spec: %v\nbody: %s",
			req.Method, req.URL.Path, resp.StatusCode, err, truncate(string(body), 500))
	}
	return resp, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return strings.TrimSpace(s)
}
