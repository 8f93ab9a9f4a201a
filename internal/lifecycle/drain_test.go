package lifecycle_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
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
	sys := accounts.System()
	snd, err := app.Senders.Create(ctx, sys, "sms", "+15557777")
	if err != nil {
		t.Fatal(err)
	}
	bot, err := app.Chatbots.Create(ctx, sys, chatbots.Settings{Name: "Busy", Channel: "sms", SenderID: snd.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Lifecycle.Activate(ctx, sys, bot.ID, lifecycle.ActivateOptions{OverrideWarnings: true}); err != nil {
		t.Fatal(err)
	}
	total := 2*lifecycle.DrainBatch + 5
	err = app.Store.InTx(ctx, func(tx *store.Tx) error {
		for i := 0; i < total; i++ {
			if _, err := tx.CreateChatSession(ctx, store.ChatSession{SenderID: snd.ID, ChatbotID: bot.ID, EndUser: fmt.Sprint("+1", i),
				State: []byte("{}"), OpenedAt: now, LastActivityAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Lifecycle.Deactivate(ctx, sys, bot.ID, lifecycle.GraceOf(time.Minute)); err != nil {
		t.Fatal(err)
	}
	reason := store.CloseGraceEnded
	if early {
		reason = store.CloseSuperseded
		if _, err := app.Lifecycle.EndGrace(ctx, accounts.Actor{User: app.Users[rbac.Manager]}, bot.ID); err != nil {
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
