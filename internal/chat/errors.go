package chat

import (
	"errors"
	"fmt"
)

// Code is a stable, documented error code. Clients switch on it; the HTTP layer
// maps it to a status in one place (internal/httpapi/errors.go).
type Code string

const (
	Invalid      Code = "invalid"
	NotFound     Code = "not_found"
	Forbidden    Code = "forbidden"
	Conflict     Code = "conflict"
	RateLimited  Code = "rate_limited"
	Unauthorized Code = "unauthorized"
	TooLarge     Code = "too_large"
	// QuotaExceeded refuses an upload that would take the user's
	// attachments past their storage quota: freeing space helps, retrying
	// does not.
	QuotaExceeded Code = "quota_exceeded"
	// UnsupportedMediaType refuses a body whose declared type the endpoint
	// does not take (a JSON endpoint sent text/plain or a form).
	UnsupportedMediaType Code = "unsupported_media_type"
	Unavailable          Code = "unavailable" // retry later with the same client_id
	// Unreachable refuses a send (edit, typing) in a 1:1 whose other person
	// cannot be reached there: "can't send to this chat", never retried.
	// It says no more than that (docs/decisions/0020-consent.md).
	Unreachable Code = "unreachable"
	// TimedOut ends a request that would work longer than the server allows
	// (a search too broad): narrowing it helps, repeating it does not.
	TimedOut Code = "timeout"
	Internal Code = "internal"
)

// Error is the one error type the domain returns to transports. Message is safe
// to show to the client; anything with internal detail stays in the wrapped error.
type Error struct {
	Code    Code
	Message string
	Err     error // cause, logged but never shown
}

func (e *Error) Error() string {
	if e.Err != nil {
		return string(e.Code) + ": " + e.Message + ": " + e.Err.Error()
	}
	return string(e.Code) + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a client-safe message.
func Errorf(c Code, format string, a ...any) error {
	return &Error{Code: c, Message: fmt.Sprintf(format, a...)}
}

// Wrap marks err with a code; msg is what the client sees.
func Wrap(c Code, err error, msg string) error {
	return &Error{Code: c, Message: msg, Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, or Internal.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// ErrorMessage returns the client-safe message for err. Internal errors get a
// generic text so no driver or stack detail leaks.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != Internal {
		return e.Message
	}
	return "internal error"
}
