package sqlrow_test

import (
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

func TestTimeReadsBothStores(t *testing.T) {
	at := time.Date(2026, 12, 4, 23, 59, 59, 999_000_000, time.UTC)
	seoul := time.FixedZone("KST", 9*3600)
	for _, c := range []struct {
		name string
		src  any
		want sqlrow.Time
	}{
		{"SQLite unix milliseconds", at.UnixMilli(), sqlrow.Time{Time: at, Valid: true}},
		{"PostgreSQL timestamptz in local time", at.In(seoul), sqlrow.Time{Time: at, Valid: true}},
		{"NULL", nil, sqlrow.Time{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := sqlrow.Time{Time: time.Now(), Valid: true} // overwritten, NULL included
			if err := got.Scan(c.src); err != nil {
				t.Fatal(err)
			}
			if got.Valid != c.want.Valid || !got.Time.Equal(c.want.Time) || got.Time.Location() != time.UTC {
				t.Fatalf("Scan(%v) = %+v, want %+v in UTC", c.src, got, c.want)
			}
		})
	}
	var bad sqlrow.Time
	if err := bad.Scan("2026-12-04"); err == nil {
		t.Fatal("a string read as a time")
	}
	if p := (sqlrow.Time{}).Ptr(); p != nil {
		t.Fatalf("NULL's Ptr = %v, want nil", p)
	}
}

func TestKeptTruncatesToMilliseconds(t *testing.T) {
	in := time.Date(2026, 12, 4, 23, 59, 59, 999_600_000, time.FixedZone("X", -3600))
	want := time.Date(2026, 12, 5, 0, 59, 59, 999_000_000, time.UTC)
	if got := sqlrow.Kept(in); !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("Kept(%v) = %v, want %v", in, got, want)
	}
	var back sqlrow.Time
	if err := back.Scan(in.UnixMilli()); err != nil || !back.Time.Equal(sqlrow.Kept(in)) {
		t.Fatalf("milliseconds read back as %v (%v), want %v", back.Time, err, sqlrow.Kept(in))
	}
}

func TestTranslate(t *testing.T) {
	driver := errors.New("driver error")
	byCode := func(err error, what string) error {
		if errors.Is(err, driver) {
			return sqlrow.Exists(err, what)
		}
		return fmt.Errorf("store: %s: %w", what, err)
	}
	for _, c := range []struct {
		name string
		err  error
		want chat.Code
	}{
		{"nil", nil, ""},
		{"no rows", sql.ErrNoRows, chat.NotFound},
		{"no rows, wrapped", fmt.Errorf("scan: %w", sql.ErrNoRows), chat.NotFound},
		{"chat error passes through", chat.Errorf(chat.Forbidden, "no"), chat.Forbidden},
		{"the driver's, by code", driver, chat.Conflict},
		{"unknown", errors.New("?"), chat.Internal},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := chat.ErrorCode(sqlrow.Translate(c.err, "room", byCode)); got != c.want {
				t.Fatalf("code %q, want %q", got, c.want)
			}
		})
	}
	var ce *chat.Error
	if !errors.As(sqlrow.Translate(sql.ErrNoRows, "room", byCode), &ce) || ce.Message != "room not found" {
		t.Fatalf("no rows: %v, want the message \"room not found\"", ce)
	}
}

func TestNullablesReadSQLiteValues(t *testing.T) {
	var (
		s sqlrow.NullString
		i sqlrow.NullInt64
		b sqlrow.NullBool
	)
	for _, c := range []struct {
		name string
		scan func() error
		ok   func() bool
	}{
		{"text", func() error { return s.Scan("hi") }, func() bool { return s == sqlrow.NullString{String: "hi", Valid: true} }},
		{"text as bytes", func() error { return s.Scan([]byte("hi")) }, func() bool { return s == sqlrow.NullString{String: "hi", Valid: true} }},
		{"text NULL", func() error { return s.Scan(nil) }, func() bool { return s == sqlrow.NullString{} }},
		{"integer", func() error { return i.Scan(int64(7)) }, func() bool { return i == sqlrow.NullInt64{Int64: 7, Valid: true} }},
		{"integer NULL", func() error { return i.Scan(nil) }, func() bool { return i == sqlrow.NullInt64{} }},
		{"boolean as 1", func() error { return b.Scan(int64(1)) }, func() bool { return b == sqlrow.NullBool{Bool: true, Valid: true} }},
		{"boolean as 0", func() error { return b.Scan(int64(0)) }, func() bool { return b == sqlrow.NullBool{Valid: true} }},
		{"boolean", func() error { return b.Scan(true) }, func() bool { return b == sqlrow.NullBool{Bool: true, Valid: true} }},
		{"boolean NULL", func() error { return b.Scan(nil) }, func() bool { return b == sqlrow.NullBool{} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.scan(); err != nil || !c.ok() {
				t.Fatalf("err %v; got %+v %+v %+v", err, s, i, b)
			}
		})
	}
	if s.Scan(1.5) == nil || i.Scan("7") == nil || b.Scan("yes") == nil {
		t.Fatal("a value of another type was read")
	}
}
