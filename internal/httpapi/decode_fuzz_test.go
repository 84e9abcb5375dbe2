package httpapi

import (
	"testing"

	"parley/internal/chat"
	"parley/internal/clientjson/clientjsontest"
)

// FuzzDecodeRequest: every request body decodes or is Invalid, never a
// panic; and what decodes holds no U+FFFD the body did not spell (invalid
// UTF-8 and lone surrogate escapes are refused, not replaced).
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"username":"alice","password":"12345678","display_name":"Alice"}`,
		`{"name":"team","members":["bob","carol"]}`, `{"name":null,"announcement":"x"}`,
		`{"client_id":"c1","text":"hi","reply_to":3}`, `{"seq":5}`, `{"role":"admin"}`,
		`{} {}`, `{"seq":"5"}`, `[1]`, ``, `{`, `  {"seq":1}  `,
		`{"display_name":"Alice","status_message":null}`, `{"status_message":5}`, `{"username":"bob"}`,
		`{"typing":true}`, `{"typing":"yes"}`, `{"typing":null}`,
		`{"text":"\udc00"}`, `{"text":"\ud83d\udc4d"}`, "{\"text\":\"\xff\"}", `{"text":"\ufffd"}`,
		"{\"name\":\"\uFFFD\"}", `{"\ud800":1}`, `{"members":["bob","\ud800x"]}`, `{"text":"\\udc00"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, v := range []any{&chat.SignupRequest{}, &chat.LoginRequest{}, &createRoomRequest{},
			&updateRoomRequest{}, &sendRequest{}, &editRequest{}, &readRequest{}, &roleRequest{},
			&inviteRequest{}, &directRequest{}, &profileRequest{}, &usernameRequest{}, &typingRequest{}} {
			err := decodeBytes(b, v)
			if err != nil && chat.ErrorCode(err) != chat.Invalid {
				t.Fatalf("error %v is not invalid", err)
			}
			if err == nil && clientjsontest.Replaced(b, v) {
				t.Fatalf("%q decoded to %+v, with a U+FFFD it does not spell", b, v)
			}
		}
	})
}

func FuzzParseSeq(f *testing.F) {
	for _, s := range []string{"0", "1", "-1", "9223372036854775807", "9223372036854775808", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSeq("seq", s)
		if err == nil && n < 0 {
			t.Fatalf("parseSeq(%q) = %d", s, n)
		}
		if err != nil && chat.ErrorCode(err) != chat.Invalid {
			t.Fatalf("error %v is not invalid", err)
		}
	})
}
