package chatbots_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

func TestParseScript(t *testing.T) {
	tests := []struct {
		script string
		want   []chatbot.TestTurn
		err    string
	}{
		{"> hi\nHello!\nWhat is your name?\n>Ada\r\nBye Ada.", []chatbot.TestTurn{
			{Say: "hi", Expect: []string{"Hello!", "What is your name?"}},
			{Say: "Ada", Expect: []string{"Bye Ada."}}}, ""},
		{"> hi\n~ Hello\n\n> quiet", []chatbot.TestTurn{
			{Say: "hi", Expect: []string{"Hello"}, Match: chatbot.MatchContains},
			{Say: "quiet", Expect: []string{}}}, ""},
		{"Hello!\n> hi", nil, "Line 1: start with a line like"},
		{">   \nHello", nil, "Line 1: write what the end user says"},
		{"  \n", nil, "Write at least one line"},
	}
	for _, tc := range tests {
		got, err := chatbots.ParseScript(tc.script)
		if tc.err != "" {
			p, ok := problem.As(err)
			if !ok || p.Field != "script" || len(p.Message) < len(tc.err) || p.Message[:len(tc.err)] != tc.err {
				t.Errorf("%q: error %v, want %q", tc.script, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %#v %v, want %#v", tc.script, got, err, tc.want)
			continue
		}
		back, err := chatbots.ParseScript(chatbots.FormatScript(got))
		if err != nil || !reflect.DeepEqual(back, got) {
			t.Errorf("%q does not survive FormatScript: %#v", tc.script, back)
		}
	}
}

func TestTestsEditAndRun(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.create("Tested")
	c, err := e.update(c, chatbots.ReplaceDefinition(valid()))
	if err != nil {
		t.Fatal(err)
	}
	c, err = e.update(c, chatbots.SaveTest(-1, "wrong", "> hi\nGood morning"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.update(c, chatbots.SaveTest(-1, " Wrong ", "> hi\nx"))
	testkit.WantProblem(t, err, problem.Invalid, "invalid_test_name")
	_, err = e.update(c, chatbots.SaveTest(5, "x", "> hi"))
	testkit.WantProblem(t, err, problem.NotFound, "test_not_found")
	if n := e.audits(chatbots.ActionEdited, c.ID); n < 2 {
		t.Errorf("%d edit entries", n)
	}

	run, err := e.app.Chatbots.RunTests(ctx, who.Actor{User: e.app.Users[rbac.Supervisor]}, c.ID)
	if err != nil || run.Passed != 1 || run.Failed != 1 || run.Results[1].Name != "wrong" || run.Results[1].Turn != 1 {
		t.Fatalf("run: %+v %v", run, err)
	}
	_, fs, err := e.app.Chatbots.Validate(ctx, e.designer, c.ID)
	if err != nil || len(chatbot.Errors(fs)) != 1 || chatbot.Errors(fs)[0].Code != chatbot.CodeTestFailed {
		t.Fatalf("validation: %+v %v", fs, err)
	}
	// Fix it: the test passes and the error goes.
	c, _ = e.get(c.ID)
	if c, err = e.update(c, chatbots.SaveTest(1, "right", "> hi\nHello!\nWhat is your name?")); err != nil {
		t.Fatal(err)
	}
	run, _ = e.app.Chatbots.RunTests(ctx, e.designer, c.ID)
	if run.Passed != 2 || run.Failed != 0 {
		t.Fatalf("after the fix: %+v", run)
	}
	if c, err = e.update(c, chatbots.RemoveTest(0)); err != nil {
		t.Fatal(err)
	}
	if _, def := e.get(c.ID); len(def.Tests) != 1 || def.Tests[0].Name != "right" {
		t.Fatalf("tests after remove: %+v", def.Tests)
	}
	_, err = e.app.Chatbots.RunTests(ctx, who.Actor{User: e.app.Users[rbac.Analyzer]}, c.ID)
	testkit.WantProblem(t, err, problem.Forbidden, "forbidden")
}
