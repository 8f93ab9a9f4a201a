package chatbots

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// DiffSide names one side of a comparison.
type DiffSide struct {
	ChatbotID int64  `json:"chatbot_id"`
	Name      string `json:"name"`
	Release   int    `json:"release,omitempty"` // 0: the chatbot's current definition
}

// Label is the side in words: "FAQ v2" or "FAQ, release #3".
func (d DiffSide) Label() string {
	if d.Release > 0 {
		return fmt.Sprintf("%s, release #%d", d.Name, d.Release)
	}
	return d.Name
}

// DiffResult is what changed from Before to After.
type DiffResult struct {
	Before  DiffSide         `json:"before"`
	After   DiffSide         `json:"after"`
	Changes []chatbot.Change `json:"changes"`
}

// Diff compares chatbot id (after) with chatbot against (before), or with
// release number release of against, for someone who may view chatbots in
// detail. against may be id itself: its draft against one of its releases.
func (s *Service) Diff(ctx context.Context, a who.Actor, id, against int64, release int) (DiffResult, error) {
	bot, def, err := s.Get(ctx, a, id)
	if err != nil {
		return DiffResult{}, err
	}
	if against <= 0 {
		return DiffResult{}, problem.Field("against", "Choose the chatbot to compare with.")
	}
	if release < 0 {
		return DiffResult{}, problem.Field("release", "release must be a release number, or 0 for the current definition.")
	}
	other, otherDef, err := s.Get(ctx, a, against)
	if err != nil {
		return DiffResult{}, err
	}
	res := DiffResult{After: DiffSide{ChatbotID: bot.ID, Name: bot.Name}, Before: DiffSide{ChatbotID: other.ID, Name: other.Name, Release: release}}
	if release > 0 {
		rel, err := s.Store.ReleaseByNumber(ctx, other.ID, release)
		if errors.Is(err, store.ErrNotFound) {
			return DiffResult{}, problem.New(problem.NotFound, CodeReleaseNotFound, "%s has no release #%d.", other.Name, release)
		}
		if err != nil {
			return DiffResult{}, err
		}
		if otherDef, err = chatbot.Parse(rel.Definition); err != nil {
			return DiffResult{}, fmt.Errorf("release %d of chatbot %d is unreadable: %w", release, other.ID, err)
		}
	}
	var changes []chatbot.Change
	if release == 0 && other.ID != bot.ID {
		// Settings belong to the chatbot, not to a release; the name is
		// left out, since versions differ by name by design.
		setting := func(field, before, after string) {
			if before != after {
				changes = append(changes, chatbot.Change{Kind: chatbot.ChangeChanged, Field: field, Before: before, After: after})
			}
		}
		setting("channel", other.Channel, bot.Channel)
		setting("language", other.Language, bot.Language)
		setting("session_timeout", other.SessionTimeout.Round(time.Second).String(), bot.SessionTimeout.Round(time.Second).String())
	}
	res.Changes = append(changes, chatbot.Diff(otherDef, def)...)
	if res.Changes == nil {
		res.Changes = []chatbot.Change{}
	}
	return res, nil
}
