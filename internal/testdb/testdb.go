// Package testdb gives each test a fresh database on the engine the test
// run names: a SQLite file in t.TempDir() by default, or a new database on
// the PostgreSQL server whose URL is in ANSWERS_TEST_POSTGRES (make test
// starts a throwaway cluster and runs the suites a second time with it; a
// developer may point it at a server of their own). It does not import
// the store, so the store's own tests can use it.
//
// DSN's databases are already migrated: the migrations are applied once
// to a template (a SQLite file in the system's temporary folder, or a
// template database on the server, named by a hash of the migrations, so
// every test process of a run shares it and a changed migration makes a
// new one), and each test gets a copy. Opening the copy with the store
// finds every migration applied. Migrating each test's database afresh
// cost 0.75–1 s under the race detector, ~345 times a run.
package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for migrating the template
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"

	"github.com/answers-console/answers/db"
)

// EnvPostgres names the variable holding the URL of a PostgreSQL server
// (a database on it that the tests may connect to, such as "postgres",
// as a role that may create databases).
const EnvPostgres = "ANSWERS_TEST_POSTGRES"

// PostgresURL is the server the tests run on, or "" for SQLite.
func PostgresURL() string { return os.Getenv(EnvPostgres) }

// Engine is "postgres" when the tests run on PostgreSQL, else "sqlite".
func Engine() string {
	if PostgresURL() != "" {
		return "postgres"
	}
	return "sqlite"
}

// DSN returns what store.Open takes for a new database, migrated to the
// current schema and otherwise empty, that is removed when the test ends.
func DSN(t testing.TB) string {
	t.Helper()
	server := PostgresURL()
	if server == "" {
		tpl, err := sqliteTemplate()
		if err != nil {
			t.Fatalf("migrated SQLite template: %v", err)
		}
		path := filepath.Join(t.TempDir(), "answers.db")
		data, err := os.ReadFile(tpl)
		if err == nil {
			err = os.WriteFile(path, data, 0o600)
		}
		if err != nil {
			t.Fatalf("copy the migrated SQLite template: %v", err)
		}
		return path
	}
	return newPostgres(t, server, true)
}

// migrationsHash names the schema the migrations make on engine dir.
func migrationsHash(dir string) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(db.Migrations, dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := db.Migrations.ReadFile(path)
		fmt.Fprintf(h, "%s %d\n", path, len(data))
		h.Write(data)
		return err
	})
	return hex.EncodeToString(h.Sum(nil))[:16], err
}

// migrate applies engine dir's migrations to conn, as the store does.
func migrate(ctx context.Context, conn *sql.DB, dialect goose.Dialect, dir string) error {
	fsys, err := fs.Sub(db.Migrations, dir)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(dialect, conn, fsys)
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

var sqliteTpl struct {
	once sync.Once
	path string
	err  error
}

// sqliteTemplate returns the path of a SQLite file migrated to the current
// schema, made once and shared by every test process that finds it.
func sqliteTemplate() (string, error) {
	sqliteTpl.once.Do(func() {
		sqliteTpl.path, sqliteTpl.err = makeSQLiteTemplate()
	})
	return sqliteTpl.path, sqliteTpl.err
}

func makeSQLiteTemplate() (string, error) {
	hash, err := migrationsHash("migrations/sqlite")
	if err != nil {
		return "", err
	}
	path := filepath.Join(os.TempDir(), "answers-test-"+hash+".db")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	// Made under another name and renamed into place, so a process that
	// finds the file finds it whole.
	f, err := os.CreateTemp(os.TempDir(), "answers-test-*.db")
	if err != nil {
		return "", err
	}
	tmp := f.Name()
	f.Close()
	defer os.Remove(tmp)
	// The store's own pragmas, but a rollback journal: the template is
	// one file, with no write-ahead log beside it.
	conn, err := sql.Open("sqlite", "file:"+tmp+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return "", err
	}
	conn.SetMaxOpenConns(1)
	err = migrate(context.Background(), conn, goose.DialectSQLite3, "migrations/sqlite")
	if cerr := conn.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("migrate %s: %w", tmp, err)
	}
	return path, os.Rename(tmp, path)
}

// SQLiteFile returns the path of a new SQLite file, whatever the engine
// of the run, for tests of what only SQLite has (files, backups, pragmas).
func SQLiteFile(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "answers.db")
}

// NewPostgres creates an empty database on the server and returns its
// URL; the database is dropped when the test ends.
func NewPostgres(t testing.TB, server string) string {
	t.Helper()
	return newPostgres(t, server, false)
}

// newPostgres creates a database on the server, a copy of the migrated
// template when migrated, and returns its URL; the database is dropped
// when the test ends.
func newPostgres(t testing.TB, server string, migrated bool) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := "answers_test_" + hex.EncodeToString(b)
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("connect to the test server: %v", err)
	}
	defer admin.Close(ctx)
	create := `CREATE DATABASE ` + name
	if migrated {
		tpl, err := postgresTemplate(ctx, admin, u)
		if err != nil {
			t.Fatalf("migrated PostgreSQL template: %v", err)
		}
		create += ` TEMPLATE ` + tpl
	}
	if _, err := admin.Exec(ctx, create); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, server)
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

var pgTpl struct {
	mu   sync.Mutex
	name string
}

// postgresTemplate returns the name of a database on the server migrated
// to the current schema, made once per schema under an advisory lock (so
// test processes running side by side make it once) and kept on the
// server for later runs; admin is connected to the server at u.
func postgresTemplate(ctx context.Context, admin *pgx.Conn, u *url.URL) (string, error) {
	pgTpl.mu.Lock()
	defer pgTpl.mu.Unlock()
	if pgTpl.name != "" {
		return pgTpl.name, nil
	}
	hash, err := migrationsHash("migrations/postgres")
	if err != nil {
		return "", err
	}
	name := "answers_template_" + hash
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock(hashtext('answers test template'))`); err != nil {
		return "", err
	}
	defer admin.Exec(context.Background(), `SELECT pg_advisory_unlock(hashtext('answers test template'))`) //nolint:errcheck // the session's end releases it too
	var n int
	if err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil {
		return "", err
	}
	if n == 0 {
		// Migrated under another name and renamed, so a template that
		// exists is whole.
		tmp := name + "_new"
		if _, err := admin.Exec(ctx, `DROP DATABASE IF EXISTS `+tmp+` WITH (FORCE)`); err != nil {
			return "", err
		}
		if _, err := admin.Exec(ctx, `CREATE DATABASE `+tmp); err != nil {
			return "", err
		}
		tu := *u
		tu.Path = "/" + tmp
		conn, err := sql.Open("pgx", tu.String())
		if err != nil {
			return "", err
		}
		err = migrate(ctx, conn, goose.DialectPostgres, "migrations/postgres")
		if cerr := conn.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", fmt.Errorf("migrate the template: %w", err)
		}
		if _, err := admin.Exec(ctx, `ALTER DATABASE `+tmp+` RENAME TO `+name); err != nil {
			return "", err
		}
	}
	pgTpl.name = name
	return name, nil
}
