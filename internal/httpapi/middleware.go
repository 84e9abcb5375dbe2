package httpapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"parley/internal/chat"
	"parley/internal/realtime"
)

const sessionKey = "parley.session"

// requireSession authenticates the bearer token. allowQuery lets the
// WebSocket handshake, on which browsers cannot set headers, authenticate
// by query instead: ?ticket= (single-use, short-lived: what browsers use,
// decision 0019) or ?token= (for programs); request logs never include the
// query string.
func requireSession(d Deps, allowQuery bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		var (
			s   chat.Session
			err error
		)
		token, ok := bearer(c.GetHeader("Authorization"))
		err = held(c, d, func(ctx context.Context) (err error) {
			switch {
			case !ok && allowQuery && c.Query("ticket") != "":
				s, err = d.Accounts.RedeemTicket(ctx, c.Query("ticket"))
			default:
				if !ok && allowQuery {
					token = c.Query("token")
				}
				s, err = d.Accounts.Authenticate(ctx, strings.TrimSpace(token))
			}
			return err
		})
		if err != nil {
			fail(c, d.Log, err)
			return
		}
		c.Set(sessionKey, s)
		c.Next()
	}
}

// holdConnect marks a WebSocket handshake: while the store is unavailable
// its authentication and its snapshot wait for it, retrying, for up to
// --connect-hold in all (decision 0022), instead of failing at once.
func holdConnect(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Request = d.Realtime.BeginHold(c.Request)
		c.Next()
	}
}

// held runs fn with the request's context: retried while the store is
// unavailable if the request is a held connect (holdConnect), once if not.
func held(c *gin.Context, d Deps, fn func(ctx context.Context) error) error {
	ctx := c.Request.Context()
	if realtime.Held(ctx) {
		return d.Realtime.Hold(ctx, fn)
	}
	return fn(ctx)
}

// checkParams refuses path and query parameters that are not valid UTF-8,
// as decodeJSON refuses such a body: percent-decoding yields any bytes, and
// the domain would compare, lower-case or store text nobody can read.
func checkParams(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		for _, p := range c.Params {
			if !utf8.ValidString(p.Value) {
				fail(c, d.Log, chat.Errorf(chat.Invalid, "path parameter %s is not valid UTF-8", p.Key))
				return
			}
		}
		for k, vs := range c.Request.URL.Query() {
			if !utf8.ValidString(k) || slices.ContainsFunc(vs, func(v string) bool { return !utf8.ValidString(v) }) {
				name := k
				if !utf8.ValidString(k) || len(k) > 32 { // not one of ours: not worth echoing
					name = "name"
				}
				fail(c, d.Log, chat.Errorf(chat.Invalid, "query parameter %s is not valid UTF-8", name))
				return
			}
		}
		c.Next()
	}
}

// bearer extracts the token of an "Authorization: Bearer" header; the scheme
// name is case-insensitive (RFC 9110).
func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return token, true
}

func session(c *gin.Context) chat.Session {
	return c.MustGet(sessionKey).(chat.Session)
}

func caller(c *gin.Context) chat.UserID { return session(c).UserID }

// noSniff tells browsers never to guess a response's type: a JSON error that
// echoes client text must not be read as HTML or script.
func noSniff(c *gin.Context) {
	c.Header("X-Content-Type-Options", "nosniff")
	c.Next()
}

// limitBody bounds every request body; routes that take files replace the
// bound with setBodyLimit.
func limitBody(n int64) gin.HandlerFunc {
	if n <= 0 {
		n = 1 << 20
	}
	return func(c *gin.Context) {
		if c.Request.Body != nil {
			c.Request.Body = limitedBody{http.MaxBytesReader(c.Writer, c.Request.Body, n), c.Request.Body}
		}
		c.Next()
	}
}

// limitedBody is a body under the global limit that remembers the body
// itself, for setBodyLimit.
type limitedBody struct {
	io.ReadCloser
	raw io.ReadCloser
}

// setBodyLimit bounds the request body at n instead of the global limit.
func setBodyLimit(c *gin.Context, n int64) {
	if b, ok := c.Request.Body.(limitedBody); ok {
		c.Request.Body = http.MaxBytesReader(c.Writer, b.raw, n)
	}
}

// logRequests logs method, route, status and duration, never the query string
// (it may hold a token).
func logRequests(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		log.Debug("http", "method", c.Request.Method, "route", route, "status", c.Writer.Status(),
			"dur_ms", time.Since(start).Milliseconds())
	}
}

// recoverer turns a panic into a logged 500 in the error shape.
func recoverer(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				fail(c, log, fmt.Errorf("panic: %v", v))
			}
		}()
		c.Next()
	}
}
