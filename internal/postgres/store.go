// Package postgres is the chat.Store for running many nodes: PostgreSQL
// through a pgx connection pool.
//
// Many processes write the same rooms at once, so nothing here relies on
// being the only writer: a room's seq is assigned by an UPDATE of the room's
// row (whose lock orders that room's writers, on whatever node), idempotency
// rests on a unique index, and every change is one statement or one
// transaction (MarkRead, a compare-and-set, is the one exception, and needs
// neither). Writers lock a room's row before any of its member rows, the
// same order everywhere, so they do not deadlock.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"parley/internal/chat"
	"parley/internal/groupcommit"
	"parley/internal/sqlrow"
)

var _ chat.Store = (*Store)(nil)

//go:embed migrations/*.sql
var migrations embed.FS

// Store implements chat.Store on a PostgreSQL database.
type Store struct {
	pool         *pgxpool.Pool
	searchWindow int // docs in the first window of a message search (message_search.go)

	appends   *groupcommit.Queue // group commit (commit.go)
	stopping  chan struct{}      // closed by Close
	closeOnce sync.Once
}

// Open connects to the database at dsn (a URL such as
// postgres://user@host:5432/db?sslmode=disable, or key=value pairs), applies
// any pending migrations and returns a ready store. pgxpool's settings
// (pool_max_conns, …) and any server parameter (search_path, …) may be given
// in dsn. An unreachable server is chat.Unavailable.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// ParseConfigError redacts the password.
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	// The pool connects lazily; fail here, not on the first request.
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, translate(err, "database")
	}
	db := stdlib.OpenDBFromPool(pool)
	err = Migrate(ctx, db)
	// Closing db leaves the pool open: db only borrows its connections.
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("postgres: %w", cerr)
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	s := &Store{pool: pool, searchWindow: searchWindow, stopping: make(chan struct{})}
	s.appends = groupcommit.Start(s.stopping, errClosed, func(err error) error { return translate(err, "message") }, s.commitQueued)
	return s, nil
}

// Migrate applies the embedded migrations that db has not seen yet, into the
// first schema of db's search_path. Nodes starting together take turns: a
// session advisory lock admits one migrator at a time, and the others then
// find nothing left to do. Open calls it for you.
func Migrate(ctx context.Context, db *sql.DB) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	// Poll the lock every second for up to five minutes.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	// No global registry: this package's migrations are only the embedded files.
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub,
		goose.WithDisableGlobalRegistry(true), goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	// p.Close would close db, which the caller owns.
	if _, err := p.Up(ctx); err != nil {
		return translate(err, "migrations")
	}
	return nil
}

// Ping is chat.Unavailable when the server cannot be reached.
func (s *Store) Ping(ctx context.Context) error {
	return translate(s.pool.Ping(ctx), "database")
}

// Close waits for queries in flight and closes every connection.
// Close finishes the batch being committed, refuses what is still queued,
// and closes the pool. Calling it twice is safe.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stopping)
		<-s.appends.Done()
		s.pool.Close()
	})
	return nil
}

// maxAttempts bounds the retries after a lost idempotency race (errRaced).
// One is always enough: the race is only lost to a committed row, which the
// next attempt finds; more would mean a bug, not contention.
const maxAttempts = 3

// inTx runs fn in one transaction, committing when it returns nil. A lost
// idempotency race aborts the transaction, so fn is run again from the start
// in a new one.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := pgx.BeginFunc(ctx, s.pool, fn)
		if errors.Is(err, errRaced) && attempt < maxAttempts {
			continue
		}
		return translate(err, "database")
	}
}

// collect reads every row of a query's result with scan and closes it; what
// names the rows in errors. It takes the query's two results as they come.
func collect[T any](rows pgx.Rows, err error, what string, scan func(sqlrow.Scanner) (T, error)) ([]T, error) {
	return read(rows, err, what, func(r sqlrow.Rows) ([]T, error) { return sqlrow.All(r, scan) })
}

// read is collect for a reader of the whole result (sqlrow.Contacts, …).
func read[T any](rows pgx.Rows, err error, what string, fn func(sqlrow.Rows) (T, error)) (T, error) {
	if err != nil {
		var zero T
		return zero, translate(err, what)
	}
	defer rows.Close()
	v, err := fn(rows)
	return v, translate(err, what)
}

// querier is what both the pool and a transaction offer, so a statement can
// run on its own (its own transaction) or inside a larger one.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}
