package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/app"
	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testdb"
	"github.com/answers-console/answers/internal/who"
)

// TestBackupWhileWriting backs a database up while another connection
// writes messages and audited changes to it, then opens the backup and
// checks it: integrity, schema version, row counts between those before
// and after, every message with its session, and the audit chain.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	db := testdb.SQLiteFile(t)
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := app.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	sys := who.System()
	snd, err := a.Senders.Create(ctx, sys, "sms", "+15550100")
	if err != nil {
		t.Fatal(err)
	}
	bot, err := a.Chatbots.Create(ctx, sys, chatbots.Settings{Name: "Echo", Channel: "sms", SenderID: snd.ID})
	if err != nil {
		t.Fatal(err)
	}
	def := &chatbot.Definition{Entry: "start", Fallback: "start", Attributes: []chatbot.Attribute{{Name: "n", Type: "text"}},
		Dialogs: []chatbot.Dialog{{ID: "start", Name: "Start", Elements: []chatbot.Element{
			{Type: chatbot.ElementQuestion, Text: "Your name?", Attribute: "n"},
			{Type: chatbot.ElementClose, Text: "Bye {{n}}."},
		}}}}
	if bot, err = a.Chatbots.Update(ctx, sys, bot.ID, chatbots.Edit{Version: bot.Version, Apply: chatbots.ReplaceDefinition(def)}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Lifecycle.Activate(ctx, sys, bot.ID, lifecycle.ActivateOptions{OverrideWarnings: true, Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	before, err := store.Inspect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}

	// Traffic: end users message the chatbot, and audited changes (new
	// chatbots) land, until the backup is done.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var routed, created atomic.Int64
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := a.Routing.Route(ctx, snd, "+1555"+strconv.Itoa(i%50), "hello "+strconv.Itoa(i)); err != nil {
				t.Error(err)
				return
			}
			routed.Add(1)
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := a.Chatbots.Create(ctx, sys, chatbots.Settings{Name: "Draft " + strconv.Itoa(i), Channel: "sms"}); err != nil {
				t.Error(err)
				return
			}
			created.Add(1)
		}
	}()
	for deadline := time.Now().Add(10 * time.Second); routed.Load() < 50 || created.Load() < 10; {
		if time.Now().After(deadline) {
			t.Fatal("the traffic did not get going")
		}
		time.Sleep(time.Millisecond)
	}
	// Everything committed before the backup starts must be in it (a
	// plain copy of the file would miss what is still in the WAL).
	atStart, err := store.Inspect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "backup.db")
	out := mustCLI(t, "", "backup", "--db", db, "--to", file)
	close(stop)
	wg.Wait()
	after, err := store.Inspect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}

	got, err := store.Inspect(ctx, file)
	if err != nil {
		t.Fatalf("the backup does not open: %v", err)
	}
	if got.AuditErr != nil {
		t.Fatalf("the backup's audit chain is broken: %v", got.AuditErr)
	}
	if got.SchemaVersion != after.SchemaVersion || got.SchemaVersion == 0 {
		t.Errorf("schema version %d, want %d", got.SchemaVersion, after.SchemaVersion)
	}
	for _, c := range []struct {
		name              string
		before, got, last int64
	}{
		{"messages", atStart.Messages, got.Messages, after.Messages},
		{"chatbots", atStart.Chatbots, got.Chatbots, after.Chatbots},
		{"audit entries", atStart.AuditEntries, got.AuditEntries, after.AuditEntries},
	} {
		if c.got < c.before || c.got > c.last {
			t.Errorf("%s: %d in the backup, want at least the %d committed when it started and at most the %d after", c.name, c.got, c.before, c.last)
		}
	}
	if atStart.Messages <= before.Messages {
		t.Error("no traffic before the backup started")
	}
	if got.Messages == after.Messages {
		t.Log("the traffic did not outlast the backup; the snapshot is still checked")
	}
	mustContainAll(t, out, file, "schema version "+strconv.FormatInt(got.SchemaVersion, 10),
		strconv.FormatInt(got.Messages, 10)+" messages", strconv.FormatInt(got.AuditEntries, 10)+" audit entries (chain verified)")

	// The backup is a database the console opens, consistent inside:
	// every message belongs to a session that exists.
	bst, err := store.Open(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	defer bst.Close()
	var orphans int
	if err := bst.R.QueryRow(`SELECT count(*) FROM messages m LEFT JOIN chat_sessions s ON s.id = m.session_id WHERE s.id IS NULL`).Scan(&orphans); err != nil || orphans != 0 {
		t.Errorf("%d messages without their session (%v)", orphans, err)
	}
	if n, err := bst.VerifyAudit(ctx); err != nil || n != got.AuditEntries {
		t.Errorf("audit verify on the opened backup: %d entries, %v", n, err)
	}
}

func TestBackupRefusesToOverwrite(t *testing.T) {
	t.Parallel()
	db := testdb.SQLiteFile(t)
	mustCLI(t, "", "migrate", "--db", db)
	file := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(file, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, err := cli(t, "", "backup", "--db", db, "--to", file)
	if code != 1 || err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("backup over an existing file: exit %d, %v", code, err)
	}
	if b, _ := os.ReadFile(file); string(b) != "precious" {
		t.Fatal("the existing file was changed")
	}
	mustCLI(t, "", "backup", "--db", db, "--to", file, "--force")
	if sum, err := store.Inspect(context.Background(), file); err != nil || sum.SchemaVersion == 0 {
		t.Fatalf("--force did not write a backup: %+v %v", sum, err)
	}
	for _, args := range [][]string{{"backup", "--db", db}, {"backup", "--db", db, "--to", db}} {
		if code, _, err := cli(t, "", args...); code != 1 || err == nil {
			t.Errorf("answers %s: exit %d, %v", strings.Join(args, " "), code, err)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(file))
	for _, e := range entries {
		if strings.Contains(e.Name(), "partial") {
			t.Errorf("left behind %s", e.Name())
		}
	}
}

func mustContainAll(t *testing.T, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("output does not say %q:\n%s", w, s)
		}
	}
}
