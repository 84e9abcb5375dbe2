package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"parley/internal/chat"
)

// translate maps a driver error to the chat error model by SQLite result code,
// never by message text. what names the thing the statement was about, for
// the client-safe message. Errors that are already *chat.Error pass through.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	var ce *chat.Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return chat.Wrap(chat.NotFound, err, what+" not found")
	}
	var se *msqlite.Error
	if errors.As(err, &se) {
		// Extended result codes are on (modernc enables them per connection).
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return chat.Wrap(chat.Conflict, err, what+" already exists")
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			// Every foreign key points at a user or a room.
			return chat.Wrap(chat.NotFound, err, "user or room not found")
		}
		switch se.Code() & 0xff { // primary code: BUSY_SNAPSHOT, LOCKED_SHAREDCACHE, …
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return chat.Wrap(chat.Unavailable, err, "database busy, retry")
		}
	}
	return fmt.Errorf("sqlite: %s: %w", what, err)
}

// notFound is the NotFound for a statement that matched no row.
func notFound(what string) error {
	return chat.Errorf(chat.NotFound, "%s not found", what)
}
