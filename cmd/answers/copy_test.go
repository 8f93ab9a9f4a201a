package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/app"
	"github.com/answers-console/answers/internal/demo"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testdb"
)

// The demo installation moves from SQLite to PostgreSQL whole: every row,
// an audit chain that verifies there, and the invariants; a second copy
// into the now non-empty database is refused.
func TestCopyDemoToPostgres(t *testing.T) {
	server := testdb.PostgresURL()
	if server == "" {
		t.Skip("needs PostgreSQL: runs in make test's PostgreSQL pass (" + testdb.EnvPostgres + ")")
	}
	ctx := context.Background()
	file := testdb.SQLiteFile(t)
	st, err := store.Open(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(ctx, app.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)))); err != nil {
		t.Fatal(err)
	}
	want, err := st.CountRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := st.ServerSecret(ctx, "web-signing")
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	url := testdb.NewPostgres(t, server)
	// A server started on the target before the copy made a secret of its
	// own; the installation's replaces it, so what it signed (visitors'
	// chat cookies) is still accepted.
	if target, err := store.Open(ctx, url); err != nil {
		t.Fatal(err)
	} else if _, err := target.ServerSecret(ctx, "web-signing"); err != nil {
		t.Fatal(err)
	} else {
		target.Close()
	}
	out := mustCLI(t, "", "copy", "--from", file, "--to", url)
	if !strings.Contains(out, "the audit chain verifies") {
		t.Errorf("copy printed:\n%s", out)
	}
	if out := mustCLI(t, "", "audit", "verify", "--db", url); !strings.Contains(out, "Audit chain intact") {
		t.Errorf("audit verify on the copy:\n%s", out)
	}
	pg, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	got, err := pg.CountRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for table, n := range want {
		if got[table] != n || n == 0 && table != "releases" {
			t.Errorf("%s: %d rows copied, the demo has %d", table, got[table], n)
		}
	}
	if copied, err := pg.ServerSecret(ctx, "web-signing"); err != nil || !bytes.Equal(copied, secret) {
		t.Errorf("the copy's signing secret is %x (%v), want the installation's %x", copied, err, secret)
	}
	// The copy is a working console: a new chatbot gets the next id.
	err = pg.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.CreateChatbot(ctx, store.NewChatbot{Name: "After the copy", Language: "en", Channel: "sms",
			SessionTimeout: 15 * time.Minute, Definition: []byte(`{}`)}, time.Now())
		if err == nil && c.ID <= int64(want["chatbots"]) {
			t.Errorf("new chatbot id %d after copying %d chatbots", c.ID, want["chatbots"])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	code, _, err := cli(t, "", "copy", "--from", file, "--to", url)
	if code == 0 || err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("second copy into the same database: exit %d, %v; want a refusal", code, err)
	}
}

// A PostgreSQL URL's password never shows in what the CLI prints.
func TestPostgresPasswordNotShown(t *testing.T) {
	url := "postgres://answers:s3cret-pw@127.0.0.1:1/nowhere?sslmode=disable&connect_timeout=2"
	code, out, err := cli(t, "", "migrate", "--db", url)
	if code == 0 || err == nil {
		t.Fatalf("migrate against a closed port: exit %d", code)
	}
	if strings.Contains(out+err.Error(), "s3cret-pw") {
		t.Errorf("the password shows: %s %v", out, err)
	}
	if got := store.RedactDSN(url); strings.Contains(got, "s3cret-pw") || !strings.Contains(got, "127.0.0.1:1") {
		t.Errorf("RedactDSN = %q", got)
	}
	if got := store.RedactDSN("postgres://h/db?password=s3cret-pw"); strings.Contains(got, "s3cret-pw") {
		t.Errorf("RedactDSN = %q", got)
	}
}
