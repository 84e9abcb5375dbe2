// Package testenv finds the services tests run against — PostgreSQL and
// Redis — and applies the one rule for a missing service: skip locally, fail
// when CI=true, so CI can never pass by skipping a suite.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Require skips (locally) or fails (CI=true) the test when err says that
// what is unavailable.
func Require(tb testing.TB, what string, err error) {
	tb.Helper()
	if err == nil {
		return
	}
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		tb.Fatalf("%s is required with CI=true: %v", what, err)
	}
	tb.Skipf("%s unavailable (with CI=true this fails): %v", what, err)
}

// PostgresURL is the test server: $PARLEY_TEST_POSTGRES or the local one.
func PostgresURL() string {
	if dsn := os.Getenv("PARLEY_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// RedisURL is the test Redis: $PARLEY_TEST_REDIS or the local one.
func RedisURL() string {
	if u := os.Getenv("PARLEY_TEST_REDIS"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// Postgres checks the test server answers and returns its DSN.
func Postgres(tb testing.TB) string {
	tb.Helper()
	dsn := PostgresURL()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	Require(tb, "PostgreSQL ($PARLEY_TEST_POSTGRES)", err)
	conn.Close(ctx)
	return dsn
}

// PostgresSchema creates an empty schema on the test server, dropped when the
// test ends, and returns a DSN whose search_path is that schema: every table
// of a store, goose's version table included, lands there.
func PostgresSchema(tb testing.TB) string {
	tb.Helper()
	dsn := Postgres(tb)
	name := "parley_t_" + Random(tb)
	admin := func(sql string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	ident := pgx.Identifier{name}.Sanitize()
	// Extensions are per database: created by the first test schema's
	// migration, pg_trgm would live in that schema and go with it. Racing
	// another test process to create it is harmless.
	if err := admin("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"); err != nil && !isUniqueViolation(err) {
		tb.Fatal(err)
	}
	if err := admin("CREATE SCHEMA " + ident); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := admin("DROP SCHEMA " + ident + " CASCADE"); err != nil {
			tb.Error(err)
		}
	})
	return WithParam(tb, dsn, "search_path", name)
}

// WithParam adds a connection parameter to a URL or key=value DSN.
func WithParam(tb testing.TB, dsn, key, value string) string {
	tb.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatal(err)
		}
		q := u.Query()
		q.Set(key, value)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " " + key + "=" + value
}

// Redis checks the test Redis accepts connections and returns its URL.
func Redis(tb testing.TB) string {
	tb.Helper()
	u := RedisURL()
	pu, err := url.Parse(u)
	if err == nil {
		var c net.Conn
		if c, err = net.DialTimeout("tcp", pu.Host, 2*time.Second); err == nil {
			c.Close()
		}
	}
	Require(tb, "Redis ($PARLEY_TEST_REDIS)", err)
	return u
}

// Random returns 16 random hex characters, for names that parallel test runs
// sharing a server must not share.
func Random(tb testing.TB) string {
	tb.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}
