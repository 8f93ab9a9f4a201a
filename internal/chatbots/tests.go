package chatbots

import (
	"context"
	"fmt"
	"strings"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/problem"
)

// TestRun is the outcome of a chatbot's conversation tests.
type TestRun struct {
	Passed  int                  `json:"passed"`
	Failed  int                  `json:"failed"`
	Results []chatbot.TestResult `json:"results"`
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
	}
	return run
}

// RunTests runs a chatbot's conversation tests on its draft, for someone
// who may view it in detail. It writes nothing.
func (s *Service) RunTests(ctx context.Context, a accounts.Actor, id int64) (TestRun, error) {
	_, def, err := s.Get(ctx, a, id)
	if err != nil {
		return TestRun{}, err
	}
	return Summarise(chatbot.RunTests(def)), nil
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
