package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

// unavailableMsg is what a client reads when the database cannot be reached.
// A send may have committed before the connection broke, so the retry must
// reuse the client_id to be safe.
const unavailableMsg = "database unavailable, retry with the same client_id"

// errRaced reports a send that lost to a concurrent send of the same
// (sender, client_id): the unique index refused its insert. Its transaction
// is void; running it again finds the winner's message.
var errRaced = errors.New("postgres: concurrent send with the same client_id")

// clientIDIndex names the unique index behind idempotent sends (migrations).
const clientIDIndex = "messages_client"

// translate maps a driver error to the chat error model (sqlrow.Translate),
// reading the SQLSTATE and pgx's error types.
func translate(err error, what string) error {
	return sqlrow.Translate(err, what, byCode)
}

func byCode(err error, what string) error {
	if errors.Is(err, errRaced) {
		// Only when retries ran out, which the race's nature rules out.
		return chat.Wrap(chat.Unavailable, err, unavailableMsg)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return sqlrow.Exists(err, what)
		case "23503": // foreign_key_violation
			return sqlrow.MissingRef(err)
		case "57P01", "57P02", "57P03", // admin_shutdown, crash_shutdown, cannot_connect_now
			"53300", // too_many_connections
			"57014": // query_canceled: statement_timeout, or a deadline that sent a cancel request
			return chat.Wrap(chat.Unavailable, err, unavailableMsg)
		case "40001", "40P01", "55P03": // serialization_failure, deadlock_detected, lock_not_available
			return chat.Wrap(chat.Unavailable, err, "database busy, retry with the same client_id")
		// Input PostgreSQL cannot keep. The domain refuses it first (U+0000,
		// invalid UTF-8, lengths), so these are a second line of defence: a
		// client's bad text is its own 400, never a 500 and an error log.
		case "22021", // character_not_in_repertoire: U+0000 or bytes not valid in the encoding
			"22P05": // untranslatable_character: \u0000 in jsonb, or text the encoding lacks
			return chat.Wrap(chat.Invalid, err, "the request holds text that cannot be stored (U+0000, or not valid UTF-8)")
		case "54000": // program_limit_exceeded: a value too big for its index (2704 bytes)
			return chat.Wrap(chat.Invalid, err, "a value in the request is too long to store")
		}
		if strings.HasPrefix(pe.Code, "08") { // connection_exception class
			return chat.Wrap(chat.Unavailable, err, unavailableMsg)
		}
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	if errors.Is(err, context.Canceled) {
		// The caller gave up; nobody is waiting for a code.
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	if unreachable(err) {
		return chat.Wrap(chat.Unavailable, err, unavailableMsg)
	}
	return fmt.Errorf("postgres: %s: %w", what, err)
}

// unreachable reports an error of the connection rather than of the
// statement: the server could not be reached, hung up, or did not answer
// before the deadline.
func unreachable(err error) bool {
	var (
		connectErr *pgconn.ConnectError
		netErr     net.Error
	)
	return errors.As(err, &connectErr) ||
		errors.As(err, &netErr) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded) ||
		pgconn.Timeout(err) ||
		// Failed before anything reached the server (a closed connection, …).
		pgconn.SafeToRetry(err)
}

// isRace reports whether err is the unique index on (sender_id, client_id)
// refusing an insert. The constraint name is a structured field of the
// error, like the SQLSTATE.
func isRace(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == clientIDIndex
}
