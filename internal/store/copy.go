package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Moving an installation from SQLite to PostgreSQL (answers copy): every
// table, every row, with its ids and its stored text as it is — times are
// the same fixed-width text on both engines, so the audit chain's hashes
// verify on the copy. One PostgreSQL transaction: the target has all of it
// or nothing.

// copyOrder lists the tables parents first; a table the list does not
// name (a newer one) is copied after them, in name order.
var copyOrder = []string{
	"users", "api_tokens", "setup_tokens", "console_sessions", "senders", "chatbots", "releases", "live_chatbots",
	"chat_sessions", "messages", "rollup_hours", "rollup_dialogs", "rollup_end_users", "analytics_state", "audit_log",
	"webhook_endpoints", "webhook_events", "webhook_deliveries", "webhook_attempts",
}

// ErrTargetNotEmpty: answers copy writes only into an empty database.
var ErrTargetNotEmpty = errors.New("the target database is not empty: answers copy writes only into a new, empty database")

// CopyReport says what a copy moved.
type CopyReport struct {
	Tables []CopiedTable
	// AuditEntries is how many entries of the copied audit chain verified.
	AuditEntries int64
}

// CopiedTable is one table's row count on both sides.
type CopiedTable struct {
	Name         string
	Source, Rows int64
}

// CopyTo copies the whole database into dst, a PostgreSQL store at the
// current schema with no data, then checks the copy: row counts, the
// audit chain and the invariants.
func (s *Store) CopyTo(ctx context.Context, dst *Store, now time.Time) (CopyReport, error) {
	var rep CopyReport
	if s.pg != nil || dst.pg == nil {
		return rep, errors.New("answers copy copies a SQLite database into a PostgreSQL one")
	}
	var n int
	if err := dst.R.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM senders)
		+ (SELECT count(*) FROM chatbots) + (SELECT count(*) FROM audit_log)`).Scan(&n); err != nil {
		return rep, err
	}
	if n > 0 {
		return rep, ErrTargetNotEmpty
	}
	tables, err := s.copyTables(ctx)
	if err != nil {
		return rep, err
	}
	conn, err := pgx.ConnectConfig(ctx, dst.pg.cfg)
	if err != nil {
		return rep, err
	}
	defer conn.Close(context.Background())
	if err := registerCitext(ctx, conn); err != nil {
		return rep, err
	}
	// The source is read in one read transaction: a consistent copy even
	// while a server writes to it.
	src, err := s.R.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return rep, err
	}
	defer func() { _ = src.Rollback() }() // read only: nothing to undo
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, writeLockKey); err != nil {
			return err
		}
		// Open sessions of deactivated chatbots were opened while those
		// were active: the insert trigger that checks this is off for the
		// copy (in this transaction only); the invariants are checked
		// below, on the whole copy.
		if _, err := tx.Exec(ctx, `ALTER TABLE chat_sessions DISABLE TRIGGER chat_sessions_open_on_active`); err != nil {
			return err
		}
		for _, t := range tables {
			if t == "server_secrets" {
				// A server started on the target before the copy made
				// secrets of its own, which signed nothing that matters:
				// the installation's own replace them, so what it signed
				// (visitors' chat cookies) is still accepted.
				if _, err := tx.Exec(ctx, `DELETE FROM server_secrets`); err != nil {
					return err
				}
			}
			ct, err := copyTable(ctx, src, tx, t)
			if err != nil {
				return fmt.Errorf("copy %s: %w", t, err)
			}
			rep.Tables = append(rep.Tables, ct)
		}
		// The deferred check of I4 runs now, so the trigger can come back.
		if _, err := tx.Exec(ctx, `SET CONSTRAINTS ALL IMMEDIATE`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `ALTER TABLE chat_sessions ENABLE TRIGGER chat_sessions_open_on_active`); err != nil {
			return err
		}
		// Identity columns go on after the highest copied id.
		rows, err := tx.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND is_identity = 'YES'`)
		if err != nil {
			return err
		}
		idents, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ T, C string }])
		if err != nil {
			return err
		}
		for _, id := range idents {
			if _, err := tx.Exec(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', '%s'),
				coalesce((SELECT max(%s) FROM %s), 0) + 1, false)`, id.T, id.C, pgx.Identifier{id.C}.Sanitize(), pgx.Identifier{id.T}.Sanitize())); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	// Check the copy as it landed.
	for i, t := range rep.Tables {
		if err := dst.R.QueryRowContext(ctx, `SELECT count(*) FROM `+pgx.Identifier{t.Name}.Sanitize()).Scan(&rep.Tables[i].Rows); err != nil {
			return rep, err
		}
		if rep.Tables[i].Rows != t.Source {
			return rep, fmt.Errorf("copy of %s has %d rows, the source %d", t.Name, rep.Tables[i].Rows, t.Source)
		}
	}
	// The planner's statistics, now rather than whenever autovacuum
	// comes round: without them the first queries on a copied console
	// plan for empty tables (the chatbot list took 99 ms instead of 12).
	if _, err := dst.W.ExecContext(ctx, `ANALYZE`); err != nil {
		return rep, fmt.Errorf("analyze the copy: %w", err)
	}
	if rep.AuditEntries, err = dst.VerifyAudit(ctx); err != nil {
		return rep, fmt.Errorf("the copied audit chain does not verify after %d entries: %w", rep.AuditEntries, err)
	}
	v, err := dst.Violations(ctx, now)
	if err != nil {
		return rep, err
	}
	if len(v) > 0 {
		return rep, fmt.Errorf("the copy breaks invariants: %s", strings.Join(v, "; "))
	}
	return rep, nil
}

// copyTables lists the source's tables in copy order: not goose's
// versions, nor chatbots_generation, which the target's migrations begin
// and its triggers move on.
func (s *Store) copyTables(ctx context.Context) ([]string, error) {
	rows, err := s.R.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table'
		AND name NOT LIKE 'sqlite_%' AND name NOT IN ('goose_db_version', 'chatbots_generation') ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var rest []string
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		have[name] = true
		if !slices.Contains(copyOrder, name) {
			rest = append(rest, name)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []string
	for _, t := range copyOrder {
		if have[t] {
			out = append(out, t)
		}
	}
	return append(out, rest...), nil
}

// copyTable streams one table with COPY.
func copyTable(ctx context.Context, src *sql.Tx, dst pgx.Tx, table string) (CopiedTable, error) {
	ct := CopiedTable{Name: table}
	rows, err := src.QueryContext(ctx, `SELECT * FROM "`+table+`" ORDER BY rowid`)
	if err != nil {
		// A WITHOUT ROWID table has no rowid; its order does not matter.
		rows, err = src.QueryContext(ctx, `SELECT * FROM "`+table+`"`)
		if err != nil {
			return ct, err
		}
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return ct, err
	}
	it := &rowSource{rows: rows, vals: make([]any, len(cols))}
	n, err := dst.CopyFrom(ctx, pgx.Identifier{table}, cols, it)
	if err != nil {
		return ct, err
	}
	if err := rows.Err(); err != nil {
		return ct, err
	}
	ct.Source = n
	return ct, nil
}

// rowSource feeds SQLite rows to pgx's COPY.
type rowSource struct {
	rows *sql.Rows
	vals []any
	err  error
}

func (r *rowSource) Next() bool {
	if !r.rows.Next() {
		r.err = r.rows.Err()
		return false
	}
	ptrs := make([]any, len(r.vals))
	for i := range r.vals {
		r.vals[i] = nil
		ptrs[i] = &r.vals[i]
	}
	if err := r.rows.Scan(ptrs...); err != nil {
		r.err = err
		return false
	}
	return true
}

func (r *rowSource) Values() ([]any, error) { return r.vals, r.err }

func (r *rowSource) Err() error { return r.err }

// registerCitext teaches the connection citext, PostgreSQL's extension
// type for case-insensitive text: on the wire it is text.
func registerCitext(ctx context.Context, conn *pgx.Conn) error {
	var oid uint32
	if err := conn.QueryRow(ctx, `SELECT oid FROM pg_type WHERE typname = 'citext'`).Scan(&oid); err != nil {
		return fmt.Errorf("citext: %w", err)
	}
	conn.TypeMap().RegisterType(&pgtype.Type{Name: "citext", OID: oid, Codec: pgtype.TextCodec{}})
	return nil
}
