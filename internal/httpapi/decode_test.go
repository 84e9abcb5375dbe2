package httpapi

import (
	"testing"

	"parley/internal/chat"
)

func TestDecodeBytes(t *testing.T) {
	for _, c := range []struct {
		name, body string
		v          any
		msg        string // the Invalid message; "" = decodes
	}{
		{"read", `{"seq":3}`, &readRequest{}, ""},
		{"read at 0", `{"seq":0}`, &readRequest{}, ""},
		{"read without seq", `{}`, &readRequest{}, "seq is required"},
		{"read with seq null", `{"seq":null}`, &readRequest{}, "seq is required"},
		{"read with seq a string", `{"seq":"3"}`, &readRequest{}, "field seq has the wrong type"},
		{"typing false", `{"typing":false}`, &typingRequest{}, ""},
		{"typing missing", `{"other":true}`, &typingRequest{}, "typing is required"},
		{"signup without password", `{"username":"zed"}`, &chat.SignupRequest{}, "password is required"},
		{"signup display name is optional", `{"username":"zed","password":"12345678"}`, &chat.SignupRequest{}, ""},
		{"login without both names the first", `{}`, &chat.LoginRequest{}, "username is required"},
		{"profile has nothing required", `{}`, &profileRequest{}, ""},
		{"send has nothing required", `{}`, &sendRequest{}, ""},
		{"surrogate pair", `{"text":"\ud83d\udc4d"}`, &editRequest{}, ""},
		{"lone surrogate", `{"text":"\udc4d"}`, &editRequest{},
			`request body has \udc4d at byte 9, half of a UTF-16 surrogate pair without its other half`},
		{"invalid UTF-8", "{\"text\":\"\xff\"}", &editRequest{}, "request body is not valid UTF-8 (at byte 9)"},
		{"unicode is checked before required", `{"x":"\ud800"}`, &editRequest{},
			`request body has \ud800 at byte 6, half of a UTF-16 surrogate pair without its other half`},
		{"trailing data", `{"seq":1} {}`, &readRequest{}, "trailing data after the JSON object"},
		{"not an object", `[]`, &readRequest{}, "request body must be a JSON object"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := decodeBytes([]byte(c.body), c.v)
			switch {
			case c.msg == "" && err != nil:
				t.Fatalf("decodeBytes(%s) = %v", c.body, err)
			case c.msg != "" && (chat.ErrorCode(err) != chat.Invalid || chat.ErrorMessage(err) != c.msg):
				t.Fatalf("decodeBytes(%s) = %v, want invalid %q", c.body, err, c.msg)
			}
		})
	}
}
