package chat_test

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"parley/internal/chat"
)

// wireTime is $defs/Timestamp of api/frames.schema.json.
var wireTime = regexp.MustCompile(`^"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z"$`)

func TestTimeMarshalsThreeDigitsInUTC(t *testing.T) {
	kst := time.FixedZone("KST", 9*60*60)
	tests := []struct {
		name string
		in   chat.Time
		want string
	}{
		{"whole second", chat.TimeOf(time.Date(2025, 2, 1, 9, 30, 0, 0, time.UTC)), `"2025-02-01T09:30:00.000Z"`},
		{"trailing zero kept", chat.TimeOf(time.Date(2025, 2, 1, 9, 30, 0, 120_000_000, time.UTC)), `"2025-02-01T09:30:00.120Z"`},
		{"one millisecond", chat.TimeOf(time.Date(2025, 2, 1, 9, 30, 0, 1_000_000, time.UTC)), `"2025-02-01T09:30:00.001Z"`},
		{"nanoseconds truncated", chat.TimeOf(time.Date(2025, 2, 1, 9, 30, 0, 123_456_789, time.UTC)), `"2025-02-01T09:30:00.123Z"`},
		{"truncated, not rounded, at the end of a day", chat.TimeOf(time.Date(2025, 6, 30, 23, 59, 59, 999_600_000, time.UTC)), `"2025-06-30T23:59:59.999Z"`},
		{"another zone converted to Z", chat.TimeOf(time.Date(2025, 2, 1, 18, 30, 0, 500_000_000, kst)), `"2025-02-01T09:30:00.500Z"`},
		// A Time made without TimeOf is sent in the same form.
		{"literal with nanoseconds and a zone", chat.Time{Time: time.Date(2025, 2, 1, 18, 30, 0, 120_999_999, kst)}, `"2025-02-01T09:30:00.120Z"`},
		{"zero", chat.Time{}, `"0001-01-01T00:00:00.000Z"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want || !wireTime.Match(b) {
				t.Fatalf("json.Marshal = %s, want %s", b, tc.want)
			}
			var back chat.Time
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if want := chat.TimeOf(tc.in.Time); !back.Equal(want.Time) || back.Location() != time.UTC {
				t.Fatalf("read back as %v, want %v", back, want)
			}
		})
	}
}

func TestTimeMarshalRefusesYearsRFC3339CannotWrite(t *testing.T) {
	for _, y := range []int{-1, 10000} {
		if b, err := json.Marshal(chat.TimeOf(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC))); err == nil {
			t.Errorf("year %d marshalled as %s, want an error", y, b)
		}
	}
}

// Fields of the API's types are sent in the wire form, pointers and embedded
// structs included, and an absent optional time stays absent.
func TestTimeFieldsOfAPITypes(t *testing.T) {
	at := chat.TimeOf(time.Date(2025, 2, 1, 9, 30, 0, 0, time.UTC))
	edited := chat.TimeOf(time.Date(2025, 2, 1, 9, 31, 0, 120_000_000, time.UTC))
	b, err := json.Marshal(chat.Message{ID: "m", RoomID: "r", Seq: 1, Kind: chat.Text, CreatedAt: at, EditedAt: &edited})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if string(got["created_at"]) != `"2025-02-01T09:30:00.000Z"` || string(got["edited_at"]) != `"2025-02-01T09:31:00.120Z"` {
		t.Fatalf("message %s", b)
	}
	b, err = json.Marshal(chat.Friend{User: chat.User{ID: "u", CreatedAt: at}, Since: at})
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"id":"u","username":"","display_name":"","created_at":"2025-02-01T09:30:00.000Z","status_message":"","since":"2025-02-01T09:30:00.000Z","online":false}`
	if string(b) != want {
		t.Fatalf("friend %s,\nwant %s", b, want)
	}
}

// A time a client sends may be any RFC 3339 time; it is kept as TimeOf keeps
// times.
func TestTimeUnmarshalAcceptsAnyRFC3339(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{`"2025-02-01T09:30:00Z"`, time.Date(2025, 2, 1, 9, 30, 0, 0, time.UTC)},
		{`"2025-02-01T09:30:00.12Z"`, time.Date(2025, 2, 1, 9, 30, 0, 120_000_000, time.UTC)},
		{`"2025-02-01T09:30:00.123456789Z"`, time.Date(2025, 2, 1, 9, 30, 0, 123_000_000, time.UTC)},
		{`"2025-02-01T18:30:00.5+09:00"`, time.Date(2025, 2, 1, 9, 30, 0, 500_000_000, time.UTC)},
		{`"2025-02-01T09:30:00.000-00:00"`, time.Date(2025, 2, 1, 9, 30, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		var got chat.Time
		if err := json.Unmarshal([]byte(tc.in), &got); err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got.Location() != time.UTC || !got.Equal(tc.want) {
			t.Errorf("%s read as %v (%v), want %v", tc.in, got, got.Location(), tc.want)
		}
	}
	for _, bad := range []string{`"2025-02-01"`, `"2025-02-01 09:30:00Z"`, `"2025-02-01T09:30:00"`, `1738402200`, `"tomorrow"`} {
		var got chat.Time
		if err := json.Unmarshal([]byte(bad), &got); err == nil {
			t.Errorf("%s read as %v, want an error", bad, got)
		}
	}
	// null leaves the time as it was, as for time.Time.
	got := chat.TimeOf(time.Date(2025, 2, 1, 9, 30, 0, 0, time.UTC))
	if err := json.Unmarshal([]byte(`null`), &got); err != nil || !got.Equal(time.Date(2025, 2, 1, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("null: %v, %v", got, err)
	}
}

// Whatever a Time is read from, it is sent back in the wire form, as the
// same instant to the millisecond.
func FuzzTimeJSON(f *testing.F) {
	for _, s := range []string{`"2025-02-01T09:30:00Z"`, `"2025-02-01T09:30:00.120Z"`, `"2025-02-01T18:30:00.123456789+09:00"`, `null`, `"9999-12-31T23:59:59.9999999-23:59"`, `"0000-01-01T00:00:00+00:01"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var in chat.Time
		if err := json.Unmarshal(b, &in); err != nil || string(b) == "null" {
			return
		}
		out, err := json.Marshal(in)
		if err != nil {
			if y := in.Year(); y >= 0 && y <= 9999 {
				t.Fatalf("%s read as %v, which does not marshal: %v", b, in, err)
			}
			return
		}
		if !wireTime.Match(out) {
			t.Fatalf("%s sent back as %s", b, out)
		}
		var again chat.Time
		if err := json.Unmarshal(out, &again); err != nil || !again.Equal(in.Time) {
			t.Fatalf("%s sent back as %s, read again as %v (%v), want %v", b, out, again, err, in)
		}
	})
}
