package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"parley/internal/chat"
)

func TestTranslate(t *testing.T) {
	pg := func(code string) error {
		return &pgconn.PgError{Severity: "ERROR", Code: code, Message: "text that is never read"}
	}
	for _, c := range []struct {
		name string
		err  error
		want chat.Code
	}{
		{"nil", nil, ""},
		{"no rows", pgx.ErrNoRows, chat.NotFound},
		{"no rows, wrapped", fmt.Errorf("scan: %w", pgx.ErrNoRows), chat.NotFound},
		{"chat error passes through", chat.Errorf(chat.Forbidden, "no"), chat.Forbidden},
		{"unique violation", pg("23505"), chat.Conflict},
		{"unique violation, wrapped", fmt.Errorf("exec: %w", pg("23505")), chat.Conflict},
		{"foreign key violation", pg("23503"), chat.NotFound},
		{"admin shutdown", pg("57P01"), chat.Unavailable},
		{"crash shutdown", pg("57P02"), chat.Unavailable},
		{"cannot connect now (starting up)", pg("57P03"), chat.Unavailable},
		{"too many connections", pg("53300"), chat.Unavailable},
		{"connection failure", pg("08006"), chat.Unavailable},
		{"connection does not exist", pg("08003"), chat.Unavailable},
		{"statement timeout", pg("57014"), chat.Unavailable},
		{"deadlock", pg("40P01"), chat.Unavailable},
		{"serialization failure", pg("40001"), chat.Unavailable},
		{"NUL or a bad byte sequence in text", pg("22021"), chat.Invalid},
		{"untranslatable character", pg("22P05"), chat.Invalid},
		{"index row too big", pg("54000"), chat.Invalid},
		{"index row too big, wrapped", fmt.Errorf("exec: %w", pg("54000")), chat.Invalid},
		{"undefined table is a bug", pg("42P01"), chat.Internal},
		{"division by zero is a bug", pg("22012"), chat.Internal},
		{"check violation is a bug", pg("23514"), chat.Internal},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, chat.Unavailable},
		{"connection cut mid-reply", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), chat.Unavailable},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), chat.Unavailable},
		{"lost race past its retries", errRaced, chat.Unavailable},
		{"caller canceled", fmt.Errorf("query: %w", context.Canceled), chat.Internal},
		{"anything else", errors.New("boom"), chat.Internal},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := translate(c.err, "thing")
			if got := chat.ErrorCode(err); got != c.want {
				t.Errorf("translate(%v) = code %q (%v), want %q", c.err, got, err, c.want)
			}
			if c.err != nil && !errors.Is(err, c.err) {
				t.Errorf("translate(%v) = %v, which no longer wraps the cause", c.err, err)
			}
		})
	}
}

func TestIsRace(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"the client_id index", &pgconn.PgError{Code: "23505", ConstraintName: clientIDIndex}, true},
		{"wrapped", fmt.Errorf("scan: %w", &pgconn.PgError{Code: "23505", ConstraintName: clientIDIndex}), true},
		{"another unique index (a reused message id)", &pgconn.PgError{Code: "23505", ConstraintName: "messages_id_key"}, false},
		{"another code", &pgconn.PgError{Code: "23503", ConstraintName: clientIDIndex}, false},
		{"nil", nil, false},
	} {
		if got := isRace(c.err); got != c.want {
			t.Errorf("%s: isRace = %v, want %v", c.name, got, c.want)
		}
	}
}
