package httpapi

import (
	"testing"
	"time"

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
		`{"level":"off"}`, `{"focused":true}`, `{"previews":false,"dnd":{"enabled":true,"start":"22:00","end":"07:00","time_zone":"Europe/Berlin"}}`,
		`{"dnd":null}`, `{"dnd":{"start":7}}`,
		`{"text":"\udc00"}`, `{"text":"\ud83d\udc4d"}`, "{\"text\":\"\xff\"}", `{"text":"\ufffd"}`,
		"{\"name\":\"\uFFFD\"}", `{"\ud800":1}`, `{"members":["bob","\ud800x"]}`, `{"text":"\\udc00"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, v := range []any{&chat.SignupRequest{}, &chat.LoginRequest{}, &createRoomRequest{},
			&updateRoomRequest{}, &sendRequest{}, &editRequest{}, &readRequest{}, &roleRequest{},
			&inviteRequest{}, &directRequest{}, &profileRequest{}, &usernameRequest{}, &typingRequest{},
			&notifyLevelRequest{}, &chat.NotifySettingsPatch{}, &focusRequest{}} {
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

// FuzzNotifySettings: a settings change decodes and applies, or is
// Invalid; what applies is a valid setting (it applies again unchanged and
// answers whether any moment is quiet without failing).
func FuzzNotifySettings(f *testing.F) {
	for _, s := range []string{
		`{"previews":false}`, `{"dnd":{"enabled":true}}`, `{"dnd":{"start":"23:00","end":"06:30","time_zone":"Asia/Tokyo"}}`,
		`{"dnd":{"start":"07:00"}}`, `{"dnd":{"start":"24:00"}}`, `{"dnd":{"time_zone":"Local"}}`, `{"dnd":{"time_zone":"../x"}}`,
		`{"dnd":{"time_zone":"America/Argentina/ComodRivadavia"}}`, `{"dnd":null,"previews":null}`, `{"dnd":[]}`, `{"other":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p chat.NotifySettingsPatch
		if err := decodeBytes(b, &p); err != nil {
			if chat.ErrorCode(err) != chat.Invalid {
				t.Fatalf("error %v is not invalid", err)
			}
			return
		}
		got, err := p.Apply(chat.DefaultNotifySettings())
		if err != nil {
			if chat.ErrorCode(err) != chat.Invalid {
				t.Fatalf("error %v is not invalid", err)
			}
			return
		}
		again, err := chat.NotifySettingsPatch{}.Apply(got)
		if err != nil || again != got {
			t.Fatalf("%q applied to %+v, which does not hold: %+v, %v", b, got, again, err)
		}
		got.DND.Quiet(time.Unix(1_790_000_000, 0))
	})
}
