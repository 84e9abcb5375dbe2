package sqlrow

import (
	"database/sql"
	"errors"

	"parley/internal/chat"
)

// Translate maps a statement's error to the chat error model, as both
// stores do: nil stays nil, a *chat.Error passes through, no row is
// NotFound, and the rest is byCode's, which reads the driver's own code
// (SQLite result code, SQLSTATE), never message text. what names the thing
// the statement was about, for the client-safe message.
func Translate(err error, what string, byCode func(err error, what string) error) error {
	if err == nil {
		return nil
	}
	var ce *chat.Error
	if errors.As(err, &ce) {
		return err
	}
	// pgx.ErrNoRows is sql.ErrNoRows too.
	if errors.Is(err, sql.ErrNoRows) {
		return chat.Wrap(chat.NotFound, err, what+" not found")
	}
	return byCode(err, what)
}

// NotFound is the error of a statement that matched no row.
func NotFound(what string) error {
	return chat.Errorf(chat.NotFound, "%s not found", what)
}

// Exists is a unique index refusing a row.
func Exists(err error, what string) error {
	return chat.Wrap(chat.Conflict, err, what+" already exists")
}

// MissingRef is a foreign key refusing a row: every foreign key points at a
// user or a room.
func MissingRef(err error) error {
	return chat.Wrap(chat.NotFound, err, "user or room not found")
}
