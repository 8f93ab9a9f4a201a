package chatbots_test

import (
	"context"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// TestReleaseRecordsTestResults: an activation stores the conversation
// tests' results with the release, and the release reads back with its
// report, reason and definition.
func TestReleaseRecordsTestResults(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	manager := who.Actor{User: e.app.Users[rbac.Manager]}
	tested, err := e.update(e.create("Tested"), chatbots.ReplaceDefinition(valid()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Lifecycle.Activate(ctx, manager, tested.ID, lifecycle.ActivateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The starter definition has no tests and no fallback: two warnings,
	// overridden with a reason. It goes live on a sender of its own.
	snd2, err := e.app.Senders.Create(ctx, who.System(), "livechat", "other")
	if err != nil {
		t.Fatal(err)
	}
	bare, err := e.app.Chatbots.Create(ctx, e.designer, chatbots.Settings{Name: "Bare", Channel: "livechat", SenderID: snd2.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Lifecycle.Activate(ctx, manager, bare.ID, lifecycle.ActivateOptions{OverrideWarnings: true, Reason: "a demo"}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name            string
		id              int64
		passed, results int
		reportCodes     []string
		reason          string
	}{
		{"tested", tested.ID, 1, 1, nil, ""},
		{"bare", bare.ID, 0, 0, []string{chatbot.CodeNoFallback, chatbot.CodeNoTests}, "a demo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bot, rel, err := e.app.Chatbots.Release(ctx, e.designer, tc.id, 1)
			if err != nil {
				t.Fatal(err)
			}
			def, _ := chatbot.Parse(bot.Definition)
			if rel.Number != 1 || rel.DefinitionHash != def.Hash() || rel.Def.Hash() != def.Hash() || rel.ActivatedBy != manager.User.Email || rel.OverrideReason != tc.reason {
				t.Errorf("release %+v", rel.Release)
			}
			if rel.Tests == nil || rel.Tests.Passed != tc.passed || rel.Tests.Failed != 0 || len(rel.Tests.Results) != tc.results {
				t.Errorf("tests at activation %+v, want %d passed of %d", rel.Tests, tc.passed, tc.results)
			}
			var codes []string
			for _, f := range rel.Report {
				codes = append(codes, f.Code)
			}
			if len(codes) != len(tc.reportCodes) {
				t.Fatalf("report %v, want %v", codes, tc.reportCodes)
			}
			for i := range codes {
				if codes[i] != tc.reportCodes[i] {
					t.Errorf("report %v, want %v", codes, tc.reportCodes)
				}
			}
		})
	}

	// A release stored before test results were kept reads as "not
	// recorded", not as "no tests".
	old := e.create("Old")
	if err := e.app.Store.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.CreateRelease(ctx, store.Release{ChatbotID: old.ID, Definition: old.Definition, DefinitionHash: "x", Report: []byte("[]"), ActivatedBy: "system", ActivatedAt: t0})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, rel, err := e.app.Chatbots.Release(ctx, e.designer, old.ID, 1); err != nil || rel.Tests != nil {
		t.Errorf("old release: tests %+v, %v; want none recorded", rel.Tests, err)
	}

	// Refusals.
	_, _, err = e.app.Chatbots.Release(ctx, e.designer, tested.ID, 2)
	testkit.WantProblem(t, err, problem.NotFound, "release_not_found")
	_, _, err = e.app.Chatbots.Release(ctx, e.designer, 99999, 1)
	testkit.WantProblem(t, err, problem.NotFound, "chatbot_not_found")
	_, _, err = e.app.Chatbots.Release(ctx, who.Actor{User: e.app.Users[rbac.Analyzer]}, tested.ID, 1)
	testkit.WantProblem(t, err, problem.Forbidden, "forbidden")
}
