package chat

import (
	"errors"
	"time"
)

// Time is a moment as Parley keeps and sends it: in UTC, to the millisecond.
// On the wire it is RFC 3339 with exactly three fractional digits
// (2025-02-01T09:30:00.000Z), the one form a client can parse with a fixed
// layout or compare as text; time.Time's own JSON trims trailing zeros
// (".12Z", "Z") and would carry any nanoseconds it held. Every time a client
// is sent is one of these (decision 0027).
type Time struct{ time.Time }

// wireLayout is RFC 3339 with milliseconds; MarshalJSON formats only UTC
// times with it, for which Z07:00 prints "Z".
const wireLayout = "2006-01-02T15:04:05.000Z07:00"

// TimeOf is t as Parley keeps it: truncated (not rounded, so 23:59:59.9996
// stays in its second) to whole milliseconds, in UTC.
func TimeOf(t time.Time) Time { return Time{t.UTC().Truncate(time.Millisecond)} }

// MarshalJSON writes the wire form whatever t holds, so a Time made without
// TimeOf is sent as clients expect all the same.
func (t Time) MarshalJSON() ([]byte, error) {
	u := t.UTC().Truncate(time.Millisecond)
	if y := u.Year(); y < 0 || y > 9999 {
		return nil, errors.New("chat.Time: year outside of [0,9999]")
	}
	b := make([]byte, 0, len(wireLayout)+2)
	b = append(b, '"')
	b = u.AppendFormat(b, wireLayout)
	return append(b, '"'), nil
}

// UnmarshalJSON reads any RFC 3339 time, in any zone and to any precision
// (what a client sends need not be in the wire form), as TimeOf keeps it.
// null leaves t as it is, as for time.Time.
func (t *Time) UnmarshalJSON(b []byte) error {
	var u time.Time
	if err := u.UnmarshalJSON(b); err != nil {
		return err
	}
	if string(b) != "null" {
		*t = TimeOf(u)
	}
	return nil
}
