// Package api holds Parley's REST contract, embedded so the server can serve
// it and the tests can validate every real response against it.
package api

import _ "embed"

// OpenAPI is api/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte
