package lifecycle_test

import (
	"context"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

func TestActivationStoresReleaseAndSessionsRecordIt(t *testing.T) {
	app := testkit.New(t)
	ctx := context.Background()
	sys := who.System()
	manager := who.Actor{User: app.Users[rbac.Manager], IP: "10.0.0.1"}
	snd, err := app.Senders.Create(ctx, sys, "sms", "+15550000")
	if err != nil {
		t.Fatal(err)
	}
	bot, err := app.Chatbots.Create(ctx, sys, chatbots.Settings{Name: "R", Channel: "sms", SenderID: snd.ID})
	if err != nil {
		t.Fatal(err)
	}
	// The starter definition has a warning (no fallback): override it.
	if _, err := app.Lifecycle.Activate(ctx, manager, bot.ID, lifecycle.ActivateOptions{OverrideWarnings: true, Reason: "ship it"}); err != nil {
		t.Fatal(err)
	}
	rels, err := app.Store.Releases(ctx, bot.ID)
	if err != nil || len(rels) != 1 {
		t.Fatalf("releases: %v %v", rels, err)
	}
	r := rels[0]
	def, _ := chatbot.Parse(bot.Definition)
	if r.Number != 1 || r.DefinitionHash != def.Hash() || r.OverrideReason != "ship it" || r.ActivatedBy != testkit.Email(rbac.Manager) {
		t.Fatalf("release: %+v", r)
	}
	if !strings.Contains(string(r.Report), chatbot.CodeNoFallback) {
		t.Fatalf("report does not hold the overridden warning: %s", r.Report)
	}
	// The starter definition has no conversation tests: recorded as none
	// (an empty list), not as "not recorded".
	if string(r.TestResults) != "[]" {
		t.Fatalf("test results at activation %q, want []", r.TestResults)
	}
	out, err := app.Routing.Route(ctx, snd, "+1999", "hi")
	if err != nil {
		t.Fatal(err)
	}
	sess, err := app.Store.ChatSessionByID(ctx, out.SessionID)
	if err != nil || sess.ReleaseID != r.ID {
		t.Fatalf("session release %d, want %d (%v)", sess.ReleaseID, r.ID, err)
	}
	// Releases are immutable, even to SQL.
	if _, err := app.Store.W.ExecContext(ctx, `UPDATE releases SET override_reason = 'x'`); err == nil {
		t.Fatal("a release was changed")
	}
	// A second activation makes release 2.
	if _, err := app.Lifecycle.Deactivate(ctx, manager, bot.ID, lifecycle.GraceOf(0)); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Lifecycle.Activate(ctx, manager, bot.ID, lifecycle.ActivateOptions{OverrideWarnings: true}); err != nil {
		t.Fatal(err)
	}
	if rel, err := app.Store.LatestRelease(ctx, bot.ID); err != nil || rel.Number != 2 {
		t.Fatalf("latest release: %+v %v", rel, err)
	}
}
