package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// BackupInto writes a consistent copy of the database to path with VACUUM
// INTO: one read transaction, so the copy is the database as of one moment
// while other connections (a running server) go on writing. path must not
// exist yet. It runs on this store's writer connection (the readers are
// query-only, which VACUUM INTO refuses), so this process writes nothing
// else meanwhile; it takes no write lock on the database, so other
// processes do.
func (s *Store) BackupInto(ctx context.Context, path string) error {
	if s.pg != nil {
		return ErrBackupPostgres
	}
	if _, err := s.W.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// ErrBackupPostgres: answers backup copies SQLite files; a PostgreSQL
// database is backed up with PostgreSQL's own tools.
var ErrBackupPostgres = errors.New("answers backup copies SQLite databases; back up PostgreSQL with pg_dump (or pg_basebackup and WAL archiving for point-in-time recovery)")

// Summary describes a database file: its schema version, the rows of its
// main tables and whether its audit chain holds.
type Summary struct {
	SchemaVersion int64
	Bytes         int64
	Users         int64
	Senders       int64
	Chatbots      int64
	Sessions      int64
	Messages      int64
	AuditEntries  int64
	// AuditErr is the first break of the audit chain, or nil.
	AuditErr error
}

// Inspect opens the database file at path read-only, without migrating or
// changing it, checks its integrity and describes it.
func Inspect(ctx context.Context, path string) (Summary, error) {
	var sum Summary
	fi, err := os.Stat(path)
	if err != nil {
		return sum, err
	}
	sum.Bytes = fi.Size()
	if strings.ContainsAny(path, "?#") {
		return sum, fmt.Errorf("database path %q must not contain ? or #", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return sum, err
	}
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: abs, RawQuery: "mode=ro"}).String())
	if err != nil {
		return sum, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var check string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil {
		return sum, fmt.Errorf("%s: %w", path, err)
	}
	if check != "ok" {
		return sum, fmt.Errorf("%s fails the integrity check: %s", path, check)
	}
	if err := db.QueryRowContext(ctx, `SELECT max(version_id) FROM goose_db_version WHERE is_applied`).Scan(&sum.SchemaVersion); err != nil {
		return sum, fmt.Errorf("%s has no schema version: %w", path, err)
	}
	for _, c := range []struct {
		table string
		n     *int64
	}{
		{"users", &sum.Users}, {"senders", &sum.Senders}, {"chatbots", &sum.Chatbots},
		{"chat_sessions", &sum.Sessions}, {"messages", &sum.Messages}, {"audit_log", &sum.AuditEntries},
	} {
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM `+c.table).Scan(c.n); err != nil {
			return sum, fmt.Errorf("%s: count %s: %w", path, c.table, err)
		}
	}
	n, err := queries{db, sqliteDialect}.VerifyAudit(ctx)
	if err != nil {
		sum.AuditErr = fmt.Errorf("after %d entries: %w", n, err)
	}
	return sum, nil
}
