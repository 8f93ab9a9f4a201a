package chatbot

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// echoDef answers every turn with the same replies: four messages of 1000
// bytes and the prompt "?" (a question that jumps back to itself).
func echoDef() *Definition {
	big := strings.Repeat("x", 1000)
	return &Definition{
		Attributes: []Attribute{{Name: "a", Type: AttributeText}},
		Entry:      "start",
		Dialogs: []Dialog{{ID: "start", Name: "Start", Elements: []Element{
			{Type: ElementMessage, Text: big}, {Type: ElementMessage, Text: big},
			{Type: ElementMessage, Text: big}, {Type: ElementMessage, Text: big},
			{Type: ElementQuestion, Text: "?", Attribute: "a"},
			{Type: ElementGoto, Dialog: "start"},
		}}},
	}
}

const echoReplyBytes = 4*1000 + 1

// echoTests makes n tests of turns turns each, every turn expecting the
// prompt, exactly (expects 0) or as contains with that many texts.
func echoTests(n, turns, expects int) []Test {
	big := strings.Repeat("x", 1000)
	out := make([]Test, n)
	for i := range out {
		t := Test{Name: "t" + strconv.Itoa(i)}
		for range turns {
			turn := TestTurn{Say: "hello", Expect: []string{big, big, big, big, "?"}}
			if expects > 0 {
				turn = TestTurn{Say: "hello", Match: MatchContains, Expect: slicesRepeat("?", expects)}
			}
			t.Turns = append(t.Turns, turn)
		}
		out[i] = t
	}
	return out
}

func slicesRepeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// TestTestRunBudget: a run stops where its budget runs out, in turns or
// in bytes of replies (each text a contains turn looks for counts the
// replies again), and reports it as one error that states the limits.
func TestTestRunBudget(t *testing.T) {
	// stopAt is the 1-based turn of the run in which perTurn bytes a turn
	// first take the run past MaxTestRunBytes.
	stopAt := func(perTurn int) int { return min(MaxTestRunBytes/perTurn+1, MaxTestRunTurns+1) }
	cases := []struct {
		name                  string
		tests, turns, expects int
		stop                  int // 1-based turn of the whole run that stops it; 0: none
	}{
		{"small run", 3, 5, 1, 0},
		{"exact: bytes just within", 1, 1, 0, 0},
		{"exact: turns over", MaxTests, MaxTestTurns, 0, MaxTestRunTurns + 1},
		{"contains with one text counts the replies twice", MaxTests, MaxTestTurns, 1, stopAt(2 * echoReplyBytes)},
		{"contains with five texts counts them six times", MaxTests, MaxTestTurns, 5, stopAt(6 * echoReplyBytes)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			def := echoDef()
			def.Tests = echoTests(tc.tests, tc.turns, tc.expects)
			results := RunTests(def)
			if len(results) != tc.tests {
				t.Fatalf("%d results for %d tests", len(results), tc.tests)
			}
			fs := Validate(def, Context{HasSender: true, SenderChannel: "livechat", Channel: "livechat", SessionTimeout: 60e9})
			tooLarge := 0
			for _, f := range fs {
				if f.Code == CodeTestsTooLarge {
					tooLarge++
					for _, limit := range []string{strconv.Itoa(MaxTestRunTurns), strconv.Itoa(MaxTestRunBytes >> 10), strconv.Itoa(MaxSteps)} {
						if !strings.Contains(f.Message, limit) || f.Severity != SeverityError {
							t.Fatalf("finding %+v does not state the limit %s", f, limit)
						}
					}
				}
			}
			if tc.stop == 0 {
				for _, r := range results {
					if !r.Passed {
						t.Fatalf("within the budget a test failed: %+v", r)
					}
				}
				if tooLarge != 0 {
					t.Fatalf("findings %+v", fs)
				}
				return
			}
			test, turn := (tc.stop-1)/tc.turns, (tc.stop-1)%tc.turns+1
			for i, r := range results {
				switch {
				case i < test && !r.Passed:
					t.Fatalf("test %d before the stop failed: %+v", i, r)
				case i == test && (!r.OverBudget || r.Turn != turn || r.Passed):
					t.Fatalf("test %d: %+v, want it stopped at turn %d", i, r, turn)
				case i > test && (!r.OverBudget || r.Passed || !strings.HasPrefix(r.Problem, "not run")):
					t.Fatalf("test %d after the stop: %+v", i, r)
				}
			}
			if tooLarge != 1 {
				t.Fatalf("%d tests_too_large findings, want 1: %+v", tooLarge, fs)
			}
		})
	}
}

// TestTestRunTurnBudget: a run plays at most MaxTestRunTurns turns.
func TestTestRunTurnBudget(t *testing.T) {
	for _, extra := range []int{0, 1} {
		t.Run(fmt.Sprintf("%+d", extra), func(t *testing.T) {
			def := echoDef()
			for i := range 4 {
				def.Dialogs[0].Elements[i].Text = "small"
			}
			turns := MaxTestRunTurns + extra
			for i := 0; turns > 0; i++ {
				n := min(turns, MaxTestTurns)
				turns -= n
				def.Tests = append(def.Tests, Test{Name: "hours " + strconv.Itoa(i), Turns: slicesRepeatTurn(TestTurn{Say: "hi", Expect: []string{"?"}, Match: MatchContains}, n)})
			}
			results := RunTests(def)
			last := results[len(results)-1]
			if extra == 0 && !last.Passed || extra == 1 && (!last.OverBudget || last.Turn != 1) {
				t.Fatalf("last result %+v", last)
			}
		})
	}
}

func slicesRepeatTurn(turn TestTurn, n int) []TestTurn {
	out := make([]TestTurn, n)
	for i := range out {
		out[i] = turn
	}
	return out
}

// TestValidateWithResults: validating with a run made before gives what
// Validate gives; without a run (nil) nothing is said about the tests.
func TestValidateWithResults(t *testing.T) {
	failing := validDef()
	failing.Tests = append(failing.Tests, Test{Name: "wrong", Turns: []TestTurn{{Say: "hi", Expect: []string{"Hello"}}}}, Test{Name: "", Turns: []TestTurn{{Say: "x"}}})
	none := validDef()
	none.Tests = nil
	none.Fallback = ""
	over := echoDef()
	over.Tests = echoTests(MaxTests, MaxTestTurns, 0)
	for name, def := range map[string]*Definition{"valid": validDef(), "failing": failing, "none": none, "over budget": over} {
		t.Run(name, func(t *testing.T) {
			want := Validate(def, validCtx())
			if got := ValidateWithResults(def, validCtx(), RunTests(def)); !reflect.DeepEqual(got, want) {
				t.Fatalf("with results\n%+v\nwant\n%+v", got, want)
			}
			for _, f := range ValidateWithResults(def, validCtx(), nil) {
				switch f.Code {
				case CodeTestFailed, CodeTestInvalid, CodeTestsTooLarge:
					t.Fatalf("a run not made gave %+v", f)
				case CodeNoTests:
					if len(def.Tests) > 0 {
						t.Fatalf("%+v", f)
					}
				}
			}
		})
	}
}

// TestResultsKeepLittle: a failing result keeps a bounded part of what
// came (results are stored).
func TestResultsKeepLittle(t *testing.T) {
	def := echoDef()
	def.Dialogs[0].Elements[0].Text = strings.Repeat("é", 3000)
	def.Tests = []Test{{Name: "t", Turns: []TestTurn{{Say: "hi", Expect: []string{"no"}}}}}
	r := RunTests(def)[0]
	if r.Passed || len(r.Got) != 5 || len(r.Got[0]) > maxShownBytes || !strings.HasSuffix(r.Got[0], "…") {
		t.Fatalf("%+v", r)
	}
}
