package realtime

import (
	"strings"
	"testing"

	"parley/internal/chat"
)

// A request id of up to 64 characters is taken, counted as every length is:
// in code points, so 64 emoji (256 bytes) fit and a 65th does not.
func TestFrameIDLengthCountsCodePoints(t *testing.T) {
	for _, c := range []struct {
		name string
		id   string
		ok   bool
	}{
		{"64 ASCII", strings.Repeat("a", 64), true},
		{"65 ASCII", strings.Repeat("a", 65), false},
		{"64 emoji", strings.Repeat("👍", 64), true},
		{"65 emoji", strings.Repeat("👍", 65), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := DecodeClientFrame([]byte(`{"type":"ping","id":"` + c.id + `"}`))
			if c.ok && (err != nil || f.ID != c.id) {
				t.Fatalf("refused: %v", err)
			}
			if !c.ok && err == nil {
				t.Fatal("taken, want invalid")
			}
		})
	}
}

// The focus frame's data is a required boolean: anything else is refused
// as invalid, never taken as false.
func TestFocusFrameDecoding(t *testing.T) {
	for _, c := range []struct {
		name, frame string
		want        bool
		err         string
	}{
		{"true", `{"id":"7","type":"focus","data":{"focused":true}}`, true, ""},
		{"false", `{"type":"focus","data":{"focused":false}}`, false, ""},
		{"extra fields ignored", `{"type":"focus","data":{"focused":true,"visible":true}}`, true, ""},
		{"no data", `{"type":"focus"}`, false, "focus frame needs a data object"},
		{"null data", `{"type":"focus","data":null}`, false, "focus frame needs a data object"},
		{"missing", `{"type":"focus","data":{}}`, false, "focused is required"},
		{"null", `{"type":"focus","data":{"focused":null}}`, false, "focused is required"},
		{"string", `{"type":"focus","data":{"focused":"true"}}`, false, "wrong type"},
		{"number", `{"type":"focus","data":{"focused":1}}`, false, "wrong type"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := DecodeClientFrame([]byte(c.frame))
			if err != nil {
				t.Fatal(err)
			}
			var r FocusFrame
			err = DecodeData(f, &r)
			switch {
			case c.err == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.err == "" && r.Focused != c.want:
				t.Fatalf("focused = %v, want %v", r.Focused, c.want)
			case c.err != "" && (err == nil || chat.ErrorCode(err) != chat.Invalid || !strings.Contains(err.Error(), c.err)):
				t.Fatalf("error %v, want invalid %q", err, c.err)
			}
		})
	}
}
