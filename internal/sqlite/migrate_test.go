package sqlite

import (
	"database/sql"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"
)

// oldDatabase is a database migrated up to version, as an older Parley left
// it: a migration's test fills it with rows of that time, then calls up to
// run the migrations after it and checks what they made of the rows.
func oldDatabase(t *testing.T, version int64) (db *sql.DB, up func()) {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(filepath.Join(t.TempDir(), "old.db"), roleWriter))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(t.Context(), version); err != nil {
		t.Fatal(err)
	}
	return db, func() {
		t.Helper()
		if _, err := p.Up(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
}
