package chatbots

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// Release is one release of a chatbot as its page shows it: the stored
// row, its definition parsed, its validation report and the conversation
// tests' results at activation.
type Release struct {
	store.Release
	Def *chatbot.Definition
	// Report lists the validation findings at activation (the warnings
	// that were overridden; errors block activation).
	Report []ReportItem
	// Tests are the conversation-test results at activation; nil for a
	// release made before they were recorded.
	Tests *TestRun
}

// ReportItem is one finding of a release's validation report.
type ReportItem struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Dialog   string `json:"dialog,omitempty"`
}

var errReleaseNotFound = problem.New(problem.NotFound, CodeReleaseNotFound, "This chatbot has no release with that number.")

// Release loads release number of a chatbot, for someone who may view the
// chatbot in detail.
func (s *Service) Release(ctx context.Context, a who.Actor, id int64, number int) (store.Chatbot, Release, error) {
	bot, _, err := s.Get(ctx, a, id)
	if err != nil {
		return bot, Release{}, err
	}
	r, err := s.Store.ReleaseByNumber(ctx, id, number)
	if errors.Is(err, store.ErrNotFound) {
		return bot, Release{}, errReleaseNotFound
	}
	if err != nil {
		return bot, Release{}, err
	}
	out := Release{Release: r, Report: []ReportItem{}}
	if out.Def, err = chatbot.Parse(r.Definition); err != nil {
		return bot, out, fmt.Errorf("release %d of chatbot %d has an unreadable definition: %w", number, id, err)
	}
	if len(r.Report) > 0 {
		if err := json.Unmarshal(r.Report, &out.Report); err != nil {
			return bot, out, fmt.Errorf("release %d of chatbot %d has an unreadable report: %w", number, id, err)
		}
	}
	if len(r.TestResults) > 0 {
		var results []chatbot.TestResult
		if err := json.Unmarshal(r.TestResults, &results); err != nil {
			return bot, out, fmt.Errorf("release %d of chatbot %d has unreadable test results: %w", number, id, err)
		}
		run := Summarise(results)
		out.Tests = &run
	}
	return bot, out, nil
}
