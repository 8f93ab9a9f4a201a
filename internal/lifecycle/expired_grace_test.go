package lifecycle_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// A grace that ran out but was not swept yet does not block a redeploy,
// and the sweeper never ends a grace that is not due.
func TestExpiredGraceDoesNotBlockRedeploy(t *testing.T) {
	app := testkit.New(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	app.SetClock(func() time.Time { return now })
	sys := who.System()
	snd, err := app.Senders.Create(ctx, sys, "sms", "+15551111")
	if err != nil {
		t.Fatal(err)
	}
	mk := func(name string) store.Chatbot {
		c, err := app.Chatbots.Create(ctx, sys, chatbots.Settings{Name: name, Channel: "sms", SenderID: snd.ID})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a, b, c := mk("A"), mk("B"), mk("C")
	override := lifecycle.ActivateOptions{OverrideWarnings: true}
	if _, err := app.Lifecycle.Activate(ctx, sys, a.ID, override); err != nil {
		t.Fatal(err)
	}
	withGrace := override
	withGrace.PreviousGrace = lifecycle.GraceOf(10 * time.Minute)
	if _, err := app.Lifecycle.Activate(ctx, sys, b.ID, withGrace); err != nil {
		t.Fatal(err)
	}
	// The sweeper, reading a stale list, must not end a grace not yet due.
	if _, err := app.Lifecycle.EndGrace(ctx, sys, a.ID); !problem.Is(err, problem.Conflict) {
		t.Fatalf("system ended a grace early: %v", err)
	}
	now = now.Add(11 * time.Minute) // A's grace is over; nobody swept
	if _, err := app.Lifecycle.Activate(ctx, sys, c.ID, withGrace); err != nil {
		t.Fatalf("redeploy over an expired grace: %v", err)
	}
	got, _ := app.Store.ChatbotByID(ctx, a.ID)
	if got.Status != store.StatusInactive {
		t.Fatalf("A is %s, want inactive", got.Status)
	}
	if got, _ := app.Store.ChatbotByID(ctx, b.ID); got.Status != store.StatusDeactivated {
		t.Fatalf("B is %s, want deactivated", got.Status)
	}
	// A's grace end is part of C's activation, and its audit entry says
	// so, as every cascade's does: nobody asked to end A's grace.
	page, err := app.Store.FilterAudit(ctx, store.AuditFilter{Action: lifecycle.ActionGraceEnded, Limit: 10})
	if err != nil || len(page.Entries) != 1 {
		t.Fatalf("grace end entries: %+v %v", page.Entries, err)
	}
	if e := page.Entries[0]; e.TargetID != fmt.Sprint(a.ID) || fmt.Sprint(e.Details["replaced_by"]) != fmt.Sprint(c.ID) {
		t.Errorf("A's grace end is audited on %s with %v, want on %d with replaced_by %d", e.TargetID, e.Details, a.ID, c.ID)
	}
}
