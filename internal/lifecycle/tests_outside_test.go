package lifecycle_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// TestActivationRunsTestsOutsideTheWriter: an activation runs the
// conversation tests once, while no transaction holds the writer (another
// write completes while they run), and the release stores that run.
func TestActivationRunsTestsOutsideTheWriter(t *testing.T) {
	e := newEnv(t)
	x := e.bot("X", e.snd.ID, valid())
	runs := 0
	lifecycle.SetRunTests(e.app.Lifecycle, func(def *chatbot.Definition) []chatbot.TestResult {
		runs++
		if n := e.app.Store.W.Stats().InUse; n != 0 {
			t.Errorf("the tests ran while %d writer connection(s) were in use", n)
			return chatbot.RunTests(def)
		}
		// An unrelated write goes through while the tests run.
		if _, err := e.app.Senders.Create(context.Background(), who.System(), "livechat", "elsewhere"); err != nil {
			t.Errorf("a write while the tests ran: %v", err)
		}
		return chatbot.RunTests(def)
	})
	e.activate(x.ID, lifecycle.ActivateOptions{})
	if runs != 1 {
		t.Fatalf("the tests ran %d times for one activation, want 1", runs)
	}
	if _, err := e.app.Store.SenderByAddress(context.Background(), "livechat", "elsewhere"); err != nil {
		t.Fatalf("the write made while the tests ran: %v", err)
	}
	rels, err := e.app.Store.Releases(context.Background(), x.ID)
	if err != nil || len(rels) != 1 || !strings.Contains(string(rels[0].TestResults), `"passed":true`) {
		t.Fatalf("release %+v %v", rels, err)
	}
	// The run is the chatbot's last recorded one too.
	last, err := e.app.Store.LastTestRun(context.Background(), x.ID)
	if err != nil || string(last.Results) != string(rels[0].TestResults) || last.DefinitionHash != rels[0].DefinitionHash {
		t.Fatalf("last run %+v %v", last, err)
	}
	checkInvariants(t, e.app)
}

// TestActivationRefusesAnEditMadeWhileTesting: a change saved while the
// tests ran is not activated untested: 409, nothing changed.
func TestActivationRefusesAnEditMadeWhileTesting(t *testing.T) {
	e := newEnv(t)
	x := e.bot("X", e.snd.ID, valid())
	var before []string
	lifecycle.SetRunTests(e.app.Lifecycle, func(def *chatbot.Definition) []chatbot.TestResult {
		if n := e.app.Store.W.Stats().InUse; n != 0 {
			t.Errorf("the tests ran while %d writer connection(s) were in use", n)
			return chatbot.RunTests(def)
		}
		broken := valid()
		broken.Tests[0].Turns[0].Expect = []string{"something it never says"}
		cur := e.chatbot(x.ID)
		if _, err := e.app.Chatbots.Update(context.Background(), who.System(), x.ID, chatbots.Edit{Version: cur.Version, Apply: chatbots.ReplaceDefinition(broken)}); err != nil {
			t.Errorf("edit while testing: %v", err)
		}
		before = e.snapshot()
		return chatbot.RunTests(def)
	})
	_, err := e.app.Lifecycle.Activate(context.Background(), e.manager, x.ID, lifecycle.ActivateOptions{})
	p, ok := problem.As(err)
	if !ok || p.Kind != problem.Conflict || p.Code != "changed_while_checking" {
		t.Fatalf("activation after an edit made while testing: %v", err)
	}
	if after := e.snapshot(); !reflect.DeepEqual(after, before) {
		t.Fatalf("a refused activation changed\n%v\nto\n%v", before, after)
	}
	if c := e.chatbot(x.ID); c.Status != store.StatusInactive {
		t.Fatalf("status %s", c.Status)
	}
	if rels, _ := e.app.Store.Releases(context.Background(), x.ID); len(rels) != 0 {
		t.Fatalf("releases %+v", rels)
	}
	checkInvariants(t, e.app)
}

// TestOverrideReasonIsCapped: the reason for overriding warnings is kept
// in the immutable release and the audit log cut to MaxReasonRunes.
func TestOverrideReasonIsCapped(t *testing.T) {
	e := newEnv(t)
	x := e.bot("X", e.snd.ID, chatbot.NewDefinition()) // warns: no fallback
	e.activate(x.ID, lifecycle.ActivateOptions{OverrideWarnings: true, Reason: strings.Repeat("é", 900_000)})
	rels, err := e.app.Store.Releases(context.Background(), x.ID)
	if err != nil || len(rels) != 1 {
		t.Fatalf("%+v %v", rels, err)
	}
	r := rels[0].OverrideReason
	if utf8.RuneCountInString(r) != lifecycle.MaxReasonRunes || !strings.HasSuffix(r, "…") || !strings.HasPrefix(r, "éé") {
		t.Fatalf("release reason of %d characters (%d bytes)", utf8.RuneCountInString(r), len(r))
	}
	over := e.audits(lifecycle.ActionOverride, x.ID)
	if len(over) != 1 || over[0].Details["reason"] != r {
		t.Fatalf("the audit's reason differs from the release's")
	}
}
