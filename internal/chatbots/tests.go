package chatbots

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// TestRun is the outcome of a chatbot's conversation tests.
type TestRun struct {
	Passed  int                  `json:"passed"`
	Failed  int                  `json:"failed"`
	Results []chatbot.TestResult `json:"results"`
	// OverBudget: the run stopped at its budget (chatbot.MaxTestRunTurns,
	// chatbot.MaxTestRunBytes); the stopped test's problem says where.
	OverBudget bool `json:"over_budget,omitempty"`
}

// Summarise counts the passed and failed results.
func Summarise(results []chatbot.TestResult) TestRun {
	run := TestRun{Results: results}
	if run.Results == nil {
		run.Results = []chatbot.TestResult{}
	}
	for _, r := range results {
		if r.Passed {
			run.Passed++
		} else {
			run.Failed++
		}
		run.OverBudget = run.OverBudget || r.OverBudget
	}
	return run
}

// TestStatus is what a page knows of a chatbot's conversation tests
// without running them: their last recorded run.
type TestStatus struct {
	// Last is the last run, nil when the tests never ran.
	Last *TestRun
	// Current: Last ran on the chatbot's definition as it is now.
	Current bool
	RunBy   string
	RunAt   time.Time
	// results are Last's results when Current (for validation).
	results []chatbot.TestResult
}

// NeedsRun says the page has no run of the current definition's tests to
// show (there are tests, and they did not run since the last change).
func (t TestStatus) NeedsRun(def *chatbot.Definition) bool {
	return def != nil && len(def.Tests) > 0 && !t.Current
}

// LastTests reads the last recorded run of a chatbot's tests (def is its
// current definition). It runs nothing.
func (s *Service) LastTests(ctx context.Context, bot store.Chatbot, def *chatbot.Definition) (TestStatus, error) {
	r, err := s.Store.LastTestRun(ctx, bot.ID)
	if errors.Is(err, store.ErrNotFound) {
		return TestStatus{}, nil
	}
	if err != nil {
		return TestStatus{}, err
	}
	var results []chatbot.TestResult
	if err := json.Unmarshal(r.Results, &results); err != nil {
		return TestStatus{}, fmt.Errorf("the last test run of chatbot %d is unreadable: %w", bot.ID, err)
	}
	run := Summarise(results)
	st := TestStatus{Last: &run, Current: def != nil && r.DefinitionHash == def.Hash(), RunBy: r.RunBy, RunAt: r.RunAt}
	if st.Current {
		st.results = results
	}
	return st, nil
}

// RunTests runs a chatbot's conversation tests on its draft, for someone
// who may view it in detail, within the budget of one test run and
// outside any lock; then it records the run (a short write), which pages
// show from then on.
func (s *Service) RunTests(ctx context.Context, a who.Actor, id int64) (TestRun, error) {
	bot, def, err := s.Get(ctx, a, id)
	if err != nil {
		return TestRun{}, err
	}
	results := chatbot.RunTests(def)
	if err := s.RecordTests(ctx, a, bot.ID, def, results); err != nil {
		return TestRun{}, err
	}
	return Summarise(results), nil
}

// RecordTests records results, a run of def's tests, as the chatbot's
// last run. Recording holds the writer only to store them.
func (s *Service) RecordTests(ctx context.Context, a who.Actor, id int64, def *chatbot.Definition, results []chatbot.TestResult) error {
	return RecordTests(ctx, s.Store, a, id, def, results, s.Now().UTC())
}

// RecordTests is Service.RecordTests for other services (lifecycle).
func RecordTests(ctx context.Context, st *store.Store, a who.Actor, id int64, def *chatbot.Definition, results []chatbot.TestResult, now time.Time) error {
	if results == nil {
		results = []chatbot.TestResult{}
	}
	data, err := json.Marshal(results)
	if err != nil {
		return err
	}
	by := a.User.Email
	if a.System {
		by = "system"
	}
	err = st.InTx(ctx, func(tx *store.Tx) error {
		return tx.RecordTestRun(ctx, store.TestRun{ChatbotID: id, DefinitionHash: def.Hash(), Results: data, RunBy: by, RunAt: now})
	})
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	return err
}

// ParseScript reads a conversation test written as the editor shows it:
// a line starting with ">" is what the end user says; the lines after it
// are the replies expected, exactly and in order, unless a line starts
// with "~": then each line is a text the replies must contain.
//
//	> hi
//	Hello! Ask me about hours.
//	> opening hours?
//	~ We are open
func ParseScript(text string) ([]chatbot.TestTurn, error) {
	var turns []chatbot.TestTurn
	for n, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		if say, ok := strings.CutPrefix(trimmed, ">"); ok {
			if say = strings.TrimSpace(say); say == "" {
				return nil, problem.Field("script", "Line %d: write what the end user says after >.", n+1)
			}
			turns = append(turns, chatbot.TestTurn{Say: say, Expect: []string{}})
			continue
		}
		if len(turns) == 0 {
			return nil, problem.Field("script", "Line %d: start with a line like \"> hi\" (what the end user says), then the replies you expect.", n+1)
		}
		t := &turns[len(turns)-1]
		if part, ok := strings.CutPrefix(trimmed, "~"); ok {
			t.Match = chatbot.MatchContains
			trimmed = strings.TrimSpace(part)
		}
		t.Expect = append(t.Expect, trimmed)
	}
	if len(turns) == 0 {
		return nil, problem.Field("script", "Write at least one line like \"> hi\" (what the end user says), with the replies you expect below it.")
	}
	if len(turns) > chatbot.MaxTestTurns {
		return nil, problem.Field("script", "A test has at most %d turns.", chatbot.MaxTestTurns)
	}
	return turns, nil
}

// FormatScript writes turns in the form ParseScript reads.
func FormatScript(turns []chatbot.TestTurn) string {
	var b strings.Builder
	for _, t := range turns {
		b.WriteString("> " + t.Say + "\n")
		for _, e := range t.Expect {
			if t.Match == chatbot.MatchContains {
				b.WriteString("~ ")
			}
			b.WriteString(e + "\n")
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func checkTestName(def *chatbot.Definition, name string, except int) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", problem.Field("test_name", "Give the test a name.")
	case len([]rune(name)) > MaxNameRunes:
		return "", problem.Field("test_name", "Use at most %d characters for the name.", MaxNameRunes)
	}
	for i, t := range def.Tests {
		if i != except && strings.EqualFold(strings.TrimSpace(t.Name), name) {
			return "", problem.Field("test_name", "There is already a test named %q.", name)
		}
	}
	return name, nil
}

// SaveTest adds a conversation test (idx -1) or replaces test idx.
func SaveTest(idx int, name, script string) func(*Settings, *chatbot.Definition) (string, error) {
	return func(_ *Settings, def *chatbot.Definition) (string, error) {
		if idx >= len(def.Tests) || idx < -1 {
			return "", problem.New(problem.NotFound, "test_not_found", "There is no test %d; reload the page.", idx+1)
		}
		name, err := checkTestName(def, name, idx)
		if err != nil {
			return "", err
		}
		turns, err := ParseScript(script)
		if err != nil {
			return "", err
		}
		if idx == -1 {
			if len(def.Tests) >= chatbot.MaxTests {
				return "", problem.Field("test_name", "A chatbot has at most %d tests.", chatbot.MaxTests)
			}
			def.Tests = append(def.Tests, chatbot.Test{Name: name, Turns: turns})
			return fmt.Sprintf("conversation test %q added", name), nil
		}
		def.Tests[idx] = chatbot.Test{Name: name, Turns: turns}
		return fmt.Sprintf("conversation test %q changed", name), nil
	}
}

// RemoveTest removes conversation test idx.
func RemoveTest(idx int) func(*Settings, *chatbot.Definition) (string, error) {
	return func(_ *Settings, def *chatbot.Definition) (string, error) {
		if idx < 0 || idx >= len(def.Tests) {
			return "", problem.New(problem.NotFound, "test_not_found", "There is no test %d; reload the page.", idx+1)
		}
		name := def.Tests[idx].Name
		def.Tests = append(def.Tests[:idx], def.Tests[idx+1:]...)
		return fmt.Sprintf("conversation test %q removed", name), nil
	}
}
