package chatbots_test

import (
	"context"
	"errors"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// TestTestRunsAreRecorded: Review runs no test (it shows the last recorded
// run, when it is of the current definition); RunTests and Validate run
// them and record the run; deleting the draft deletes its run.
func TestTestRunsAreRecorded(t *testing.T) {
	app := testkit.New(t)
	ctx := context.Background()
	sys := who.System()
	designer := who.Actor{User: app.Users[rbac.Designer]}
	c, err := app.Chatbots.Create(ctx, sys, chatbots.Settings{Name: "T", Channel: "livechat"})
	if err != nil {
		t.Fatal(err)
	}
	def := chatbot.NewDefinition()
	def.Tests = []chatbot.Test{{Name: "wrong", Turns: []chatbot.TestTurn{{Say: "hi", Expect: []string{"nothing like it"}}}}}
	if c, err = app.Chatbots.Update(ctx, sys, c.ID, chatbots.Edit{Version: c.Version, Apply: chatbots.ReplaceDefinition(def)}); err != nil {
		t.Fatal(err)
	}
	has := func(fs []chatbot.Finding, code string) bool {
		for _, f := range fs {
			if f.Code == code {
				return true
			}
		}
		return false
	}
	_, fs, st, err := app.Chatbots.Review(ctx, designer, c.ID)
	if err != nil || has(fs, chatbot.CodeTestFailed) || st.Last != nil || !st.NeedsRun(def) {
		t.Fatalf("review before a run: %+v %+v %v", fs, st, err)
	}
	if _, err := app.Store.LastTestRun(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a review recorded a run: %v", err)
	}
	run, err := app.Chatbots.RunTests(ctx, designer, c.ID)
	if err != nil || run.Failed != 1 {
		t.Fatalf("run %+v %v", run, err)
	}
	_, fs, st, err = app.Chatbots.Review(ctx, designer, c.ID)
	if err != nil || !has(fs, chatbot.CodeTestFailed) || !st.Current || st.RunBy != designer.User.Email || st.Last.Failed != 1 {
		t.Fatalf("review after a run: %+v %+v %v", fs, st, err)
	}
	// Another definition: the run is of an earlier one.
	def.Tests[0].Name = "renamed"
	if c, err = app.Chatbots.Update(ctx, sys, c.ID, chatbots.Edit{Version: c.Version, Apply: chatbots.ReplaceDefinition(def)}); err != nil {
		t.Fatal(err)
	}
	_, fs, st, err = app.Chatbots.Review(ctx, designer, c.ID)
	if err != nil || has(fs, chatbot.CodeTestFailed) || st.Current || !st.NeedsRun(def) {
		t.Fatalf("review after an edit: %+v %+v %v", fs, st, err)
	}
	// Validate (an explicit request) runs them and records the run.
	if _, fs, err = app.Chatbots.Validate(ctx, designer, c.ID); err != nil || !has(fs, chatbot.CodeTestFailed) {
		t.Fatalf("validate: %+v %v", fs, err)
	}
	if last, err := app.Store.LastTestRun(ctx, c.ID); err != nil || last.DefinitionHash != def.Hash() {
		t.Fatalf("validate's run: %+v %v", last, err)
	}
	if err := app.Chatbots.Delete(ctx, designer, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Store.LastTestRun(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the deleted draft's run: %v", err)
	}
}
