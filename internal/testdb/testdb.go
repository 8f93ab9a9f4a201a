// Package testdb gives each test a fresh, empty database on the engine
// the test run names: a SQLite file in t.TempDir() by default, or a new
// database on the PostgreSQL server whose URL is in ANSWERS_TEST_POSTGRES
// (make test starts a throwaway cluster and runs the suites a second time
// with it; a developer may point it at a server of their own). It does
// not import the store, so the store's own tests can use it.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
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

// DSN returns what store.Open takes for a new, empty database that is
// removed when the test ends.
func DSN(t testing.TB) string {
	t.Helper()
	server := PostgresURL()
	if server == "" {
		return filepath.Join(t.TempDir(), "answers.db")
	}
	return NewPostgres(t, server)
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
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+name); err != nil {
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
