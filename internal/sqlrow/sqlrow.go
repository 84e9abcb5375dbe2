// Package sqlrow is what the SQLite and PostgreSQL stores read the same way:
// the column lists of the rows they share, the scanners that turn those rows
// into chat values, the one reading of a time column and the error shape.
// Each store keeps its own SQL dialect, transactions and write path.
//
// A scanner takes a Scanner, which *sql.Row, *sql.Rows, pgx.Row and
// pgx.Rows all are. Scan targets are plain Go values and this package's
// nullable types (null.go), which each driver fills by its own fast path.
package sqlrow

// Scanner is one row, as both drivers offer it.
type Scanner interface{ Scan(dest ...any) error }

// Rows is a query's result, read the same way with both drivers; the caller
// closes it (the two drivers' Close differ).
type Rows interface {
	Scanner
	Next() bool
	Err() error
}

// All reads every remaining row of rows with scan; nil for none.
func All[T any](rows Rows, scan func(Scanner) (T, error)) ([]T, error) {
	return AppendAll(nil, rows, scan)
}

// AppendAll is All appending to out.
func AppendAll[T any](out []T, rows Rows, scan func(Scanner) (T, error)) ([]T, error) {
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
