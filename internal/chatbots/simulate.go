package chatbots

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/simulate"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// MaxSimulateRunes bounds one test-chat message, as the runtime bounds an
// inbound one.
const MaxSimulateRunes = 4096

// SimulateInput is one message of a test chat. Conversation is the token
// the previous turn returned ("" starts a new conversation); Release picks
// a release by number, 0 the draft.
type SimulateInput struct {
	Conversation string
	Text         string
	Release      int
}

// Simulation is what one test-chat message did.
type Simulation struct {
	Conversation string            `json:"conversation"`
	Replies      []string          `json:"replies"`
	Choices      []string          `json:"choices"` // the options of the last reply, as buttons; [] when none
	Trace        []chatbot.Step    `json:"trace"`
	Attributes   map[string]string `json:"attributes"`
	Ended        bool              `json:"ended"`
	StepLimit    bool              `json:"step_limit,omitempty"`
	Release      int               `json:"release,omitempty"`
}

var errBadConversation = problem.New(problem.Invalid, "bad_conversation",
	"This test chat cannot go on (it belongs to another chatbot or release, or the server restarted). Restart the test chat.")

// Simulate runs one test-chat message through a chatbot's draft or one of
// its releases, with the runtime's engine, for someone who may view the
// chatbot in detail. It writes nothing: no session, transcript, rollup or
// audit entry.
func (s *Service) Simulate(ctx context.Context, a who.Actor, id int64, in SimulateInput) (Simulation, error) {
	bot, def, err := s.Get(ctx, a, id)
	if err != nil {
		return Simulation{}, err
	}
	switch {
	case strings.TrimSpace(in.Text) == "":
		return Simulation{}, problem.Field("text", "Write a message first.")
	case !utf8.ValidString(in.Text) || utf8.RuneCountInString(in.Text) > MaxSimulateRunes:
		return Simulation{}, problem.Field("text", "A message is at most %d characters of UTF-8 text.", MaxSimulateRunes)
	case in.Release < 0:
		return Simulation{}, problem.Field("release", "release must be a release number, or 0 for the draft.")
	}
	if in.Release > 0 {
		rel, err := s.Store.ReleaseByNumber(ctx, bot.ID, in.Release)
		if errors.Is(err, store.ErrNotFound) {
			return Simulation{}, problem.New(problem.NotFound, CodeReleaseNotFound, "%s has no release #%d.", bot.Name, in.Release)
		}
		if err != nil {
			return Simulation{}, err
		}
		if def, err = chatbot.Parse(rel.Definition); err != nil {
			return Simulation{}, fmt.Errorf("release %d of chatbot %d is unreadable: %w", in.Release, bot.ID, err)
		}
	}
	conv, err := s.Signer.Open(in.Conversation, simulate.Target{ChatbotID: bot.ID, Release: in.Release})
	if err != nil {
		return Simulation{}, errBadConversation
	}
	t := simulate.Run(def, conv, in.Text)
	return Simulation{Conversation: s.Signer.Seal(t.Next), Replies: t.Replies, Choices: t.Choices, Trace: t.Steps, Attributes: t.Attributes,
		Ended: t.Ended, StepLimit: t.StepLimit, Release: in.Release}, nil
}
