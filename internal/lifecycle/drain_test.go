package lifecycle_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testdb"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// A grace end with many sessions closes them in batches and records the
// total in its audit entry: when it runs out, and when a manager ends it
// early (the sessions then close as superseded).
func TestGraceEndDrainsInBatches(t *testing.T) {
	for _, early := range []bool{false, true} {
		t.Run(fmt.Sprint("early=", early), func(t *testing.T) { testGraceEndDrains(t, early) })
	}
}

func testGraceEndDrains(t *testing.T, early bool) {
	app := testkit.New(t)
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	app.SetClock(func() time.Time { return now })
	total := 2*lifecycle.DrainBatch + 5
	bot, _ := drainingBot(t, app, now, "+15557777", "Busy", total)
	reason := store.CloseGraceEnded
	if early {
		reason = store.CloseSuperseded
		if _, err := app.Lifecycle.EndGrace(ctx, who.Actor{User: app.Users[rbac.Manager]}, bot.ID); err != nil {
			t.Fatal(err)
		}
	} else {
		now = now.Add(2 * time.Minute)
		if n, err := app.Lifecycle.ExpireGraces(ctx); err != nil || n != 1 {
			t.Fatalf("ExpireGraces = %d, %v", n, err)
		}
	}
	var closed int
	if err := app.Store.R.QueryRow(`SELECT count(*) FROM chat_sessions WHERE close_reason = ?`, reason).Scan(&closed); err != nil || closed != total {
		t.Fatalf("%d sessions closed as %s (%v), want %d", closed, reason, err, total)
	}
	if open, _ := app.Store.CountOpenSessions(ctx, bot.ID); open != 0 {
		t.Fatalf("%d sessions still open", open)
	}
	page, err := app.Store.AuditEntries(ctx, 0, 1)
	if err != nil || len(page.Entries) != 1 {
		t.Fatal(err)
	}
	e := page.Entries[0]
	if e.Action != lifecycle.ActionGraceEnded || fmt.Sprint(e.Details["sessions_closed_in_batches"]) != fmt.Sprint(total) {
		t.Fatalf("last entry %s %v", e.Action, e.Details)
	}
}

// On PostgreSQL a grace end's batch of closes can wait for a session that
// a routed message is closing at the same moment. When the wait is over,
// that session is closed already: the batch must leave it (its reason
// and time) alone and must not count it in the analytics a second time.
func TestDrainLeavesSessionsClosedMeanwhile(t *testing.T) {
	if testdb.Engine() != "postgres" {
		t.Skip("on SQLite one writer at a time: no close can wait for another")
	}
	app := testkit.New(t)
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	app.SetClock(func() time.Time { return now })
	bot, ids := drainingBot(t, app, now, "+15557778", "Raced", 3)

	// Another transaction closes the first session and holds its lock.
	other, err := app.Store.R.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Rollback() }() // after the commit, a no-op
	if _, err := other.Exec(`UPDATE chat_sessions SET closed_at = ?, close_reason = ?, open_on = NULL WHERE id = ?`,
		now.Format(store.TimeFormat), store.CloseCompleted, ids[0]); err != nil {
		t.Fatal(err)
	}
	ended := make(chan error, 1)
	go func() {
		_, err := app.Lifecycle.EndGrace(ctx, who.Actor{User: app.Users[rbac.Manager]}, bot.ID)
		ended <- err
	}()
	// The grace end's closes wait for that lock; then the other commits.
	for waiting := 0; waiting == 0; {
		select {
		case err := <-ended:
			t.Fatalf("the grace end did not wait for the session being closed: %v", err)
		default:
		}
		if err := app.Store.R.QueryRow(`SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE chat_sessions%'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	if err := other.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-ended; err != nil {
		t.Fatal(err)
	}

	var reason string
	if err := app.Store.R.QueryRow(`SELECT close_reason FROM chat_sessions WHERE id = ?`, ids[0]).Scan(&reason); err != nil || reason != store.CloseCompleted {
		t.Fatalf("the session closed meanwhile now says %q (%v), want %q", reason, err, store.CloseCompleted)
	}
	var superseded int
	if err := app.Store.R.QueryRow(`SELECT coalesce(sum(closed_superseded), 0) FROM rollup_hours WHERE chatbot_id = ?`, bot.ID).Scan(&superseded); err != nil || superseded != 2 {
		t.Fatalf("analytics count %d sessions superseded (%v), want 2", superseded, err)
	}
	page, err := app.Store.AuditEntries(ctx, 0, 1)
	if err != nil || len(page.Entries) != 1 {
		t.Fatal(err)
	}
	if got := fmt.Sprint(page.Entries[0].Details["sessions_closed_in_batches"]); got != "2" {
		t.Fatalf("the grace end's entry says %s closed in batches, want 2", got)
	}
}

// drainingBot is a chatbot that was activated on a new SMS sender, given n
// open sessions and deactivated with a minute's grace; it returns the
// chatbot and its sessions' ids.
func drainingBot(t *testing.T, app *testkit.App, now time.Time, address, name string, n int) (store.Chatbot, []int64) {
	t.Helper()
	ctx, sys := context.Background(), who.System()
	snd, err := app.Senders.Create(ctx, sys, "sms", address)
	if err != nil {
		t.Fatal(err)
	}
	bot, err := app.Chatbots.Create(ctx, sys, chatbots.Settings{Name: name, Channel: "sms", SenderID: snd.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Lifecycle.Activate(ctx, sys, bot.ID, lifecycle.ActivateOptions{OverrideWarnings: true}); err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, 0, n)
	err = app.Store.InTx(ctx, func(tx *store.Tx) error {
		for i := range n {
			s, err := tx.CreateChatSession(ctx, store.ChatSession{SenderID: snd.ID, ChatbotID: bot.ID, EndUser: fmt.Sprint("+1", i),
				State: []byte("{}"), OpenedAt: now, LastActivityAt: now, ExpiresAt: now.Add(time.Hour)})
			if err != nil {
				return err
			}
			ids = append(ids, s.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Lifecycle.Deactivate(ctx, sys, bot.ID, lifecycle.GraceOf(time.Minute)); err != nil {
		t.Fatal(err)
	}
	return bot, ids
}
