// Package sqlite is the embedded chat.Store: one SQLite file in WAL mode, no
// setup, no cgo (modernc.org/sqlite).
//
// All writes go through one connection, so writers queue in Go instead of
// fighting over SQLite's file lock (no SQLITE_BUSY between them); reads use a
// separate pool of read-only connections, which WAL lets run alongside the
// writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"path/filepath"
	"runtime"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"parley/internal/chat"
	"parley/internal/groupcommit"
	"parley/internal/sqlrow"
)

var _ chat.Store = (*Store)(nil)

//go:embed migrations/*.sql
var migrations embed.FS

// Store implements chat.Store on one SQLite database file.
type Store struct {
	w *sql.DB // the single writer connection
	r *sql.DB // read-only pool

	stmts        *appendStmts
	member       *sql.Stmt          // the membership check of every send, on the readers
	readCounts   *sql.Stmt          // a room's histogram, for history pages
	readCountsOf *sql.Stmt          // the receipts of many rooms' sends at once
	appends      *groupcommit.Queue // group commit (commit.go)
	stopping     chan struct{}      // closed by Close

	shortWindow int // docs a short search scans before turning to rooms (message_search.go)

	ck           *sql.DB       // the checkpointer's connection (checkpoint.go)
	checkpointed chan struct{} // closed when the checkpoint loop has finished
}

// Open opens (creating if needed) the database file at path, applies any
// pending migrations and returns a ready store. This is the one entry point
// for both `parley serve` and `parley migrate` (which opens and closes).
// path must name a file: the writer and the readers are separate
// connections, so ":memory:" would give each its own empty database.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || path == ":memory:" {
		return nil, errors.New("sqlite: a database file path is required")
	}
	// Absolute, so the URI's path cannot be read as its authority.
	path, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	// What is opened is closed again, newest first, unless Open succeeds.
	var opened []io.Closer
	done := false
	defer func() {
		if done {
			return
		}
		for i := len(opened) - 1; i >= 0; i-- {
			opened[i].Close()
		}
	}()

	w, err := sql.Open("sqlite", dsn(path, roleWriter))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open writer: %w", err)
	}
	opened = append(opened, w)
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// The writer connects first: it creates the file and switches it to WAL
	// before any reader opens it.
	if err := w.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := Migrate(ctx, w); err != nil {
		return nil, err
	}

	r, err := sql.Open("sqlite", dsn(path, roleReader))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open readers: %w", err)
	}
	opened = append(opened, r)
	// More readers than cores: a reader waits, not computes, while SQLite
	// retries a WAL snapshot during a checkpoint, and with 4 the pool queued
	// thousands of membership checks at 1,300 sends a second (rooms bench).
	n := max(16, 4*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxLifetime(0)
	// Each reader holds its page cache, schema and statements in memory
	// outside the Go heap (up to about 2.5 MiB): a burst (15,000 clients
	// loading their rooms) opens them all, and at rest one or two are used.
	// database/sql hands out the most recently used reader first, so under
	// load the pool stays open and only the burst's surplus is closed; at 30 s
	// some were still open a minute after the burst (docs/BENCHMARKS.md, idle).
	r.SetConnMaxIdleTime(10 * time.Second)
	if err := r.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	stmts, err := prepareAppend(ctx, w)
	if err != nil {
		return nil, err
	}
	// Prepared once: modernc.org/sqlite parses every ad-hoc statement, which
	// was half of this one's cost (BenchmarkMember).
	member, err := r.PrepareContext(ctx, sqlrow.MemberQuery+` WHERE m.room_id = ? AND m.user_id = ?`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	opened = append(opened, member)
	counts, err := r.PrepareContext(ctx, readCountsQuery)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	opened = append(opened, counts)
	countsOf, err := r.PrepareContext(ctx, readCountsOfQuery)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	opened = append(opened, countsOf)
	ck, err := sql.Open("sqlite", dsn(path, roleCheckpointer))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open checkpointer: %w", err)
	}
	ck.SetMaxOpenConns(1)
	s := &Store{w: w, r: r, stmts: stmts, member: member, readCounts: counts, readCountsOf: countsOf,
		stopping: make(chan struct{}), ck: ck, checkpointed: make(chan struct{}),
		shortWindow: shortWindow}
	s.appends = groupcommit.Start(s.stopping, errClosed, func(err error) error { return translate(err, "message") }, s.commitBatch)
	go s.checkpointLoop()
	done = true
	return s, nil
}

// Migrate applies the embedded migrations that db has not seen yet. db must
// be a writable modernc.org/sqlite handle; Open calls it for you.
func Migrate(ctx context.Context, db *sql.DB) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	// No global registry: this package's migrations are only the embedded files.
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	// p.Close would close db, which the caller owns.
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

type role int

const (
	roleWriter role = iota
	roleReader
	roleCheckpointer
)

// dsn builds a modernc.org/sqlite URI; the path is escaped so names holding
// '?', '#' or '%' stay file names.
func dsn(path string, r role) string {
	q := url.Values{}
	// busy_timeout still matters with one writer: a checkpoint or a second
	// process (parley migrate beside a running server) can hold the lock briefly.
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	switch r {
	case roleWriter:
		q.Add("_pragma", "journal_mode(WAL)")
		// NORMAL in WAL mode: a commit survives a crash of the process; only
		// power loss can drop the last transactions, never corrupt the file.
		q.Add("_pragma", "synchronous(NORMAL)")
		// Take the write lock at BEGIN, so a transaction never fails halfway
		// on a lock upgrade.
		q.Set("_txlock", "immediate")
		// The checkpointer copies the WAL back; left to the writer, every
		// thousandth page would stall one commit (and its senders) on it.
		q.Add("_pragma", "wal_autocheckpoint(0)")
		// A batch of messages updates the FTS index, the rooms, the counts
		// and the push outbox: statement journals (one per statement
		// that fires triggers) go to memory rather than a temp file written
		// with pwrite, and 16 MiB of cache keeps a batch from spilling dirty
		// pages into the WAL before its commit.
		q.Add("_pragma", "temp_store(MEMORY)")
		q.Add("_pragma", "cache_size(-16384)")
	case roleReader:
		q.Add("_pragma", "query_only(1)")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return translate(err, "database")
	}
	return translate(s.r.PingContext(ctx), "database")
}

// Close finishes the batch being committed, refuses what is still queued,
// and closes the database. Calling it twice is safe.
func (s *Store) Close() error {
	select {
	case <-s.stopping:
		return nil
	default:
	}
	close(s.stopping)
	<-s.appends.Done()
	<-s.checkpointed
	errs := []error{s.member.Close(), s.readCounts.Close(), s.readCountsOf.Close(), s.ck.Close()}
	return errors.Join(append(errs, s.r.Close(), s.w.Close())...)
}

// write runs fn in one transaction on the writer connection. fn must use
// only tx: the writer pool has one connection, which tx holds.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return translate(err, "database")
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return translate(tx.Commit(), "database")
}

// querier is what both *sql.DB and *sql.Tx offer, so a read helper can run on
// the read pool or inside a write transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// collect reads every row of a query's result with scan and closes it; what
// names the rows in errors. It takes the query's two results as they come.
func collect[T any](rows *sql.Rows, err error, what string, scan func(sqlrow.Scanner) (T, error)) ([]T, error) {
	return read(rows, err, what, func(r sqlrow.Rows) ([]T, error) { return sqlrow.All(r, scan) })
}

// read is collect for a reader of the whole result (sqlrow.Contacts, …).
func read[T any](rows *sql.Rows, err error, what string, fn func(sqlrow.Rows) (T, error)) (T, error) {
	if err != nil {
		var zero T
		return zero, translate(err, what)
	}
	defer rows.Close()
	v, err := fn(rows)
	return v, translate(err, what)
}

// toMS is t as SQLite keeps it: unix milliseconds (sqlrow.Time reads it back).
func toMS(t time.Time) int64 { return t.UnixMilli() }
