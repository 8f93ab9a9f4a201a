package store

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/answers-console/answers/db"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testdb"
)

// now is the clock of these tests: a fixed instant with microseconds, so
// that stored times can be compared exactly.
var now = time.Date(2026, 3, 1, 12, 30, 15, 123456000, time.UTC)

// openStore opens a fresh database on the engine of the test run (see
// testdb) and returns it with its DSN.
func openStore(t *testing.T) (*Store, string) {
	t.Helper()
	return openDSN(t, testdb.DSN(t))
}

// openSQLiteStore opens a fresh SQLite file, for what only SQLite has.
func openSQLiteStore(t *testing.T) (*Store, string) {
	t.Helper()
	return openDSN(t, testdb.SQLiteFile(t))
}

func openDSN(t *testing.T, file string) (*Store, string) {
	t.Helper()
	st, err := Open(context.Background(), file)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st, file
}

// mustTx runs fn in a write transaction and fails the test on an error.
func mustTx(t *testing.T, st *Store, fn func(*Tx) error) {
	t.Helper()
	if err := st.InTx(context.Background(), fn); err != nil {
		t.Fatalf("InTx: %v", err)
	}
}

// addUser creates an active user with the given email and role.
func addUser(t *testing.T, st *Store, email string, role rbac.Role) User {
	t.Helper()
	var u User
	mustTx(t, st, func(tx *Tx) error {
		var err error
		u, err = tx.CreateUser(context.Background(), NewUser{Email: email, Name: "Name of " + email, Role: role, PasswordHash: "hash"}, now)
		return err
	})
	return u
}

func pragma(t *testing.T, q querier, name string) string {
	t.Helper()
	var v string
	if err := q.QueryRowContext(context.Background(), "PRAGMA "+name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func TestOpenCreatesAndMigrates(t *testing.T) {
	ctx := context.Background()
	st, file := openSQLiteStore(t)
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("database file not created: %v", err)
	}
	if err := st.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	for _, table := range []string{"users", "api_tokens", "setup_tokens", "console_sessions", "audit_log", "goose_db_version"} {
		var n int
		err := st.R.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, table).Scan(&n)
		if err != nil || n != 1 {
			t.Errorf("table %s: count %d, err %v", table, n, err)
		}
	}
	var version int64
	if err := st.R.QueryRowContext(ctx, `SELECT max(version_id) FROM goose_db_version WHERE is_applied`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if want := latestMigration(t); version != want {
		t.Errorf("schema version = %d, want %d (the newest migration)", version, want)
	}
}

// latestMigration is the number of the newest embedded migration file.
func latestMigration(t *testing.T) int64 {
	t.Helper()
	files, err := fs.Glob(db.Migrations, "migrations/sqlite/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations: %v", err)
	}
	var latest int64
	for _, f := range files {
		n, err := strconv.ParseInt(strings.SplitN(path.Base(f), "_", 2)[0], 10, 64)
		if err != nil {
			t.Fatalf("migration %s: %v", f, err)
		}
		latest = max(latest, n)
	}
	return latest
}

func TestOpenTwiceIsIdempotent(t *testing.T) {
	ctx := context.Background()
	st, file := openStore(t)
	addUser(t, st, "kept@example.com", rbac.Admin)

	// A second store on the same file while the first is open: the CLI
	// beside a running server.
	second, err := Open(ctx, file)
	if err != nil {
		t.Fatalf("second Open while the first is open: %v", err)
	}
	if _, err := second.UserByEmail(ctx, "kept@example.com"); err != nil {
		t.Errorf("second store does not see the first one's user: %v", err)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopen after closing: migrations already applied, data kept.
	third, err := Open(ctx, file)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer third.Close()
	if n, err := third.CountUsers(ctx); err != nil || n != 1 {
		t.Errorf("after reopening: %d users, err %v; want 1", n, err)
	}
	var applied int
	if err := third.R.QueryRowContext(ctx, `SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	// Numbers may have gaps (a branch reserves the ones it will use).
	files, _ := fs.Glob(db.Migrations, "migrations/"+testdb.Engine()+"/*.sql")
	if want := len(files); applied != want {
		t.Errorf("%d migrations recorded after three opens, want %d (each once)", applied, want)
	}
}

func TestOpenRefusesQueryCharacters(t *testing.T) {
	for _, p := range []string{"a.db?mode=ro", "a.db#x"} {
		if st, err := Open(context.Background(), filepath.Join(t.TempDir(), p)); err == nil {
			st.Close()
			t.Errorf("Open(%q) succeeded, want an error", p)
		}
	}
}

func TestWriterPragmas(t *testing.T) {
	st, _ := openSQLiteStore(t)
	for name, want := range map[string]string{
		"journal_mode": "wal",
		"foreign_keys": "1",
		"busy_timeout": "10000",
		"synchronous":  "1", // NORMAL
		"query_only":   "0",
		// The checkpointer checkpoints, not the writer (checkpoint.go).
		"wal_autocheckpoint": "0",
	} {
		if got := pragma(t, st.W, name); got != want {
			t.Errorf("writer PRAGMA %s = %q, want %q", name, got, want)
		}
	}
}

// What the writer commits reaches the database file without the writer
// checkpointing: the checkpointer copies it from the WAL.
func TestCheckpointerCopiesTheWAL(t *testing.T) {
	st, path := openSQLiteStore(t)
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// About 4 MiB, far more than the file holds now.
	mustTx(t, st, func(tx *Tx) error {
		if _, err := tx.q.ExecContext(context.Background(), `CREATE TABLE filler (x TEXT)`); err != nil {
			return err
		}
		for range 2000 {
			if _, err := tx.q.ExecContext(context.Background(), `INSERT INTO filler (x) VALUES (?)`, strings.Repeat("x", 2000)); err != nil {
				return err
			}
		}
		return nil
	})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() >= before.Size()+4<<20 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the database file is %d bytes, %d before 4 MiB were committed: nothing was checkpointed", fi.Size(), before.Size())
		}
	}
}

func TestForeignKeysAreEnforced(t *testing.T) {
	st, _ := openStore(t)
	err := st.InTx(context.Background(), func(tx *Tx) error {
		_, err := tx.CreateAPIToken(context.Background(), 999, "orphan", "ans_xx", []byte("hash"), now, time.Time{})
		return err
	})
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "foreign key") {
		t.Fatalf("token for a missing user: err = %v, want a FOREIGN KEY failure", err)
	}
}

func TestReadersRefuseWrites(t *testing.T) {
	ctx := context.Background()
	st, _ := openSQLiteStore(t)

	// Hold several reader connections at once, so that the check covers
	// more than the first connection of the pool.
	var conns []*sql.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range 4 {
		conn, err := st.R.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
		var only int
		if err := conn.QueryRowContext(ctx, "PRAGMA query_only").Scan(&only); err != nil {
			t.Fatal(err)
		}
		if only != 1 {
			t.Errorf("reader connection %d: query_only = %d, want 1", i, only)
		}
		_, err = conn.ExecContext(ctx, `INSERT INTO setup_tokens (id, token_hash, created_at) VALUES (1, x'00', 'now')`)
		if err == nil {
			t.Errorf("reader connection %d accepted an INSERT", i)
		}
	}
	var n int
	if err := conns[0].QueryRowContext(ctx, `SELECT count(*) FROM setup_tokens`).Scan(&n); err != nil || n != 0 {
		t.Errorf("a reader's write landed: %d rows, err %v", n, err)
	}
}

func TestInTxRollsBackOnError(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	boom := errors.New("boom")
	err := st.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.CreateUser(ctx, NewUser{Email: "gone@example.com", Name: "Gone", Role: rbac.Admin, PasswordHash: "h"}, now); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx err = %v, want boom", err)
	}
	if _, err := st.UserByEmail(ctx, "gone@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("user of a rolled back transaction: err = %v, want ErrNotFound", err)
	}
}
