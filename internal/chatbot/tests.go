package chatbot

import (
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
}

// Describe says in words why a test failed ("" when it passed).
func (r TestResult) Describe() string {
	switch {
	case r.Passed:
		return ""
	case r.Problem != "":
		return r.Problem
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
}

// Say runs one end-user message as the runtime does and returns what it
// did and the session after it: a close or the step limit ends the
// session, and the next message opens a new one.
func (s Session) Say(p *Program, text string, traced bool) (Result, Session) {
	var res Result
	if s.Open {
		res = p.cont(s.State, ReadInput(text), traced)
	} else {
		res = p.start(traced)
	}
	if res.Closed || res.StepLimit {
		return res, Session{}
	}
	return res, Session{Open: true, State: res.State}
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

// Run plays the test on def from no open session.
func (t Test) Run(def *Definition) TestResult { return t.run(Prepare(def)) }

func (t Test) run(p *Program) TestResult {
	r := TestResult{Name: t.Name}
	if r.Problem = t.problem(); r.Problem != "" {
		return r
	}
	var s Session
	for i, turn := range t.Turns {
		var res Result
		res, s = s.Say(p, turn.Say, false)
		if !turn.matches(res.Replies) {
			r.Turn, r.Say, r.Match, r.Expected, r.Got = i+1, turn.Say, turn.mode(), slices.Clone(turn.Expect), res.Replies
			if r.Got == nil {
				r.Got = []string{}
			}
			return r
		}
	}
	r.Passed = true
	return r
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

// RunTests runs every test of def, in order.
func RunTests(def *Definition) []TestResult {
	if def == nil {
		return nil
	}
	out := make([]TestResult, 0, len(def.Tests))
	p := Prepare(def)
	names := map[string]bool{}
	for i, t := range def.Tests {
		if i >= MaxTests {
			out = append(out, TestResult{Name: t.Name, Problem: fmt.Sprintf("a chatbot has at most %d tests", MaxTests)})
			continue
		}
		r := t.run(p)
		if key := strings.TrimSpace(t.Name); key != "" && names[key] && r.Problem == "" {
			r.Passed, r.Problem = false, "another test has the same name"
		}
		names[strings.TrimSpace(t.Name)] = true
		out = append(out, r)
	}
	return out
}

// tests adds the findings of the conversation tests: none is a warning,
// a malformed or failing one an error.
func (v *validator) tests() {
	if len(v.def.Tests) == 0 {
		v.add(SeverityWarning, CodeNoTests, -1, -1, "The chatbot has no conversation tests: write one, so that a change that breaks a conversation is caught before it goes live.")
		return
	}
	for _, r := range RunTests(v.def) {
		switch {
		case r.Problem != "":
			v.add(SeverityError, CodeTestInvalid, -1, -1, "Conversation test %q: %s.", r.Name, r.Problem)
		case !r.Passed:
			v.add(SeverityError, CodeTestFailed, -1, -1, "Conversation test %q fails %s.", r.Name, r.Describe())
		}
	}
}
