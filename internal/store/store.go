// Package store is the only package that speaks SQL. It opens the
// database — a SQLite file (one writer connection beside a pool of
// readers) or a PostgreSQL server (see postgres.go) — brings it to the
// current schema, and offers one file of queries per aggregate. The
// queries are the same on both engines; dialect.go holds what differs.
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
	"sync/atomic"
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
	// ErrSessionOpen: the end user already has an open session on the
	// sender (I5). Only concurrent batches on PostgreSQL meet it: one of
	// two first messages of an end user opened the session first.
	ErrSessionOpen = errors.New("the end user already has an open session on this sender")
	// ErrSenderInUse: a chatbot or a session refers to the sender being
	// deleted (a foreign key).
	ErrSenderInUse = errors.New("a chatbot or a conversation still refers to the sender")
)

// Store is the database: W is the single writer connection, R the readers.
type Store struct {
	queries
	W *sql.DB
	R *sql.DB
	// d is the engine's dialect; pg holds what only PostgreSQL has.
	d  *dialect
	pg *pgState
	// Prepared statements of each pool.
	wstmts, rstmts *stmtCache
	// Group commit (see InBatch): waiting work, and the end of it all.
	batch    chan *batchJob
	keyed    []chan *batchJob // one queue per batch runner (InBatchFor)
	wake     chan struct{}
	hookWake chan struct{}
	// sessHooks caches wantSessionEvents' answer on SQLite.
	sessHooks atomic.Pointer[sessionHooks]
	closed    chan struct{}
	batchDone chan struct{}
	// checkpointsDone closes when the SQLite checkpointer has stopped;
	// checkpointMu pauses it (a bulk load holds it).
	checkpointsDone chan struct{}
	checkpointMu    sync.Mutex
	// senders caches the inbound path's sender lookups (sendercache.go);
	// picker the analytics page's chatbots (chatbot_names.go); list the
	// chatbot list (chatbot_list.go).
	senders senderCache
	picker  pickerCache
	list    listCache
	// touches remembers console sessions' stored expiry
	// (consolesessions.go).
	touches   touches
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
type queries struct {
	q querier
	d *dialect
}

// Tx is a write transaction. Every state change and its audit entry go
// through one Tx, so they commit together or not at all.
type Tx struct {
	queries
	tx *sql.Tx
	// rollup gathers what the transaction adds to the analytics rollups;
	// it is written once, just before the commit.
	rollup *rollup
	// deadlineSet: the transaction set a grace deadline (noteDeadline).
	deadlineSet bool
	// eventAdded: the transaction wrote a webhook event (the deliverer
	// is woken at commit).
	eventAdded bool
	// hooks: whether endpoints want session events (shared by a batch's
	// jobs); events: the session events gathered, written at commit.
	hooks  *sessionHooks
	events []pendingEvent
	// hookCache remembers across transactions whether endpoints want
	// session events (SQLite only: see webhooks.go); nil on PostgreSQL.
	hookCache *atomic.Pointer[sessionHooks]
	// shard is the rollup shard the transaction adds to: its batch
	// runner's number, 0 outside batches (see rollup.flush).
	shard int
	// sendersChanged: the transaction wrote senders; the cache of
	// InboundSender is emptied when it commits.
	sendersChanged bool
}

func dsn(path string, readOnly bool, extra ...string) string {
	v := url.Values{}
	// Reads go through a memory map (128 MiB: the hot indexes of a large
	// console) shared by every connection instead of a read system call
	// per page, with a larger private page cache (8 MiB) than the 2 MiB
	// default.
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(1)",
		"mmap_size(134217728)", "cache_size(-8000)"} {
		v.Add("_pragma", p)
	}
	for _, p := range extra {
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

// openWriter opens the single writer connection of a database file, with
// extra pragmas.
func openWriter(path string, pragmas ...string) (*sql.DB, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("database path %q must not contain ? or #", path)
	}
	w, err := sql.Open("sqlite", dsn(path, false, pragmas...))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	return w, nil
}

// Open opens the database named by dsn and migrates it to the current
// schema: a postgres:// or postgresql:// URL is a PostgreSQL database,
// anything else the path of a SQLite file (created if needed).
func Open(ctx context.Context, dsn string) (*Store, error) {
	if IsPostgresURL(dsn) {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, dsn)
}

func openSQLite(ctx context.Context, path string) (*Store, error) {
	// The writer never checkpoints; the checkpointer does (checkpoint.go).
	w, err := openWriter(path, "wal_autocheckpoint(0)")
	if err != nil {
		return nil, err
	}
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := migrate(ctx, w, goose.DialectSQLite3, "migrations/sqlite"); err != nil {
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
	s := &Store{queries: queries{cachedDB{rstmts}, sqliteDialect}, W: w, R: r, d: sqliteDialect, wstmts: newStmtCache(w), rstmts: rstmts,
		batch: make(chan *batchJob), wake: make(chan struct{}, 1), hookWake: make(chan struct{}, 1), closed: make(chan struct{}), batchDone: make(chan struct{})}
	s.startBatches(1, 0)
	s.startCheckpoints(path)
	return s, nil
}

// readers is the size of the reader pool.
func readers() int { return max(4, runtime.NumCPU()*2) }

func migrate(ctx context.Context, w *sql.DB, d goose.Dialect, dir string, opts ...goose.ProviderOption) error {
	fsys, err := fs.Sub(db.Migrations, dir)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(d, w, fsys, opts...)
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
	if s.checkpointsDone != nil {
		<-s.checkpointsDone
	}
	if s.pg == nil { // PostgreSQL's prepared statements are pgx's, per connection
		s.rstmts.close()
		s.wstmts.close()
	}
	return errors.Join(s.R.Close(), s.W.Close())
}

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.R.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// InTx runs fn in a write transaction and commits if fn returns nil.
// Write transactions run one at a time: SQLite's writer takes the write
// lock at BEGIN, and on PostgreSQL every write transaction first takes one
// transaction-scoped advisory lock (see postgres.go), so a transaction
// reads what every earlier one wrote, on any replica. On PostgreSQL a
// transaction that fails to serialize anyway (SQLSTATE 40001, 40P01) is
// run again from the start, a bounded number of times: fn must keep its
// results only in what it returns or assigns, as a rolled-back try leaves
// nothing in the database.
func (s *Store) InTx(ctx context.Context, fn func(*Tx) error) error {
	if s.pg != nil {
		return s.pgRetry(ctx, func() error { return s.inTxOnce(ctx, fn) }, nil)
	}
	return s.inTxOnce(ctx, fn)
}

func (s *Store) inTxOnce(ctx context.Context, fn func(*Tx) error) error {
	tx, q, err := s.beginWrite(ctx, false)
	if err != nil {
		return err
	}
	defer s.afterWrite(ctx)
	t := &Tx{queries: q, tx: tx, rollup: newRollup(), hookCache: s.hookCache()}
	if err := fn(t); err != nil {
		_ = tx.Rollback() // the error that stopped it is the one to report
		return err
	}
	if err := t.commit(ctx); err != nil {
		return err
	}
	if t.deadlineSet {
		s.signalWake()
	}
	if t.eventAdded {
		s.signalHooks()
	}
	if t.sendersChanged {
		s.senders.invalidate()
	}
	s.picker.invalidate()
	return nil
}

// afterWrite prepares, on SQLite, the queries a write transaction met for
// the first time (its one connection was busy until now).
func (s *Store) afterWrite(ctx context.Context) {
	if s.pg == nil {
		s.wstmts.preparePending(ctx)
	}
}

// beginWrite begins a write transaction on the engine's writer and
// returns the queries that run inside it. A shared one (a batch of routed
// messages) may run beside other shared ones on PostgreSQL; on SQLite
// every write transaction is alone.
func (s *Store) beginWrite(ctx context.Context, shared bool) (*sql.Tx, queries, error) {
	if s.pg != nil {
		return s.pgBeginWrite(ctx, shared)
	}
	tx, err := s.W.BeginTx(ctx, nil)
	if err != nil {
		return nil, queries{}, fmt.Errorf("begin: %w", err)
	}
	return tx, queries{newCachedTx(tx, s.wstmts), sqliteDialect}, nil
}

// commit writes the transaction's rollups and commits; on an error
// nothing is kept.
func (t *Tx) commit(ctx context.Context) error {
	if err := t.flushEvents(ctx); err != nil {
		_ = t.tx.Rollback() // the flush's error is the one to report
		return err
	}
	if err := t.rollup.flush(ctx, t); err != nil {
		_ = t.tx.Rollback() // the flush's error is the one to report
		return err
	}
	if err := t.tx.Commit(); err != nil {
		// The only deferred constraint is I4's foreign key: it fails here,
		// at commit, and the transaction is rolled back.
		if strings.Contains(err.Error(), "FOREIGN KEY constraint failed") || isPgForeignKeyViolation(err) {
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

// constraintError maps constraint failures to sentinel errors.
func constraintError(err error) error {
	if err == nil {
		return nil
	}
	if e, ok := pgConstraintError(err); ok {
		return e
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "last_active_admin"):
		return ErrLastAdmin
	case strings.Contains(msg, "UNIQUE constraint failed: chatbots.sender_id"):
		return ErrSenderBusy
	case strings.Contains(msg, "UNIQUE constraint failed: chat_sessions.sender_id, chat_sessions.end_user"):
		return ErrSessionOpen
	case strings.Contains(msg, "session_on_inactive_chatbot"):
		return ErrOpenSessions
	case strings.Contains(msg, "UNIQUE constraint failed"):
		return fmt.Errorf("%w: %w", ErrDuplicate, err)
	}
	return err
}
