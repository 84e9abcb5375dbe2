package testserver

import (
	"bytes"
	"sync"
	"testing"

	"parley/api"
)

// The frame schema is compiled once per test binary; it is read-only after.
var framesOnce = sync.OnceValues(api.CompileFrameSchema)

func frameSchema(t testing.TB) *api.FrameSchema {
	t.Helper()
	fs, err := framesOnce()
	if err != nil {
		t.Fatalf("compile api/frames.schema.json: %v", err)
	}
	return fs
}

// FrameChecker is a hook for client.WithFrameHook: a frame the client
// receives that api/frames.schema.json does not allow fails t, as a REST
// response outside api/openapi.yaml does. The test server's clients have it.
func FrameChecker(t testing.TB) func(frame []byte, poll bool) {
	fs := frameSchema(t)
	return func(frame []byte, poll bool) {
		check, what := fs.CheckServerFrame, "WebSocket frame"
		if poll {
			check, what = fs.CheckPollEvent, "long-poll event"
		}
		if err := check(frame); err != nil {
			t.Errorf("frames: a %s does not match api/frames.schema.json: %v\nframe: %s", what, err, truncate(string(frame), 1000))
		}
	}
}

// CheckFrames fails t unless every frame of msg, one WebSocket message from
// the server, matches api/frames.schema.json. For tests that read a raw
// WebSocket rather than through the client.
func CheckFrames(t testing.TB, msg []byte) {
	t.Helper()
	fs := frameSchema(t)
	for line := range bytes.SplitSeq(msg, []byte{'\n'}) {
		if len(line) == 0 {
			continue
		}
		if err := fs.CheckServerFrame(line); err != nil {
			t.Errorf("frames: a WebSocket frame does not match api/frames.schema.json: %v\nframe: %s", err, truncate(string(line), 1000))
		}
	}
}
