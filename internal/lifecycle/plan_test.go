package lifecycle_test

import (
	"context"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// Confirming a plan that another manager's action made stale applies
// nothing; the fresh plan works.
func TestStalePlanIsRefused(t *testing.T) {
	app := testkit.New(t)
	ctx := context.Background()
	sys := who.System()
	manager := who.Actor{User: app.Users[rbac.Manager]}
	snd, err := app.Senders.Create(ctx, sys, "sms", "+15556666")
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
	a, b := mk("A"), mk("B")
	shown, err := app.Lifecycle.Plan(ctx, b) // the dialog for B: first activation
	if err != nil {
		t.Fatal(err)
	}
	// Meanwhile another manager activates A on the same sender.
	if _, err := app.Lifecycle.Activate(ctx, sys, a.ID, lifecycle.ActivateOptions{OverrideWarnings: true}); err != nil {
		t.Fatal(err)
	}
	opt := lifecycle.ActivateOptions{OverrideWarnings: true, PreviousGrace: lifecycle.GraceOf(time.Hour), Plan: shown}
	if _, err := app.Lifecycle.Activate(ctx, manager, b.ID, opt); !problem.Is(err, problem.Conflict) {
		t.Fatalf("stale plan: %v", err)
	} else if p, _ := problem.As(err); p.Code != "plan_changed" {
		t.Fatalf("code %s", p.Code)
	}
	if got, _ := app.Store.ChatbotByID(ctx, a.ID); got.Status != store.StatusActive {
		t.Fatalf("A changed to %s by a refused plan", got.Status)
	}
	b, _ = app.Store.ChatbotByID(ctx, b.ID)
	if opt.Plan, err = app.Lifecycle.Plan(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Lifecycle.Activate(ctx, manager, b.ID, opt); err != nil {
		t.Fatalf("fresh plan: %v", err)
	}

	// Deactivate likewise: a plan shown before a grace appeared is stale.
	shown, _ = app.Lifecycle.Plan(ctx, b)
	c := mk("C")
	if _, err := app.Lifecycle.Activate(ctx, sys, c.ID, lifecycle.ActivateOptions{OverrideWarnings: true, PreviousGrace: lifecycle.GraceOf(time.Hour), EndCurrentGrace: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Lifecycle.DeactivatePlanned(ctx, manager, b.ID, lifecycle.GraceOf(0), shown); !problem.Is(err, problem.Conflict) {
		t.Fatalf("stale deactivate plan: %v", err)
	}
}

func TestParseGraceRefusesOverflow(t *testing.T) {
	for _, in := range []string{"213504d", "9223372036854775807s", "31d", "-1m", "5w"} {
		if _, err := lifecycle.ParseGrace(in); err == nil {
			t.Errorf("ParseGrace(%q) accepted", in)
		}
	}
	if d, err := lifecycle.ParseGrace("30d"); err != nil || d != 30*24*time.Hour {
		t.Errorf("ParseGrace(30d) = %v, %v", d, err)
	}
}
