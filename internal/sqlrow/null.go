package sqlrow

import (
	"fmt"

	"github.com/jackc/pgx/v5/pgtype"
)

// The nullable targets below are read natively by both drivers:
// database/sql calls Scan (sql.Scanner); pgx calls its typed scanner
// (pgtype.TextScanner, Int64Scanner, BoolScanner, TimestamptzScanner) and so
// skips its sql.Scanner path, which boxes every value it hands over: with
// database/sql's Null types a page of 50 messages cost PostgreSQL 1,092
// allocations instead of 434 (BenchMessages). pgtype is pgx's package of
// value types only; nothing here opens a connection.

// NullString is a nullable text column.
type NullString struct {
	String string
	Valid  bool // false for NULL
}

func (n *NullString) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n = NullString{}
	case string:
		*n = NullString{String: v, Valid: true}
	case []byte:
		*n = NullString{String: string(v), Valid: true}
	default:
		return fmt.Errorf("sqlrow: cannot read %T as text", src)
	}
	return nil
}

func (n *NullString) ScanText(v pgtype.Text) error {
	*n = NullString{String: v.String, Valid: v.Valid}
	return nil
}

// NullInt64 is a nullable integer column.
type NullInt64 struct {
	Int64 int64
	Valid bool // false for NULL
}

func (n *NullInt64) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n = NullInt64{}
	case int64:
		*n = NullInt64{Int64: v, Valid: true}
	default:
		return fmt.Errorf("sqlrow: cannot read %T as an integer", src)
	}
	return nil
}

func (n *NullInt64) ScanInt64(v pgtype.Int8) error {
	*n = NullInt64{Int64: v.Int64, Valid: v.Valid}
	return nil
}

// NullBool is a nullable boolean column: SQLite keeps it as 0 or 1.
type NullBool struct {
	Bool  bool
	Valid bool // false for NULL
}

func (n *NullBool) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n = NullBool{}
	case bool:
		*n = NullBool{Bool: v, Valid: true}
	case int64:
		*n = NullBool{Bool: v != 0, Valid: true}
	default:
		return fmt.Errorf("sqlrow: cannot read %T as a boolean", src)
	}
	return nil
}

func (n *NullBool) ScanBool(v pgtype.Bool) error {
	*n = NullBool{Bool: v.Bool, Valid: v.Valid}
	return nil
}

// ScanTimestamptz is pgx's own path for Time.
func (t *Time) ScanTimestamptz(v pgtype.Timestamptz) error {
	if v.InfinityModifier != pgtype.Finite {
		return fmt.Errorf("sqlrow: cannot read an infinite timestamp as a time")
	}
	if !v.Valid {
		*t = Time{}
		return nil
	}
	*t = Time{Time: v.Time.UTC(), Valid: true}
	return nil
}
