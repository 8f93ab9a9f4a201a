package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/answers-console/answers/internal/audit"
)

// ErrNotEmpty is returned by BulkLoad when the database already has
// chatbots, senders or sessions: seed data is only ever loaded into an
// empty console.
var ErrNotEmpty = errors.New("the database already has chatbots, senders or sessions; seed needs an empty database (a new file)")

// bulkPragmas speed up a bulk load: the rollback journal in memory (a new
// database has almost nothing to roll back), no fsync, a large page
// cache. They are set on the one writer connection and restored to the
// values it had before (WAL, synchronous NORMAL: see dsn) when the load
// ends, so the file is left an ordinary WAL database. A load that is
// killed half-way leaves a file to delete, not one to trust.
var bulkPragmas = []struct{ name, value string }{
	{"journal_mode", "MEMORY"},
	{"synchronous", "OFF"},
	{"cache_size", "-262144"}, // 256 MiB
	{"temp_store", "MEMORY"},
	{"threads", "4"}, // helper threads for the sorts of CREATE INDEX
	// Checking each row's foreign keys as it goes in is a quarter of the
	// load; bulkLoad checks them all at once before it commits.
	{"foreign_keys", "OFF"},
}

// Bulk is a bulk load in progress: one write transaction on the writer
// connection, rows buffered into multi-row INSERTs. Rows are given with
// their ids, so that a loader can write them in any order it needs (the
// triggers of I4 decide some of that order) and still number them by
// time. CHECKs and triggers stay on, the secondary indexes of the big
// tables are built again at the end (the unique ones checking every
// row), and foreign keys are checked all at once before the commit: the
// database checks what the loader writes.
type Bulk struct {
	ctx context.Context
	tx  *sql.Tx
	w   *writer

	// tables holds the batches in foreign-key order, the order Flush
	// writes them in.
	tables   []*batch
	sender   *batch
	user     *batch
	chatbot  *batch
	live     *batch
	release  *batch
	session  *batch
	message  *batch
	auditLog *batch

	auditID   int64
	auditHead string
}

// ErrBulkPostgres: a bulk load writes a SQLite file; PostgreSQL is filled
// by copying one (answers copy).
var ErrBulkPostgres = errors.New("a bulk load writes SQLite; seed a SQLite file and copy it to PostgreSQL with answers copy")

// BulkLoad runs fn in one write transaction with bulk-load pragmas, then
// restores the pragmas. It refuses (ErrNotEmpty) a database that already
// has chatbots, senders or sessions. Audit entries continue the existing
// chain. If fn or the load fails, nothing is written.
func (s *Store) BulkLoad(ctx context.Context, fn func(*Bulk) error) (err error) {
	if s.pg != nil {
		return ErrBulkPostgres
	}
	conn, err := s.W.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var n int
	err = conn.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM chatbots) + (SELECT count(*) FROM senders) + (SELECT count(*) FROM chat_sessions)`).Scan(&n)
	if err != nil {
		return err
	}
	if n > 0 {
		return ErrNotEmpty
	}
	// Leaving WAL for the load needs the only connection to the file:
	// idle readers go, and come back when the pool needs them; the
	// checkpointer waits.
	s.checkpointMu.Lock()
	defer s.checkpointMu.Unlock()
	s.R.SetMaxIdleConns(0)
	defer s.R.SetMaxIdleConns(readers())
	restore, err := setPragmas(ctx, conn)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, restore()) }()

	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := bulkLoad(ctx, tx, fn); err != nil {
		_ = tx.Rollback() // the error that stopped it is the one to report
		return constraintError(err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	s.senders.invalidate()
	return nil
}

func bulkLoad(ctx context.Context, tx *sql.Tx, fn func(*Bulk) error) error {
	b := newBulk(ctx, tx)
	err := tx.QueryRowContext(ctx, `SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&b.auditID, &b.auditHead)
	if errors.Is(err, sql.ErrNoRows) {
		b.auditID, b.auditHead = 0, audit.Genesis
	} else if err != nil {
		return err
	}
	indexes, err := dropIndexes(ctx, tx, rebuiltTables()...)
	if err != nil {
		return err
	}
	b.w = startWriter(ctx, tx)
	err = fn(b)
	if err == nil {
		err = b.Flush()
	}
	if werr := b.w.stop(); werr != nil {
		err = werr // the insert that failed says more than errWriterFailed
	}
	for _, ix := range indexes {
		if err != nil {
			break
		}
		_, err = tx.ExecContext(ctx, ix)
	}
	if err != nil {
		return err
	}
	return checkForeignKeys(ctx, tx)
}

// checkForeignKeys fails when a row points at a row that does not exist.
func checkForeignKeys(ctx context.Context, tx *sql.Tx) error {
	var n int
	var table, parent sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT count(*), min("table"), min(parent) FROM pragma_foreign_key_check`).Scan(&n, &table, &parent)
	if err == nil && n > 0 {
		err = fmt.Errorf("FOREIGN KEY constraint failed: %d rows (in %s, pointing at %s, and others)", n, table.String, parent.String)
	}
	return err
}

// rebuiltTables are the big tables whose secondary indexes a bulk load
// drops and builds again at the end: one sort instead of a million
// scattered inserts per index. The unique ones (I5's) check every row
// when they are built. No row written during a load points at these
// tables by an indexed column, so the foreign key checks do not need them.
func rebuiltTables() []string { return []string{"chat_sessions"} }

// dropIndexes drops the indexes of tables that have their own SQL (not
// the automatic ones of UNIQUE constraints) and returns that SQL.
func dropIndexes(ctx context.Context, tx *sql.Tx, tables ...string) ([]string, error) {
	var names, defs []string
	for _, t := range tables {
		n, d, err := indexesOf(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		names, defs = append(names, n...), append(defs, d...)
	}
	for _, n := range names {
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+strings.ReplaceAll(n, `"`, `""`)+`"`); err != nil {
			return nil, err
		}
	}
	return defs, nil
}

// indexesOf lists the names and SQL of a table's own indexes.
func indexesOf(ctx context.Context, tx *sql.Tx, table string) (names, defs []string, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name`, table)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return nil, nil, err
		}
		names, defs = append(names, name), append(defs, def)
	}
	return names, defs, rows.Err()
}

// setPragmas switches conn to bulk-load pragmas and returns the function
// that puts the previous values back.
func setPragmas(ctx context.Context, conn *sql.Conn) (func() error, error) {
	var old []string
	restore := func() error {
		var errs []error
		for i := len(old) - 1; i >= 0; i-- {
			p := bulkPragmas[i]
			if _, err := conn.ExecContext(context.Background(), "PRAGMA "+p.name+" = "+old[i]); err != nil {
				errs = append(errs, fmt.Errorf("restore pragma %s: %w", p.name, err))
			}
		}
		return errors.Join(errs...)
	}
	for _, p := range bulkPragmas {
		var v string
		if err := conn.QueryRowContext(ctx, "PRAGMA "+p.name).Scan(&v); err != nil {
			return nil, errors.Join(err, restore())
		}
		old = append(old, v)
		if _, err := conn.ExecContext(ctx, "PRAGMA "+p.name+" = "+p.value); err != nil {
			return nil, errors.Join(fmt.Errorf("pragma %s: %w", p.name, err), restore())
		}
	}
	return restore, nil
}

// Sender adds a sender with its id.
func (b *Bulk) Sender(s Sender) error {
	return b.add(b.sender, s.ID, s.Channel, s.Address, s.InboundKey, fmtTime(s.CreatedAt), fmtTime(s.UpdatedAt))
}

// User adds a console account with its id.
func (b *Bulk) User(u User) error {
	return b.add(b.user, u.ID, u.Email, u.Name, u.Role.String(), u.PasswordHash, fmtTime(u.CreatedAt), fmtTime(u.UpdatedAt),
		nullableTime(u.LastLoginAt), nullableTime(u.DisabledAt))
}

// Chatbot adds a chatbot with its id, status and timestamps. An active or
// deactivated one must also be added with Live.
func (b *Bulk) Chatbot(c Chatbot) error {
	return b.add(b.chatbot, c.ID, c.Name, c.Language, c.Channel, nullableID(c.SenderID), int64(c.SessionTimeout/time.Second),
		string(c.Definition), c.Version, c.Status, nullableTime(c.GraceEndsAt), fmtTime(c.CreatedAt), fmtTime(c.UpdatedAt),
		nullableTime(c.FirstActivatedAt), nullableTime(c.LastActivatedAt), nullableTime(c.LastDeactivatedAt))
}

// Live records that a chatbot is active or deactivated (live_chatbots,
// which the status triggers keep for updates but not for inserts).
func (b *Bulk) Live(chatbotID int64) error { return b.add(b.live, chatbotID) }

// Release adds a release with its id and number.
func (b *Bulk) Release(r Release) error {
	return b.add(b.release, r.ID, r.ChatbotID, r.Number, string(r.Definition), r.DefinitionHash, string(r.Report),
		r.OverrideReason, nullableID(r.ActivatedByID), r.ActivatedBy, fmtTime(r.ActivatedAt))
}

// ChatSession adds a session with its id; an open one points open_on at
// its chatbot, which must be active when it is added (I4's trigger):
// see SetStatus.
func (b *Bulk) ChatSession(s ChatSession) error {
	var openOn, closed, reason any
	if s.Open() {
		openOn = s.ChatbotID
	} else {
		closed, reason = fmtTime(s.ClosedAt), s.CloseReason
	}
	return b.add(b.session, s.ID, s.SenderID, s.ChatbotID, openOn, nullableID(s.ReleaseID), s.EndUser, string(s.State),
		fmtTime(s.OpenedAt), fmtTime(s.LastActivityAt), fmtTime(s.ExpiresAt), closed, reason, s.Inbound, s.Outbound)
}

// Message adds a transcript line (its id is assigned in insertion order).
func (b *Bulk) Message(m Message) error {
	return b.add(b.message, m.SessionID, m.ChatbotID, m.Direction, m.Text, fmtTime(m.At), enteredJSON(m.Entered), m.FallbackHits, nullableText(m.Branch))
}

// Audit appends an entry to the chain, as AppendAudit does, and returns it
// with its id and hashes. Entries are appended in the order given.
func (b *Bulk) Audit(e audit.Entry) (audit.Entry, error) {
	b.auditID++
	e.ID = b.auditID
	if e.ActorName == "" {
		e.ActorName = "system"
	}
	at := e.At.UTC().Format(audit.TimeFormat)
	details := e.DetailsJSON()
	e.PrevHash = b.auditHead
	e.Hash = audit.ComputeHash(e.PrevHash, e.ID, at, e.ActorName, e.ActorID, e.Action, e.TargetType, e.TargetID, e.TargetName, details, e.IP)
	b.auditHead = e.Hash
	return e, b.add(b.auditLog, e.ID, at, nullableID(e.ActorID), e.ActorName, e.Action, e.TargetType, e.TargetID,
		e.TargetName, details, e.IP, e.PrevHash, e.Hash)
}

// SetStatus moves a chatbot to active or deactivated after the rows
// before it are written, as a transition would: a deactivated chatbot's
// open sessions must be added while it is still active.
func (b *Bulk) SetStatus(id int64, status string, graceEnds time.Time) error {
	if err := b.Flush(); err != nil {
		return err
	}
	_, err := b.tx.ExecContext(b.ctx, `UPDATE chatbots SET status = ?, grace_ends_at = ? WHERE id = ?`, status, nullableTime(graceEnds), id)
	return err
}

// MaxUserID is the highest user id so far (0 with no users): a bulk load
// numbers its users after it.
func (q queries) MaxUserID(ctx context.Context) (int64, error) {
	var id int64
	err := q.q.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM users`).Scan(&id)
	return id, err
}
