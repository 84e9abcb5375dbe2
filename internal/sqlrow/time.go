package sqlrow

import (
	"fmt"
	"time"

	"parley/internal/chat"
)

// Kept is t as both stores keep it, for a query argument: chat.TimeOf's
// whole milliseconds in UTC, the precision every client sees.
func Kept(t time.Time) time.Time { return chat.TimeOf(t).Time }

// Time is a time column as either store keeps it: SQLite as unix
// milliseconds (INTEGER: ordered and compact), PostgreSQL as timestamptz
// (which pgx reads back in local time). Either way it reads back in UTC.
type Time struct {
	Time  time.Time
	Valid bool // false for NULL
}

// Scan implements sql.Scanner, which both drivers call.
func (t *Time) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*t = Time{}
	case int64:
		*t = Time{Time: time.UnixMilli(v).UTC(), Valid: true}
	case time.Time:
		*t = Time{Time: v.UTC(), Valid: true}
	default:
		return fmt.Errorf("sqlrow: cannot read %T as a time", src)
	}
	return nil
}

// At is the time as clients are sent it (chat.Time): the column of a field
// a client sees is read through At or Ptr, never copied as a time.Time.
func (t Time) At() chat.Time { return chat.TimeOf(t.Time) }

// Ptr is the time as At gives it, or nil for NULL.
func (t Time) Ptr() *chat.Time {
	if !t.Valid {
		return nil
	}
	v := t.At() // only a time that is there is copied to the heap
	return &v
}
