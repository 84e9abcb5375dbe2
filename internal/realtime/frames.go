// Package realtime holds the live transports of Parley: the WebSocket
// handshake, framing and epoll poller, the connections with their bounded
// queues and batching writers, long-poll sessions, and the decoding of client
// frames. Which connection gets which event is internal/delivery's job.
package realtime

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"parley/internal/chat"
	"parley/internal/clientjson"
)

// ClientFrame is one request from a client. Data is decoded by type.
type ClientFrame struct {
	ID   string          `json:"id"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// Payloads of client frames other than send and react (chat.SendRequest and
// chat.ReactRequest). A field tagged `required:"true"` must be in the frame's
// data (DecodeData): the same fields as the REST twin of each frame requires,
// with room_id and seq taking the place of the path's {room} and {seq}.
type (
	ReadFrame struct {
		RoomID chat.RoomID `json:"room_id" required:"true"`
		Seq    int64       `json:"seq" required:"true"`
	}
	EditFrame struct {
		RoomID chat.RoomID `json:"room_id" required:"true"`
		Seq    int64       `json:"seq" required:"true"`
		Text   string      `json:"text" required:"true"`
	}
	DeleteFrame struct {
		RoomID chat.RoomID `json:"room_id" required:"true"`
		Seq    int64       `json:"seq" required:"true"`
	}
	TypingFrame struct {
		RoomID chat.RoomID `json:"room_id" required:"true"`
		Typing bool        `json:"typing" required:"true"`
	}
	FocusFrame struct {
		Focused bool `json:"focused" required:"true"`
	}
)

// DecodeClientFrame parses one client frame. It never panics: any input is
// either a frame or a chat.Invalid error. Text that is not valid Unicode is
// refused here, by the rule REST bodies follow (clientjson.Check).
func DecodeClientFrame(b []byte) (ClientFrame, error) {
	var f ClientFrame
	if err := clientjson.Check(b); err != nil {
		return f, chat.Errorf(chat.Invalid, "frame %v", err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, chat.Errorf(chat.Invalid, "frame is not a JSON object: %s", jsonErr(err))
	}
	if utf8.RuneCountInString(f.ID) > 64 { // characters are code points, as everywhere (docs/protocol.md)
		return ClientFrame{Type: f.Type}, chat.Errorf(chat.Invalid, "id must be at most 64 characters")
	}
	if f.Type == "" {
		return f, chat.Errorf(chat.Invalid, "frame has no type")
	}
	return f, nil
}

// DecodeData decodes a frame's data into v; a missing data object, or one
// without a field v's type requires, is an error.
func DecodeData(f ClientFrame, v any) error {
	if len(f.Data) == 0 || bytes.Equal(f.Data, []byte("null")) {
		return chat.Errorf(chat.Invalid, "%s frame needs a data object", f.Type)
	}
	if err := json.Unmarshal(f.Data, v); err != nil {
		return chat.Errorf(chat.Invalid, "%s data: %s", f.Type, jsonErr(err))
	}
	if err := clientjson.Required(f.Data, v); err != nil {
		return chat.Errorf(chat.Invalid, "%s data: %v", f.Type, err)
	}
	return nil
}

// jsonErr names what was wrong without echoing arbitrary input back.
func jsonErr(err error) string {
	switch e := err.(type) {
	case *json.UnmarshalTypeError:
		return "field " + e.Field + " has the wrong type"
	case *json.SyntaxError:
		return "malformed JSON"
	}
	return "malformed JSON"
}

// Server frames. Event frames are built from bytes the bus already carries, so
// an event is encoded once per node however many connections receive it.

type serverFrame struct {
	Type  string     `json:"type"`
	ID    string     `json:"id,omitempty"`
	Data  any        `json:"data,omitempty"`
	Error *wireError `json:"error,omitempty"`
}

type wireError struct {
	Code    chat.Code `json:"code"`
	Message string    `json:"message"`
}

// ReadyData is the payload of the ready frame, the first frame on every connection.
type ReadyData struct {
	User           chat.User           `json:"user"`
	Rooms          []chat.RoomSummary  `json:"rooms"`
	NotifySettings chat.NotifySettings `json:"notify_settings"`
}

// encodeReady is the ready frame of d, its rooms bounded each
// (chat.ReadyRooms) so that the largest fits the queue. It leaves <, > and &
// as they are rather than escaping each as six bytes: the frame is never
// embedded in HTML, and the bound is worked out for four bytes a character.
func encodeReady(d ReadyData) []byte {
	d.Rooms = chat.ReadyRooms(d.Rooms)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(serverFrame{Type: "ready", Data: d}); err != nil {
		return encodeFrame(serverFrame{Type: "error", Error: &wireError{Code: chat.Internal, Message: "internal error"}})
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func encodeFrame(f serverFrame) []byte {
	b, err := json.Marshal(f)
	if err != nil {
		b, _ = json.Marshal(serverFrame{Type: "error", ID: f.ID, Error: &wireError{Code: chat.Internal, Message: "internal error"}})
	}
	return b
}

func ackFrame(id string, data any) []byte {
	return encodeFrame(serverFrame{Type: "ack", ID: id, Data: data})
}

func errorFrame(id string, err error) []byte {
	return encodeFrame(serverFrame{Type: "error", ID: id, Error: &wireError{Code: chat.ErrorCode(err), Message: chat.ErrorMessage(err)}})
}
