// Package store is the only package that speaks SQL. It opens the SQLite
// database (one writer connection beside a pool of readers), brings it to
// the current schema, and offers one file of queries per aggregate.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/answers-console/answers/db"
)

// Sentinel errors callers map to answers.
var (
	ErrNotFound  = errors.New("not found")
	ErrDuplicate = errors.New("already exists")
	ErrLastAdmin = errors.New("the last active admin cannot be demoted or disabled")
	// ErrSenderBusy: the sender already has an active (I1) or a
	// deactivated (I2) chatbot.
	ErrSenderBusy = errors.New("the sender already has a chatbot in that status")
	// ErrOpenSessions: a chatbot cannot become inactive with open
	// sessions, nor can a session open on a chatbot that is not active (I4).
	ErrOpenSessions = errors.New("open sessions do not match the chatbot's status")
)

// Store is the database: W is the single writer connection, R the readers.
type Store struct {
	queries
	W *sql.DB
	R *sql.DB
	// Prepared statements of each pool.
	wstmts, rstmts *stmtCache
	// Group commit (see InBatch): waiting work, and the end of it all.
	batch     chan *batchJob
	closed    chan struct{}
	batchDone chan struct{}
	closeOnce sync.Once
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries holds the read queries; Store runs them on the readers and Tx
// inside its transaction.
type queries struct{ q querier }

// Tx is a write transaction. Every state change and its audit entry go
// through one Tx, so they commit together or not at all.
type Tx struct {
	queries
	tx *sql.Tx
	// rollup gathers what the transaction adds to the analytics rollups;
	// it is written once, just before the commit.
	rollup *rollup
}

func dsn(path string, readOnly bool) string {
	v := url.Values{}
	// Reads go through a memory map (128 MiB: the hot indexes of a large
	// console) shared by every connection instead of a read system call
	// per page, with a larger private page cache (8 MiB) than the 2 MiB
	// default.
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(1)",
		"mmap_size(134217728)", "cache_size(-8000)"} {
		v.Add("_pragma", p)
	}
	if readOnly {
		v.Add("_pragma", "query_only(1)")
	} else {
		// Take the write lock at BEGIN, so a transaction never fails
		// half-way when another process (the CLI) writes too.
		v.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + v.Encode()
}

// openWriter opens the single writer connection of a database file.
func openWriter(path string) (*sql.DB, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("database path %q must not contain ? or #", path)
	}
	w, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	return w, nil
}

// Open opens (creating if needed) the database at path and migrates it to
// the current schema.
func Open(ctx context.Context, path string) (*Store, error) {
	w, err := openWriter(path)
	if err != nil {
		return nil, err
	}
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(readers())
	r.SetMaxIdleConns(readers())
	rstmts := newStmtCache(r)
	s := &Store{queries: queries{cachedDB{rstmts}}, W: w, R: r, wstmts: newStmtCache(w), rstmts: rstmts,
		batch: make(chan *batchJob), closed: make(chan struct{}), batchDone: make(chan struct{})}
	go s.runBatches()
	return s, nil
}

// readers is the size of the reader pool.
func readers() int { return max(4, runtime.NumCPU()*2) }

func migrate(ctx context.Context, w *sql.DB) error {
	fsys, err := fs.Sub(db.Migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, w, fsys)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Close closes both pools.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	<-s.batchDone
	s.rstmts.close()
	s.wstmts.close()
	return errors.Join(s.R.Close(), s.W.Close())
}

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.R.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// InTx runs fn in a write transaction and commits if fn returns nil.
func (s *Store) InTx(ctx context.Context, fn func(*Tx) error) error {
	tx, err := s.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer s.wstmts.preparePending(ctx)
	t := &Tx{queries: queries{newCachedTx(tx, s.wstmts)}, tx: tx, rollup: newRollup()}
	if err := fn(t); err != nil {
		tx.Rollback()
		return err
	}
	return t.commit(ctx)
}

// commit writes the transaction's rollups and commits; on an error
// nothing is kept.
func (t *Tx) commit(ctx context.Context) error {
	if err := t.rollup.flush(ctx, t); err != nil {
		t.tx.Rollback()
		return err
	}
	if err := t.tx.Commit(); err != nil {
		// The only deferred constraint is I4's foreign key: it fails here,
		// at commit, and the transaction is rolled back.
		if strings.Contains(err.Error(), "FOREIGN KEY constraint failed") {
			return ErrOpenSessions
		}
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// TimeFormat is how times are stored: fixed width UTC text, so that they
// sort as text.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

func parseTime(s string) time.Time {
	t, err := time.Parse(TimeFormat, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

func nullTime(s sql.NullString) time.Time {
	if !s.Valid {
		return time.Time{}
	}
	return parseTime(s.String)
}

func nullableTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return fmtTime(t)
}

// constraintError maps SQLite constraint failures to sentinel errors.
func constraintError(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "last_active_admin"):
		return ErrLastAdmin
	case strings.Contains(msg, "UNIQUE constraint failed: chatbots.sender_id"):
		return ErrSenderBusy
	case strings.Contains(msg, "session_on_inactive_chatbot"):
		return ErrOpenSessions
	case strings.Contains(msg, "UNIQUE constraint failed"):
		return fmt.Errorf("%w: %v", ErrDuplicate, err)
	}
	return err
}
