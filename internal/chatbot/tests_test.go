package chatbot

import (
	"strings"
	"testing"
)

func TestConversationTests(t *testing.T) {
	say := func(text string, expect ...string) TestTurn { return TestTurn{Say: text, Expect: expect} }
	contains := func(text string, expect ...string) TestTurn {
		return TestTurn{Say: text, Expect: expect, Match: MatchContains}
	}
	tests := []struct {
		name    string
		test    Test
		passed  bool
		turn    int
		problem string
	}{
		{"exact whole conversation", Test{Name: "a", Turns: []TestTurn{
			say("hello", "Hi!", "Your name?"), say("Ada", "Your age, Ada?"), say("12", "Come back later.")}}, true, 0, ""},
		{"contains", Test{Name: "a", Turns: []TestTurn{contains("x", "name?"), contains("Ada", "Ada", "age")}}, true, 0, ""},
		{"a new session after a close", Test{Name: "a", Turns: []TestTurn{
			say("hi", "Hi!", "Your name?"), say("Ada", "Your age, Ada?"), say("9", "Come back later."), say("again", "Hi!", "Your name?")}}, true, 0, ""},
		{"keywords branch", Test{Name: "a", Turns: []TestTurn{
			say("hi", "Hi!", "Your name?"), say("Ada", "Your age, Ada?"), say("30"), say("bye", "Bye Ada!")}}, true, 0, ""},
		{"expects no reply but gets one", Test{Name: "a", Turns: []TestTurn{say("hi")}}, false, 1, ""},
		{"exact is exact", Test{Name: "a", Turns: []TestTurn{say("hi", "Hi!")}}, false, 1, ""},
		{"exact is in order", Test{Name: "a", Turns: []TestTurn{say("hi", "Your name?", "Hi!")}}, false, 1, ""},
		{"contains fails at turn 2", Test{Name: "a", Turns: []TestTurn{contains("hi", "Hi"), contains("Ada", "Bob")}}, false, 2, ""},
		{"no name", Test{Turns: []TestTurn{say("hi")}}, false, 0, "the test has no name"},
		{"no turns", Test{Name: "a"}, false, 0, "the test has no turns"},
		{"blank say", Test{Name: "a", Turns: []TestTurn{say(" ", "Hi!")}}, false, 0, "turn 1 says nothing"},
		{"bad match", Test{Name: "a", Turns: []TestTurn{{Say: "hi", Match: "regexp"}}}, false, 0, `turn 1 has the match "regexp"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.test.Run(validDef())
			if r.Passed != tc.passed || r.Turn != tc.turn || !strings.HasPrefix(r.Problem, tc.problem) {
				t.Fatalf("result %+v, want passed=%v turn=%d problem %q", r, tc.passed, tc.turn, tc.problem)
			}
			if !r.Passed && tc.problem == "" && (r.Got == nil || !strings.Contains(r.Describe(), "at turn")) {
				t.Fatalf("a failure says what came: %+v %q", r, r.Describe())
			}
		})
	}
}

func TestConversationTestFindings(t *testing.T) {
	d := validDef()
	d.Tests = nil
	if fs := Validate(d, validCtx()); len(fs) != 1 || fs[0].Code != CodeNoTests || fs[0].Severity != SeverityWarning {
		t.Fatalf("no tests: %+v", fs)
	}
	d.Tests = []Test{
		{Name: "ok", Turns: []TestTurn{{Say: "hi", Expect: []string{"Hi!", "Your name?"}}}},
		{Name: "wrong", Turns: []TestTurn{{Say: "hi", Expect: []string{"Hello"}}}},
		{Name: "ok", Turns: []TestTurn{{Say: "hi", Expect: []string{"Hi!", "Your name?"}}}},
		{Name: "", Turns: []TestTurn{{Say: "hi"}}},
	}
	fs := Validate(d, validCtx())
	var got []string
	for _, f := range fs {
		got = append(got, string(f.Severity)+" "+f.Code)
	}
	want := "error test_failed|error test_invalid|error test_invalid"
	if strings.Join(got, "|") != want {
		t.Fatalf("findings %q, want %q\n%+v", got, want, fs)
	}
	if !strings.Contains(fs[0].Message, `"wrong"`) || !strings.Contains(fs[0].Message, `"Hello"`) || !strings.Contains(fs[0].Message, `"Hi!"`) {
		t.Errorf("message %q does not say what was expected and what came", fs[0].Message)
	}
}

func TestTestsRoundTrip(t *testing.T) {
	d := validDef()
	d.Tests = append(d.Tests, Test{Name: "empty expect", Turns: []TestTurn{{Say: "hi"}}})
	back, err := Parse(d.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if string(back.JSON()) != string(d.JSON()) || back.Hash() != d.Hash() {
		t.Fatalf("round trip changed the definition:\n%s\n%s", d.JSON(), back.JSON())
	}
	noTests := validDef()
	noTests.Tests = nil
	if strings.Contains(string(noTests.JSON()), "tests") {
		t.Error("a definition without tests writes a tests key (its hash would change)")
	}
	for _, bad := range []string{
		`{"attributes":[],"entry":"a","dialogs":[],"tests":[{"name":"x","turns":[{"say":"hi","expect":[],"match":"regexp"}]}]}`,
		`{"attributes":[],"entry":"a","dialogs":[],"tests":[{"name":"x","turns":[{"say":"hi","expected":[]}]}]}`,
		`{"attributes":[],"entry":"a","dialogs":[],"tests":[{"name":1}]}`,
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("parsed %s", bad)
		}
	}
}
