package realtime

import (
	"testing"

	"parley/internal/chat"
)

// FuzzDecodeClientFrame: any input decodes to a frame or a chat.Invalid error,
// never a panic, and the payload decoders hold the same promise.
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
		for _, v := range []any{&chat.SendRequest{}, &ReadFrame{}, &EditFrame{}, &DeleteFrame{},
			&chat.ReactRequest{}, &TypingFrame{}} {
			if err := DecodeData(fr, v); err != nil && chat.ErrorCode(err) != chat.Invalid {
				t.Fatalf("data error %v is not invalid", err)
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
