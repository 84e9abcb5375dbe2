package sqlite

import (
	"errors"
	"fmt"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

// translate maps a driver error to the chat error model (sqlrow.Translate),
// reading SQLite's result code.
func translate(err error, what string) error {
	return sqlrow.Translate(err, what, byCode)
}

func byCode(err error, what string) error {
	var se *msqlite.Error
	if errors.As(err, &se) {
		// Extended result codes are on (modernc enables them per connection).
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return sqlrow.Exists(err, what)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return sqlrow.MissingRef(err)
		}
		switch se.Code() & 0xff { // primary code: BUSY_SNAPSHOT, LOCKED_SHAREDCACHE, …
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return chat.Wrap(chat.Unavailable, err, "database busy, retry")
		}
	}
	return fmt.Errorf("sqlite: %s: %w", what, err)
}
