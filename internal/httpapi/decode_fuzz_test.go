package httpapi

import (
	"testing"

	"parley/internal/chat"
)

// FuzzDecodeRequest: every request body decodes or is Invalid; never a panic.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"username":"alice","password":"12345678","display_name":"Alice"}`,
		`{"name":"team","members":["bob","carol"]}`, `{"name":null,"announcement":"x"}`,
		`{"client_id":"c1","text":"hi","reply_to":3}`, `{"seq":5}`, `{"role":"admin"}`,
		`{} {}`, `{"seq":"5"}`, `[1]`, ``, `{`, `  {"seq":1}  `,
		`{"display_name":"Alice","status_message":null}`, `{"status_message":5}`, `{"username":"bob"}`,
		`{"typing":true}`, `{"typing":"yes"}`, `{"typing":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, v := range []any{&chat.SignupRequest{}, &createRoomRequest{}, &updateRoomRequest{},
			&sendRequest{}, &readRequest{}, &roleRequest{}, &inviteRequest{}, &directRequest{},
			&profileRequest{}, &usernameRequest{}, &typingRequest{}} {
			if err := decodeBytes(b, v); err != nil && chat.ErrorCode(err) != chat.Invalid {
				t.Fatalf("error %v is not invalid", err)
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
