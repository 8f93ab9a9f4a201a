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

// A grace end with many sessions is logical: the transition writes the
// chatbot and its audit entry, every reader sees the sessions closed at
// once (session detail and lists, counts, the invariants), the rows stay
// open until the sweep rewrites them in batches with the same time and
// reason, and only then are they counted in the analytics. When it runs
// out, and when a manager ends it early (the sessions then close as
// superseded).
func TestGraceEndIsLogicalThenSwept(t *testing.T) {
	for _, early := range []bool{false, true} {
		t.Run(fmt.Sprint("early=", early), func(t *testing.T) { testGraceEndLogical(t, early) })
	}
}

func testGraceEndLogical(t *testing.T, early bool) {
	app := testkit.New(t)
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	app.SetClock(func() time.Time { return now })
	total := 2*lifecycle.SweepBatch + 5
	bot, ids := drainingBot(t, app, now, "+15557777", "Busy", total)
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
	end := now
	page, err := app.Store.AuditEntries(ctx, 0, 1)
	if err != nil || len(page.Entries) != 1 {
		t.Fatal(err)
	}
	if e := page.Entries[0]; e.Action != lifecycle.ActionGraceEnded || fmt.Sprint(e.Details["sessions_closed"]) != fmt.Sprint(total) ||
		e.Details["close_reason"] != reason {
		t.Fatalf("last entry %s %v", e.Action, e.Details)
	}
	var rows int
	if err := app.Store.R.QueryRow(`SELECT count(*) FROM chat_sessions WHERE closed_at IS NULL`).Scan(&rows); err != nil || rows != total {
		t.Fatalf("%d rows still open before the sweep (%v), want %d: the grace end should not write them", rows, err, total)
	}
	now = now.Add(time.Second)
	// What every reader sees before the sweep.
	check := func(when string) {
		t.Helper()
		if open, err := app.Store.CountOpenSessions(ctx, bot.ID); err != nil || open != 0 {
			t.Fatalf("%s: %d sessions open (%v)", when, open, err)
		}
		if all, err := app.Store.CountAllOpenSessions(ctx); err != nil || all != 0 {
			t.Fatalf("%s: %d sessions open in all (%v)", when, all, err)
		}
		s, err := app.Store.ChatSessionByID(ctx, ids[0])
		if err != nil || s.Open() || !s.ClosedAt.Equal(end) || s.CloseReason != reason {
			t.Fatalf("%s: session %+v (%v), want closed at %s as %s", when, s, err, end, reason)
		}
		yes := true
		if list, _, err := app.Store.ChatSessions(ctx, store.SessionFilter{ChatbotID: bot.ID, Open: &yes}); err != nil || len(list) != 0 {
			t.Fatalf("%s: %d open sessions listed (%v)", when, len(list), err)
		}
		if list, _, err := app.Store.ChatSessions(ctx, store.SessionFilter{ChatbotID: bot.ID, Reason: reason, Limit: 10}); err != nil || len(list) != 10 {
			t.Fatalf("%s: %d sessions listed as %s (%v)", when, len(list), reason, err)
		}
		if v, err := app.Store.Violations(ctx, time.Now()); err != nil || len(v) > 0 {
			t.Fatalf("%s: invariants: %v %v", when, v, err)
		}
	}
	check("before the sweep")
	closedIn := func() (n int) {
		t.Helper()
		if err := app.Store.R.QueryRow(`SELECT coalesce(sum(closed_grace_ended + closed_superseded), 0) FROM rollup_hours WHERE chatbot_id = ?`,
			bot.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := closedIn(); n != 0 {
		t.Fatalf("analytics counted %d closes before the sweep rewrote the rows", n)
	}

	// A sweep with a budget stops when it has passed, and says rows are
	// left (the sweeper then comes back at once): here after one batch.
	first, more, err := app.Lifecycle.SweepEndedFor(ctx, time.Nanosecond)
	if err != nil || first != lifecycle.SweepBatch || !more {
		t.Fatalf("SweepEndedFor = %d, %v, %v; want one batch of %d and more", first, more, err, lifecycle.SweepBatch)
	}
	check("during the sweep")
	rest, err := app.Lifecycle.SweepEnded(ctx)
	if err != nil || first+rest != int64(total) {
		t.Fatalf("SweepEnded = %d, %v; want %d", rest, err, int64(total)-first)
	}
	check("after the sweep")
	var closed int
	if err := app.Store.R.QueryRow(`SELECT count(*) FROM chat_sessions WHERE close_reason = ? AND closed_at = ?`,
		reason, end.Format(store.TimeFormat)).Scan(&closed); err != nil || closed != total {
		t.Fatalf("%d rows closed as %s at the end (%v), want %d", closed, reason, err, total)
	}
	if n := closedIn(); n != total {
		t.Fatalf("analytics count %d closes, want %d", n, total)
	}
	if got, err := app.Store.ChatbotByID(ctx, bot.ID); err != nil || got.SessionsEnding() || got.Status != store.StatusInactive {
		t.Fatalf("after the sweep the chatbot is %s, ending %v (%v)", got.Status, got.SessionsEndAt, err)
	}
	if n, err := app.Lifecycle.SweepEnded(ctx); err != nil || n != 0 {
		t.Fatalf("a second sweep rewrote %d rows (%v)", n, err)
	}
}

// Before the sweep has rewritten them, an end user whose session ended
// logically is told so on their next message (with the end's reason) and
// starts a new conversation; and activating the chatbot again rewrites
// its remaining rows first, so none of them counts as open again.
func TestLogicallyClosedSessionBeforeTheSweep(t *testing.T) {
	app := testkit.New(t)
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	app.SetClock(func() time.Time { return now })
	bot, ids := drainingBot(t, app, now, "+15557779", "Told", 3)
	next, err := app.Chatbots.Create(ctx, who.System(), chatbots.Settings{Name: "Next", Channel: "sms", SenderID: bot.SenderID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Lifecycle.Activate(ctx, who.System(), next.ID, lifecycle.ActivateOptions{OverrideWarnings: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Lifecycle.EndGrace(ctx, who.Actor{User: app.Users[rbac.Manager]}, bot.ID); err != nil {
		t.Fatal(err)
	}
	end := now
	now = now.Add(time.Second)
	snd, err := app.Store.SenderByID(ctx, bot.SenderID)
	if err != nil {
		t.Fatal(err)
	}
	s0, err := app.Store.ChatSessionByID(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	out, err := app.Routing.Route(ctx, snd, s0.EndUser, "hello")
	if err != nil {
		t.Fatal(err)
	}
	if out.PreviousSessionClosed == nil || out.PreviousSessionClosed.Reason != store.CloseSuperseded || out.ChatbotID != next.ID || out.SessionID == ids[0] {
		t.Fatalf("routed %+v, want a new session on %d told of the superseded one", out, next.ID)
	}
	var reason, closedAt string
	if err := app.Store.R.QueryRow(`SELECT close_reason, closed_at FROM chat_sessions WHERE id = ?`, ids[0]).Scan(&reason, &closedAt); err != nil ||
		reason != store.CloseSuperseded || closedAt != end.Format(store.TimeFormat) {
		t.Fatalf("the row routing closed says %s at %s (%v), want superseded at the end", reason, closedAt, err)
	}

	// Activating the old chatbot again (Next goes without grace).
	if _, err := app.Lifecycle.Activate(ctx, who.System(), bot.ID, lifecycle.ActivateOptions{OverrideWarnings: true,
		PreviousGrace: lifecycle.GraceOf(0)}); err != nil {
		t.Fatal(err)
	}
	if open, err := app.Store.CountOpenSessions(ctx, bot.ID); err != nil || open != 0 {
		t.Fatalf("after activating it again %d old sessions are open (%v)", open, err)
	}
	for _, id := range ids[1:] {
		if s, err := app.Store.ChatSessionByID(ctx, id); err != nil || s.Open() || s.CloseReason != store.CloseSuperseded || !s.ClosedAt.Equal(end) {
			t.Fatalf("session %d: %+v (%v)", id, s, err)
		}
	}
	if v, err := app.Store.Violations(ctx, time.Now()); err != nil || len(v) > 0 {
		t.Fatalf("invariants: %v %v", v, err)
	}
}

// On PostgreSQL the sweep's batch of rewrites can wait for a session that
// a routed message is closing at the same moment. When the wait is over,
// that session is closed already: the batch must leave it (its reason
// and time) alone and must not count it in the analytics a second time.
func TestSweepLeavesSessionsClosedMeanwhile(t *testing.T) {
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
	if _, err := app.Lifecycle.EndGrace(ctx, who.Actor{User: app.Users[rbac.Manager]}, bot.ID); err != nil {
		t.Fatal(err)
	}
	ended := make(chan error, 1)
	go func() {
		_, err := app.Lifecycle.SweepEnded(ctx)
		ended <- err
	}()
	// The sweep's rewrites wait for that lock; then the other commits.
	for waiting := 0; waiting == 0; {
		select {
		case err := <-ended:
			t.Fatalf("the sweep did not wait for the session being closed: %v", err)
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
