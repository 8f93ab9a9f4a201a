package chatbots_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// rowCounts counts the rows of every table that traffic or an audited
// change writes to.
func (e *env) rowCounts() string {
	e.t.Helper()
	var out []string
	for _, table := range []string{"chat_sessions", "messages", "audit_log", "rollup_hours", "rollup_dialogs", "rollup_end_users", "releases", "chatbots"} {
		var n int
		if err := e.app.Store.R.QueryRowContext(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s=%d", table, n))
	}
	return strings.Join(out, " ")
}

func TestSimulate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.create("Sim")
	c, err := e.update(c, chatbots.ReplaceDefinition(valid()))
	if err != nil {
		t.Fatal(err)
	}
	before := e.rowCounts()
	sim := func(role rbac.Role, in chatbots.SimulateInput) (chatbots.Simulation, error) {
		return e.app.Chatbots.Simulate(ctx, who.Actor{User: e.app.Users[role]}, c.ID, in)
	}

	// A whole conversation on the draft, as a supervisor (the least role
	// that may view chatbots in detail).
	s1, err := sim(rbac.Supervisor, chatbots.SimulateInput{Text: "hi"})
	if err != nil || !slices.Equal(s1.Replies, []string{"Hello!", "What is your name?"}) || s1.Ended || s1.Conversation == "" {
		t.Fatalf("first turn: %+v %v", s1, err)
	}
	if len(s1.Trace) == 0 || s1.Trace[0].Event != chatbot.EventEntered || s1.Trace[0].Dialog != "start" {
		t.Fatalf("trace %+v", s1.Trace)
	}
	s2, err := sim(rbac.Designer, chatbots.SimulateInput{Conversation: s1.Conversation, Text: "Ada"})
	if err != nil || !slices.Equal(s2.Replies, []string{"Bye Ada."}) || !s2.Ended || s2.Attributes["name"] != "Ada" {
		t.Fatalf("second turn: %+v %v", s2, err)
	}
	// After the end, the next message opens a new conversation.
	s3, err := sim(rbac.Designer, chatbots.SimulateInput{Conversation: s2.Conversation, Text: "again"})
	if err != nil || !slices.Equal(s3.Replies, []string{"Hello!", "What is your name?"}) || len(s3.Attributes) != 0 {
		t.Fatalf("after the end: %+v %v", s3, err)
	}

	// Refusals.
	_, err = sim(rbac.Analyzer, chatbots.SimulateInput{Text: "hi"})
	testkit.WantProblem(t, err, problem.Forbidden, "forbidden")
	_, err = e.app.Chatbots.Simulate(ctx, e.designer, c.ID+100, chatbots.SimulateInput{Text: "hi"})
	testkit.WantProblem(t, err, problem.NotFound, "chatbot_not_found")
	for _, text := range []string{"", "  ", strings.Repeat("x", chatbots.MaxSimulateRunes+1), "\xff"} {
		_, err = sim(rbac.Designer, chatbots.SimulateInput{Text: text})
		testkit.WantProblem(t, err, problem.Invalid, "invalid_text")
	}
	_, err = sim(rbac.Designer, chatbots.SimulateInput{Text: "hi", Conversation: s1.Conversation + "x"})
	testkit.WantProblem(t, err, problem.Invalid, "bad_conversation")
	_, err = sim(rbac.Designer, chatbots.SimulateInput{Text: "hi", Release: 1})
	testkit.WantProblem(t, err, problem.NotFound, "release_not_found")

	if after := e.rowCounts(); after != before {
		t.Fatalf("the test chat wrote to the database:\nbefore %s\nafter  %s", before, after)
	}

	// A release runs its own definition, not the draft's; its conversation
	// does not continue on the draft.
	if _, err := e.app.Lifecycle.Activate(ctx, who.System(), c.ID, lifecycle.ActivateOptions{OverrideWarnings: true, Reason: "t"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Lifecycle.Deactivate(ctx, who.System(), c.ID, lifecycle.GraceOf(0)); err != nil {
		t.Fatal(err)
	}
	c, _ = e.get(c.ID)
	if _, err := e.update(c, func(_ *chatbots.Settings, d *chatbot.Definition) (string, error) {
		d.Dialogs[0].Elements[0].Text = "Hello again!"
		return "greeting", nil
	}); err != nil {
		t.Fatal(err)
	}
	r1, err := sim(rbac.Supervisor, chatbots.SimulateInput{Text: "hi", Release: 1})
	if err != nil || r1.Replies[0] != "Hello!" || r1.Release != 1 {
		t.Fatalf("release 1: %+v %v", r1, err)
	}
	d1, err := sim(rbac.Supervisor, chatbots.SimulateInput{Text: "hi"})
	if err != nil || d1.Replies[0] != "Hello again!" {
		t.Fatalf("draft: %+v %v", d1, err)
	}
	_, err = sim(rbac.Supervisor, chatbots.SimulateInput{Text: "Ada", Conversation: r1.Conversation})
	testkit.WantProblem(t, err, problem.Invalid, "bad_conversation")
}
