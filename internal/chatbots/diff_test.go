package chatbots_test

import (
	"context"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

func TestDiffService(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v1 := e.create("V1")
	v1, err := e.update(v1, chatbots.ReplaceDefinition(valid()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Lifecycle.Activate(ctx, who.System(), v1.ID, lifecycle.ActivateOptions{}); err != nil {
		t.Fatal(err)
	}
	v2, err := e.app.Chatbots.Duplicate(ctx, e.designer, v1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err = e.update(v2, func(set *chatbots.Settings, d *chatbot.Definition) (string, error) {
		d.Dialogs[0].Elements[0].Text = "Hi there!"
		set.Language = "fr"
		return "x", nil
	}); err != nil {
		t.Fatal(err)
	}
	sup := who.Actor{User: e.app.Users[rbac.Supervisor]}
	for _, release := range []int{0, 1} {
		res, err := e.app.Chatbots.Diff(ctx, sup, v2.ID, v1.ID, release)
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if release == 0 {
			want = 2 // and the language, a setting
		}
		last := res.Changes[len(res.Changes)-1]
		if len(res.Changes) != want || last.Dialog != "start" || last.Element != 1 || last.Before != "Hello!" || last.After != "Hi there!" {
			t.Fatalf("release %d: %+v", release, res)
		}
		if res.Before.Label() == res.After.Label() {
			t.Errorf("labels %q", res.Before.Label())
		}
	}
	if res, err := e.app.Chatbots.Diff(ctx, sup, v1.ID, v1.ID, 1); err != nil || len(res.Changes) != 0 {
		t.Fatalf("a chatbot against its own release: %+v %v", res, err)
	}
	_, err = e.app.Chatbots.Diff(ctx, sup, v2.ID, v1.ID, 7)
	testkit.WantProblem(t, err, problem.NotFound, "release_not_found")
	_, err = e.app.Chatbots.Diff(ctx, sup, v2.ID, 0, 0)
	testkit.WantProblem(t, err, problem.Invalid, "invalid_against")
	_, err = e.app.Chatbots.Diff(ctx, sup, v2.ID, v2.ID+50, 0)
	testkit.WantProblem(t, err, problem.NotFound, "chatbot_not_found")
	_, err = e.app.Chatbots.Diff(ctx, who.Actor{User: e.app.Users[rbac.Analyzer]}, v2.ID, v1.ID, 0)
	testkit.WantProblem(t, err, problem.Forbidden, "forbidden")
}
