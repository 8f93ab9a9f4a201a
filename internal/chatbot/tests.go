package chatbot

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Conversation tests are kept in the definition: named scripts of
// end-user messages, each with the replies expected. They run on the
// engine as the runtime would run them (Session), starting with no
// session open.

// Match modes of a test turn.
const (
	MatchExact    = "exact"    // the replies are exactly Expect, in order
	MatchContains = "contains" // each text of Expect appears in one of the replies
)

// MatchModes lists the match modes in the order an editor offers them.
func MatchModes() []string { return []string{MatchExact, MatchContains} }

// Limits on conversation tests, which bound the work validation does.
const (
	MaxTests     = 100
	MaxTestTurns = 100
	MaxSayRunes  = 4096
)

// The budget of one test run: every test of a chatbot, run in order, as
// validation, activation and the Run button run them. Each turn runs at
// most MaxSteps elements; over all the tests a run plays at most
// MaxTestRunTurns turns and handles at most MaxTestRunBytes bytes of
// replies (each reply's bytes count once as made, and once more for each
// text a "contains" turn looks for in it). Past the budget the run stops:
// the test it stopped in and those after it fail with OverBudget, and
// validation reports CodeTestsTooLarge, which states these limits.
const (
	MaxTestRunTurns = 2000
	MaxTestRunBytes = 8 << 20
)

// CodeTestsTooLarge is the validation error of conversation tests that
// need more than a test run's budget.
const CodeTestsTooLarge = "tests_too_large"

// What a test result keeps of the replies expected and got (it is stored
// with a release and as a chatbot's last run): at most maxShownTexts
// texts, each cut to maxShownBytes.
const (
	maxShownTexts = 10
	maxShownBytes = 1000
)

// Test is a named conversation test.
type Test struct {
	Name  string     `json:"name"`
	Turns []TestTurn `json:"turns"`
}

// TestTurn is one end-user message and what the chatbot should answer.
type TestTurn struct {
	Say    string   `json:"say"`
	Expect []string `json:"expect"`
	Match  string   `json:"match,omitempty"` // "" means exact
	// Handover: the turn must hand the conversation over to people (a
	// handover element runs). A turn without it must not. Omitted when
	// false, so definitions without it keep their hash.
	Handover bool `json:"handover,omitempty"`
}

// TestResult is the outcome of one test. A failed test names its first
// failing turn (1-based), what was expected and what came; a malformed one
// says what is wrong in Problem.
type TestResult struct {
	Name     string   `json:"name"`
	Passed   bool     `json:"passed"`
	Turn     int      `json:"turn,omitempty"`
	Say      string   `json:"say,omitempty"`
	Match    string   `json:"match,omitempty"`
	Expected []string `json:"expected,omitempty"`
	Got      []string `json:"got,omitempty"`
	Problem  string   `json:"problem,omitempty"`
	// OverBudget: the run's budget ran out in this test or before it
	// (Problem says which); it did not finish.
	OverBudget bool `json:"over_budget,omitempty"`
	// Reason says why a turn failed when its replies matched (a handover
	// that was or was not expected).
	Reason string `json:"reason,omitempty"`
}

// Describe says in words why a test failed ("" when it passed).
func (r TestResult) Describe() string {
	switch {
	case r.Passed:
		return ""
	case r.Problem != "":
		return r.Problem
	case r.Reason != "":
		return r.Reason
	}
	verb := "expected"
	if r.Match == MatchContains {
		verb = "expected replies containing"
	}
	return fmt.Sprintf("at turn %d (%q) %s %s, got %s", r.Turn, r.Say, verb, quoteAll(r.Expected), quoteAll(r.Got))
}

func quoteAll(list []string) string {
	if len(list) == 0 {
		return "no reply"
	}
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// Session is a conversation as the runtime keeps it between messages: no
// session open (the next message opens one with Start) or an open one at
// State.
type Session struct {
	Open  bool  `json:"o"`
	State State `json:"s"`
	// Held: a handover passed the conversation to people; the bot
	// answers nothing more in it (a test or test chat has no person to
	// hand it back).
	Held bool `json:"h,omitempty"`
}

// Say runs one end-user message as the runtime does and returns what it
// did and the session after it: a close or the step limit ends the
// session, and the next message opens a new one.
func (s Session) Say(p *Program, text string, traced bool) (Result, Session) {
	var res Result
	switch {
	case s.Open && s.Held:
		res = Result{State: s.State, Replies: []string{}, Choices: []string{}}
		if traced {
			res.Steps = []Step{{Dialog: s.State.Dialog, Event: EventHeld, Detail: "people hold the conversation: the bot does not answer"}}
		}
		return res, s
	case s.Open:
		res = p.cont(s.State, ReadInput(text), traced)
	default:
		res = p.start(traced)
	}
	if res.Closed || res.StepLimit {
		return res, Session{}
	}
	return res, Session{Open: true, State: res.State, Held: res.Handover != nil}
}

// problem says what is wrong with the test itself, or "".
func (t Test) problem() string {
	switch {
	case strings.TrimSpace(t.Name) == "":
		return "the test has no name"
	case len(t.Turns) == 0:
		return "the test has no turns"
	case len(t.Turns) > MaxTestTurns:
		return fmt.Sprintf("the test has %d turns; the limit is %d", len(t.Turns), MaxTestTurns)
	}
	for i, turn := range t.Turns {
		switch {
		case strings.TrimSpace(turn.Say) == "":
			return fmt.Sprintf("turn %d says nothing", i+1)
		case utf8.RuneCountInString(turn.Say) > MaxSayRunes:
			return fmt.Sprintf("turn %d is longer than %d characters", i+1, MaxSayRunes)
		case turn.Match != "" && !slices.Contains(MatchModes(), turn.Match):
			return fmt.Sprintf("turn %d has the match %q; use exact or contains", i+1, turn.Match)
		}
	}
	return ""
}

// Run plays the test on def from no open session, within the budget of a
// whole test run.
func (t Test) Run(def *Definition) TestResult {
	var b budget
	return t.run(Prepare(def), &b)
}

// budget is what a test run has used so far.
type budget struct {
	turns, bytes int
}

func (b *budget) spent() bool { return b.turns >= MaxTestRunTurns || b.bytes > MaxTestRunBytes }

// overBudget is the result of a test stopped at turn (1-based) because
// the run's budget ran out.
func overBudget(name string, turn int) TestResult {
	return TestResult{Name: name, Turn: turn, OverBudget: true, Problem: fmt.Sprintf(
		"the test run stopped at turn %d: a run plays at most %d turns and handles at most %d KiB of replies over all the tests",
		turn, MaxTestRunTurns, MaxTestRunBytes>>10)}
}

func (t Test) run(p *Program, b *budget) TestResult {
	r := TestResult{Name: t.Name}
	if r.Problem = t.problem(); r.Problem != "" {
		return r
	}
	var s Session
	for i, turn := range t.Turns {
		if b.spent() {
			return overBudget(t.Name, i+1)
		}
		b.turns++
		var res Result
		res, s = s.Say(p, turn.Say, false)
		size := 0
		for _, reply := range res.Replies {
			size += len(reply)
		}
		b.bytes += size
		if turn.mode() == MatchContains {
			// Each text looked for scans the replies once.
			b.bytes += size * len(turn.Expect)
		}
		if b.bytes > MaxTestRunBytes {
			return overBudget(t.Name, i+1)
		}
		if !turn.matches(res.Replies) {
			r.Turn, r.Say, r.Match, r.Expected, r.Got = i+1, shown(turn.Say), turn.mode(), shownAll(turn.Expect), shownAll(res.Replies)
			return r
		}
		if handed := res.Handover != nil; handed != turn.Handover {
			r.Turn, r.Say = i+1, shown(turn.Say)
			if turn.Handover {
				r.Reason = fmt.Sprintf("at turn %d (%q) expected a handover to people, but the bot kept the conversation", i+1, r.Say)
			} else {
				r.Reason = fmt.Sprintf("at turn %d (%q) the conversation was handed over to people, which the turn does not expect (tick \"handover\" if it should)", i+1, r.Say)
			}
			return r
		}
	}
	r.Passed = true
	return r
}

// shown cuts a text kept in a result to maxShownBytes, on a rune
// boundary, marked with "…".
func shown(s string) string {
	if len(s) <= maxShownBytes {
		return s
	}
	cut := maxShownBytes - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// shownAll keeps at most maxShownTexts texts, each shown; a last text
// says how many more there were. It never returns nil.
func shownAll(list []string) []string {
	out := make([]string, 0, min(len(list), maxShownTexts+1))
	for i, s := range list {
		if i == maxShownTexts {
			out = append(out, fmt.Sprintf("… and %d more", len(list)-i))
			break
		}
		out = append(out, shown(s))
	}
	return out
}

func (turn TestTurn) mode() string {
	if turn.Match == "" {
		return MatchExact
	}
	return turn.Match
}

func (turn TestTurn) matches(replies []string) bool {
	if turn.mode() == MatchExact {
		return slices.Equal(turn.Expect, replies) || len(turn.Expect) == 0 && len(replies) == 0
	}
	for _, want := range turn.Expect {
		if !slices.ContainsFunc(replies, func(r string) bool { return strings.Contains(r, want) }) {
			return false
		}
	}
	return true
}

// RunTests runs every test of def, in order, within the budget of one
// test run (MaxTestRunTurns, MaxTestRunBytes): the test the budget runs
// out in, and every test after it, is OverBudget.
func RunTests(def *Definition) []TestResult {
	if def == nil {
		return nil
	}
	out := make([]TestResult, 0, len(def.Tests))
	p := Prepare(def)
	var b budget
	names := map[string]bool{}
	stopped := false
	for i, t := range def.Tests {
		if i >= MaxTests {
			out = append(out, TestResult{Name: t.Name, Problem: fmt.Sprintf("a chatbot has at most %d tests", MaxTests)})
			continue
		}
		if stopped {
			out = append(out, TestResult{Name: t.Name, OverBudget: true, Problem: "not run: the tests before it used up the test run's budget"})
			continue
		}
		r := t.run(p, &b)
		stopped = r.OverBudget
		if key := strings.TrimSpace(t.Name); key != "" && names[key] && r.Problem == "" {
			r.Passed, r.Problem = false, "another test has the same name"
		}
		names[strings.TrimSpace(t.Name)] = true
		out = append(out, r)
	}
	return out
}

// tests adds the findings of the conversation tests, run here within the
// budget of one test run.
func (v *validator) tests() {
	var results []TestResult
	if len(v.def.Tests) > 0 {
		results = RunTests(v.def)
	}
	v.testFindings(results)
}

// testFindings adds the findings of results, the outcome of the
// definition's tests: none is a warning; a malformed or failing test, or
// a run over its budget, an error. Nil results of a definition that has
// tests add nothing: they were not run.
func (v *validator) testFindings(results []TestResult) {
	if len(v.def.Tests) == 0 {
		v.add(SeverityWarning, CodeNoTests, -1, -1, "The chatbot has no conversation tests: write one, so that a change that breaks a conversation is caught before it goes live.")
		return
	}
	for _, r := range results {
		switch {
		case r.OverBudget && r.Turn > 0:
			v.add(SeverityError, CodeTestsTooLarge, -1, -1,
				"The conversation tests need more than a test run may do: at most %d turns and %d KiB of replies over all the tests (each turn at most %d steps). They stopped in test %q at turn %d; shorten the tests or the replies they produce.",
				MaxTestRunTurns, MaxTestRunBytes>>10, MaxSteps, r.Name, r.Turn)
		case r.OverBudget:
			// Not run: the finding above says why.
		case r.Problem != "":
			v.add(SeverityError, CodeTestInvalid, -1, -1, "Conversation test %q: %s.", r.Name, r.Problem)
		case !r.Passed:
			v.add(SeverityError, CodeTestFailed, -1, -1, "Conversation test %q fails %s.", r.Name, r.Describe())
		}
	}
}

// ValidateWithResults is Validate with the conversation tests' findings
// taken from results, a run of def's tests made before (by RunTests, on
// this very definition), instead of running them: activation runs the
// tests once, outside any lock, and a page shows the last recorded run.
// Nil results of a definition that has tests give no finding about them.
func ValidateWithResults(def *Definition, ctx Context, results []TestResult) []Finding {
	if def == nil {
		def = &Definition{}
	}
	bare := *def
	bare.Tests = nil
	fs := slices.DeleteFunc(Validate(&bare, ctx), func(f Finding) bool { return f.Code == CodeNoTests })
	v := &validator{def: def, ctx: ctx}
	v.testFindings(results)
	for _, f := range v.found {
		fs = append(fs, f.Finding)
	}
	// Validate's order: errors first; within a severity the findings about
	// the whole chatbot (by code and message), then the others in dialog
	// and element order, as Validate gave them.
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if c := cmp.Compare(rank(a.Severity), rank(b.Severity)); c != 0 {
			return c
		}
		whole := func(f Finding) bool { return f.Dialog == "" }
		switch {
		case whole(a) && whole(b):
			return cmp.Or(cmp.Compare(a.Code, b.Code), cmp.Compare(a.Message, b.Message))
		case whole(a):
			return -1
		case whole(b):
			return 1
		}
		return 0
	})
	return fs
}
