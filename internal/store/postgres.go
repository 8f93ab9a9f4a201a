package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// PostgreSQL. Any number of console processes (replicas) may share one
// database. What SQLite gets from its single writer, they get from
// PostgreSQL itself:
//   - every write transaction first takes one transaction-scoped advisory
//     lock (writeLockKey), exclusively, so lifecycle transitions, edits,
//     sign-ins and the sweeper run one at a time across all replicas, each
//     at READ COMMITTED and so seeing everything committed before it took
//     the lock: the services' read-then-write logic behaves exactly as on
//     SQLite;
//   - the batches of routed messages (InBatch) take that lock shared:
//     they run beside each other, on every replica and on pgBatchers
//     goroutines of each, but never beside a transition. Between
//     themselves they are kept apart by row locks: the end users' latest
//     sessions are read FOR UPDATE, in id order (LockLatestChatSessions),
//     two first messages of one end user meet at I5's unique index (the
//     loser's insert does nothing and that message routes again, see
//     CreateChatSessions and routing), and the rollup rows are written in one key
//     order at the end of each batch (rollup.flush), so batches wait for
//     each other only there, and never in a cycle; a deadlock PostgreSQL
//     still finds (two batches continuing the same two sessions in
//     opposite orders) fails one batch, which runs again (pgRetry);
//   - the audit chain's head is read under a lock of its own
//     (auditLockKey), so the chain stays one chain however many
//     transactions append;
//   - the invariants are partial unique indexes, CHECKs, triggers and a
//     deferred foreign key, as in SQLite (db/migrations/postgres);
//   - console sessions, throttles and deadlines live in tables.
// Reads run on their own pool, in parallel, at READ COMMITTED.

// Advisory lock keys (one 64-bit namespace per database).
const (
	writeLockKey  int64 = 0x616e7377_00000001 // "answ" 1: the write lock
	leaderLockKey int64 = 0x616e7377_00000002 // "answ" 2: the background worker
	auditLockKey  int64 = 0x616e7377_00000003 // "answ" 3: the audit chain's head
)

// pgBatchers is how many batches of routed messages one replica runs at
// once on PostgreSQL: while one waits for the network or a commit, the
// others work.
const pgBatchers = 4

// pgState is what a PostgreSQL store has beside its pools.
type pgState struct {
	cfg *pgx.ConnConfig
}

// IsPostgresURL reports whether dsn names a PostgreSQL database rather
// than a SQLite file.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// RedactDSN is dsn fit for logs and messages: a PostgreSQL URL loses its
// password (in the user part or as a parameter); a file path is kept.
func RedactDSN(dsn string) string {
	if !IsPostgresURL(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://…"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// Engine is the name of the store's engine: SQLite or Postgres.
func (s *Store) Engine() string { return s.d.name }

func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message hides the password.
		return nil, fmt.Errorf("database URL: %w", err)
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "answers"
	}
	d := postgresDialect
	w := openPool(cfg, d)
	w.SetMaxOpenConns(8)
	w.SetMaxIdleConns(8)
	w.SetConnMaxIdleTime(5 * time.Minute)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", RedactDSN(dsn), err)
	}
	if err := migratePostgres(ctx, w); err != nil {
		w.Close()
		return nil, err
	}
	r := openPool(cfg, d)
	r.SetMaxOpenConns(readers())
	r.SetMaxIdleConns(readers())
	r.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{queries: queries{r, d}, W: w, R: r, d: d, pg: &pgState{cfg: cfg},
		batch: make(chan *batchJob), wake: make(chan struct{}, 1), hookWake: make(chan struct{}, 1), closed: make(chan struct{}), batchDone: make(chan struct{})}
	// Replicas start at different shards, so that theirs rarely meet.
	s.startBatches(pgBatchers, rand.IntN(64)*pgBatchers)
	return s, nil
}

// migratePostgres migrates under goose's session lock, so replicas that
// start together migrate once.
func migratePostgres(ctx context.Context, w *sql.DB) error {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return err
	}
	return migrate(ctx, w, goose.DialectPostgres, "migrations/postgres", goose.WithSessionLocker(locker))
}

// pgBeginWrite begins a write transaction and takes the write lock:
// exclusive for every transaction but the batches of routed messages,
// which share it with each other (see the comment at the top).
func (s *Store) pgBeginWrite(ctx context.Context, shared bool) (*sql.Tx, queries, error) {
	tx, err := s.W.BeginTx(ctx, nil)
	if err != nil {
		return nil, queries{}, fmt.Errorf("begin: %w", err)
	}
	lock := `SELECT pg_advisory_xact_lock($1)`
	if shared {
		lock = `SELECT pg_advisory_xact_lock_shared($1)`
	}
	if _, err := tx.ExecContext(ctx, lock, writeLockKey); err != nil {
		_ = tx.Rollback() // the error that stopped it is the one to report
		return nil, queries{}, fmt.Errorf("write lock: %w", err)
	}
	return tx, queries{tx, s.d}, nil
}

// maxRetries bounds how often a transaction that failed to serialize is
// run again.
const maxRetries = 5

// pgRetry runs fn (unless prior is its first result already) and runs it
// again while it fails with a serialization failure or a deadlock, at
// most maxRetries times, with a short random pause.
func (s *Store) pgRetry(ctx context.Context, fn func() error, prior error) error {
	err := prior
	if err == nil {
		err = fn()
	}
	for i := 0; i < maxRetries && retryable(err); i++ {
		select {
		case <-time.After(time.Duration(1+rand.IntN(5<<i)) * time.Millisecond):
		case <-ctx.Done():
			return err
		}
		err = fn()
	}
	return err
}

// Retryable reports a PostgreSQL serialization failure or deadlock: the
// transaction (or a job's savepoint) was rolled back and may simply run
// again.
func Retryable(err error) bool { return retryable(err) }

// retryable reports a PostgreSQL serialization failure or deadlock.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

func isPgForeignKeyViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

// pgConstraintError maps PostgreSQL's constraint failures to the sentinel
// errors, as constraintError does SQLite's.
func pgConstraintError(err error) (error, bool) {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return nil, false
	}
	switch {
	case pe.Code == "23505" && (pe.ConstraintName == "chatbots_one_active" || pe.ConstraintName == "chatbots_one_deactivated"):
		return ErrSenderBusy, true
	case pe.Code == "23505" && pe.ConstraintName == "chat_sessions_one_open":
		return ErrSessionOpen, true
	case pe.Code == "23505":
		return fmt.Errorf("%w: %w", ErrDuplicate, err), true
	case pe.Code == "P0001" && pe.Message == "last_active_admin":
		return ErrLastAdmin, true
	case pe.Code == "P0001" && pe.Message == "session_on_inactive_chatbot":
		return ErrOpenSessions, true
	case pe.Code == "23503" && strings.HasSuffix(pe.ConstraintName, "_sender_id_fkey"):
		// PostgreSQL names the referencing table, so the constraint tells
		// a deleted sender from a session on a missing chatbot.
		return ErrSenderInUse, true
	case pe.Code == "23503" && pe.TableName == "chat_sessions":
		return ErrOpenSessions, true
	}
	return nil, false
}

// The PostgreSQL connections rebind every query they are given (see
// dialect.rebind), so that everything that reaches the database through
// the pools — the store's queries, and the few other users of W and R —
// is written once, for both engines.
type rebindConnector struct {
	driver.Connector
	d *dialect
}

func (c rebindConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(*stdlib.Conn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("unexpected pgx connection type %T", conn)
	}
	return &rebindConn{Conn: sc, d: c.d}, nil
}

// rebindConn is a pgx connection whose query texts are rebound; the rest
// of its methods (transactions, pings, resets, value checks) are pgx's.
type rebindConn struct {
	*stdlib.Conn
	d *dialect
}

func (c *rebindConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, c.d.rebind(query), args)
}

func (c *rebindConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, c.d.rebind(query), args)
}

func (c *rebindConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, c.d.rebind(query))
}

func (c *rebindConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(c.d.rebind(query))
}

// openPool opens a pool of rebinding connections.
func openPool(cfg *pgx.ConnConfig, d *dialect) *sql.DB {
	return sql.OpenDB(rebindConnector{Connector: stdlib.GetConnector(*cfg), d: d})
}
