// Package api holds Parley's contracts, embedded so the server can serve
// them and the tests can validate every real response and frame against them.
package api

import _ "embed"

// OpenAPI is api/openapi.yaml, the REST contract.
//
//go:embed openapi.yaml
var OpenAPI []byte

// Frames is api/frames.schema.json, the WebSocket contract: a JSON Schema
// (draft 2020-12) of every frame, whose payloads refer to OpenAPI's schemas.
//
//go:embed frames.schema.json
var Frames []byte
