package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/answers-console/answers/internal/audit"
)

// AppendAudit adds an entry to the end of the chain, inside the
// transaction of the change it records. On SQLite the writer is a single
// connection and transactions take the write lock at BEGIN; on PostgreSQL
// the head is read under the audit lock: either way two appends can never
// read the same head.
func (t *Tx) AppendAudit(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	e = e.Capped()
	if t.d.IsPostgres() {
		// Transactions that share the write lock may append too: the
		// head is read under a lock of its own, held to the commit, and
		// at READ COMMITTED the read below sees the last committed entry.
		if _, err := t.q.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, auditLockKey); err != nil {
			return audit.Entry{}, err
		}
	}
	var lastID int64
	prev := audit.Genesis
	err := t.q.QueryRowContext(ctx, `SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&lastID, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return audit.Entry{}, err
	}
	e.ID = lastID + 1
	at := e.At.UTC().Format(audit.TimeFormat)
	details := e.DetailsJSON()
	if e.ActorName == "" {
		e.ActorName = "system"
	}
	e.PrevHash = prev
	e.Hash = audit.ComputeHash(prev, e.ID, at, e.ActorName, e.ActorID, e.Action, e.TargetType, e.TargetID, e.TargetName, details, e.IP)
	_, err = t.q.ExecContext(ctx,
		`INSERT INTO audit_log (id, at, actor_id, actor_name, action, target_type, target_id, target_name, details, ip, prev_hash, hash)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, at, nullableID(e.ActorID), e.ActorName, e.Action, e.TargetType, e.TargetID, e.TargetName, details, e.IP, e.PrevHash, e.Hash)
	if err != nil {
		return audit.Entry{}, err
	}
	// Every audited action is also an outbound webhook event, written to
	// the outbox in this same transaction (SPEC §10).
	if err := t.auditEvent(ctx, e, at); err != nil {
		return audit.Entry{}, err
	}
	return e, nil
}

func nullableID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

const auditColumns = `id, at, coalesce(actor_id, 0), actor_name, action, target_type, target_id, target_name, details, ip, prev_hash, hash`

func scanAuditRow(row interface{ Scan(...any) error }) (audit.Row, error) {
	var r audit.Row
	err := row.Scan(&r.ID, &r.At, &r.ActorID, &r.ActorName, &r.Action, &r.TargetType, &r.TargetID, &r.TargetName, &r.Details, &r.IP, &r.PrevHash, &r.Hash)
	return r, err
}

// AuditPage is one page of the log, newest first.
type AuditPage struct {
	Entries []audit.Entry
	// NextBefore is the id to pass as before for the next (older) page;
	// 0 when this is the last page.
	NextBefore int64
}

// AuditEntries returns up to limit entries older than before (all when
// before is 0), newest first: keyset pagination on the primary key.
func (q queries) AuditEntries(ctx context.Context, before int64, limit int) (AuditPage, error) {
	return q.FilterAudit(ctx, AuditFilter{Before: before, Limit: limit})
}

// AuditFilter narrows the audit log. Empty fields match everything.
type AuditFilter struct {
	Actor      string // actor name (an email, "system" or "anonymous"), exact
	Action     string // exact, or a prefix ending in "." such as "chatbot."
	TargetType string
	Target     string // the target's id, exactly, or part of its name
	From, To   time.Time
	Before     int64 // keyset: entries with a smaller id
	Limit      int
}

func (f AuditFilter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(c string, a ...any) { conds, args = append(conds, c), append(args, a...) }
	if f.Actor != "" {
		add("actor_name = ?", f.Actor)
	}
	if strings.HasSuffix(f.Action, ".") {
		add("action LIKE ? ESCAPE '\\'", likeEscape(f.Action)+"%")
	} else if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.TargetType != "" {
		add("target_type = ?", f.TargetType)
	}
	if f.Target != "" {
		add("(target_id = ? OR target_name LIKE ? ESCAPE '\\')", f.Target, "%"+likeEscape(f.Target)+"%")
	}
	if !f.From.IsZero() {
		add("at >= ?", fmtTime(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", fmtTime(f.To))
	}
	if f.Before > 0 {
		add("id < ?", f.Before)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// FilterAudit returns one page of the entries matching f, newest first.
func (q queries) FilterAudit(ctx context.Context, f AuditFilter) (AuditPage, error) {
	if f.Limit < 1 {
		// A page of no entries could never move on to the next one.
		return AuditPage{}, fmt.Errorf("audit page limit %d: must be at least 1", f.Limit)
	}
	where, args := f.where()
	rows, err := q.q.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log`+where+` ORDER BY id DESC LIMIT ?`, append(args, f.Limit+1)...)
	if err != nil {
		return AuditPage{}, err
	}
	defer rows.Close()
	var page AuditPage
	for rows.Next() {
		r, err := scanAuditRow(rows)
		if err != nil {
			return AuditPage{}, err
		}
		if len(page.Entries) == f.Limit {
			page.NextBefore = page.Entries[f.Limit-1].ID
			break
		}
		page.Entries = append(page.Entries, entryFromRow(r))
	}
	return page, rows.Err()
}

// EachAudit calls fn for every entry matching f (Before and Limit
// ignored), newest first, streaming from the database: an export of a
// million entries is never held in memory.
func (q queries) EachAudit(ctx context.Context, f AuditFilter, fn func(audit.Entry) error) error {
	f.Before = 0
	where, args := f.where()
	rows, err := q.q.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log`+where+` ORDER BY id DESC`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanAuditRow(rows)
		if err != nil {
			return err
		}
		if err := fn(entryFromRow(r)); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AuditActions lists the actions that occur in the log, for the filter.
func (q queries) AuditActions(ctx context.Context) ([]string, error) {
	// A skip scan: one index seek per distinct action, instead of reading
	// the whole index (a million entries hold a few dozen actions).
	rows, err := q.q.QueryContext(ctx, `WITH RECURSIVE a(action) AS (
			SELECT min(action) FROM audit_log
			UNION ALL
			SELECT (SELECT min(action) FROM audit_log WHERE action > a.action) FROM a WHERE a.action IS NOT NULL)
		SELECT action FROM a WHERE action IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func entryFromRow(r audit.Row) audit.Entry {
	e := audit.Entry{
		ID: r.ID, At: parseTime(r.At), ActorID: r.ActorID, ActorName: r.ActorName, Action: r.Action,
		TargetType: r.TargetType, TargetID: r.TargetID, TargetName: r.TargetName, IP: r.IP,
		PrevHash: r.PrevHash, Hash: r.Hash,
	}
	if err := json.Unmarshal([]byte(r.Details), &e.Details); err != nil {
		e.Details = map[string]any{"raw": r.Details}
	}
	return e
}

// VerifyAudit walks the whole chain in id order and returns how many
// entries it checked and the first break, if any.
func (q queries) VerifyAudit(ctx context.Context) (int64, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log ORDER BY id`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	v := audit.NewVerifier()
	for rows.Next() {
		r, err := scanAuditRow(rows)
		if err != nil {
			return v.Count(), err
		}
		if err := v.Add(r); err != nil {
			return v.Count(), err
		}
	}
	return v.Count(), rows.Err()
}

// nullableText stores "" as NULL.
func nullableText(s string) any {
	if s == "" {
		return nil
	}
	return s
}
