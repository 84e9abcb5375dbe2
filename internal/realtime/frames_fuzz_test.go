package realtime

import (
	"testing"

	"parley/internal/chat"
	"parley/internal/clientjson/clientjsontest"
)

// FuzzDecodeClientFrame: any input decodes to a frame or a chat.Invalid error,
// never a panic, and the payload decoders hold the same promise; nothing
// decoded holds a U+FFFD the frame did not spell.
func FuzzDecodeClientFrame(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","type":"send","data":{"room_id":"r","client_id":"c","text":"hi","reply_to":2}}`,
		`{"id":"2","type":"read","data":{"room_id":"r","seq":5}}`,
		`{"id":"3","type":"edit","data":{"room_id":"r","seq":5,"text":"x"}}`,
		`{"id":"4","type":"delete","data":{"room_id":"r","seq":5}}`,
		`{"id":"5","type":"typing","data":{"room_id":"r","typing":true}}`,
		`{"type":"typing","data":{"room_id":"r","typing":"yes"}}`, `{"type":"typing","data":{"typing":false}}`,
		`{"type":"ping"}`, `{"type":"send","data":null}`, `[]`, `"x"`, `{`, ``, `{"id":5}`,
		`{"type":"read","data":{"seq":"1"}}`, `{"type":"read","data":{"seq":1e400}}`,
		`{"id":"5","type":"react","data":{"room_id":"r","seq":5,"emoji":"👍","on":true}}`,
		`{"type":"react","data":{"room_id":"r","seq":5,"emoji":"\u0007","on":"yes"}}`,
		`{"id":"6","type":"send","data":{"room_id":"r","text":"\udc00"}}`, `{"id":"\ud800","type":"ping"}`,
		`{"type":"send","data":{"room_id":"r","text":"\ud83d\udc4d \ufffd"}}`, "{\"type\":\"send\",\"data\":{\"text\":\"\xff\"}}",
		`{"type":"read","data":{"room_id":"r"}}`, `{"type":"typing","data":{"room_id":"r","typing":null}}`,
		`{"id":"7","type":"focus","data":{"focused":true}}`, `{"type":"focus","data":{"focused":"yes"}}`,
		`{"type":"focus","data":{}}`, `{"type":"focus"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := DecodeClientFrame(b)
		if err != nil {
			if chat.ErrorCode(err) != chat.Invalid {
				t.Fatalf("error %v is not invalid", err)
			}
			return
		}
		if clientjsontest.Replaced(b, fr) {
			t.Fatalf("%q decoded to %+v, with a U+FFFD it does not spell", b, fr)
		}
		for _, v := range []any{&chat.SendRequest{}, &ReadFrame{}, &EditFrame{}, &DeleteFrame{},
			&chat.ReactRequest{}, &TypingFrame{}, &FocusFrame{}} {
			err := DecodeData(fr, v)
			if err != nil && chat.ErrorCode(err) != chat.Invalid {
				t.Fatalf("data error %v is not invalid", err)
			}
			if err == nil && clientjsontest.Replaced(b, v) {
				t.Fatalf("%q decoded to %+v, with a U+FFFD it does not spell", b, v)
			}
		}
		var r chat.ReactRequest
		if DecodeData(fr, &r) == nil {
			if err := chat.ValidateEmoji(r.Emoji); err != nil && chat.ErrorCode(err) != chat.Invalid {
				t.Fatalf("emoji error %v is not invalid", err)
			}
		}
	})
}
