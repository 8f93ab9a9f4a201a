package chatbots

import (
	"context"
	"errors"
	"fmt"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// ActionDuplicated is the audit action of a duplicate.
const ActionDuplicated = "chatbot.duplicated"

// Duplicate makes a new inactive chatbot with the same definition and
// sender, named "<name> (copy)", made unique (designer+).
func (s *Service) Duplicate(ctx context.Context, a who.Actor, id int64) (store.Chatbot, error) {
	src, def, err := s.Get(ctx, a, id)
	if err != nil {
		return store.Chatbot{}, err
	}
	for n := 1; n < 1000; n++ {
		name := src.Name + " (copy)"
		if n > 1 {
			name = fmt.Sprintf("%s (copy %d)", src.Name, n)
		}
		if len([]rune(name)) > MaxNameRunes {
			name = fmt.Sprintf("Copy %d of chatbot %d", n, src.ID)
		}
		if _, err := s.Store.ChatbotByName(ctx, name); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return store.Chatbot{}, err
		}
		in := Settings{Name: name, Language: src.Language, Channel: src.Channel, SenderID: src.SenderID, SessionTimeout: src.SessionTimeout}
		c, err := s.create(ctx, a, in, def, ActionDuplicated, map[string]any{"source": map[string]any{"id": src.ID, "name": src.Name, "version": src.Version}})
		if err == nil || !isNameTaken(err) {
			return c, err
		}
		// Someone took the name in between: try the next one.
	}
	return store.Chatbot{}, fmt.Errorf("no free name for a copy of chatbot %d", id)
}

// nameTaken is create's refusal of a name another chatbot took, perhaps
// a moment after it was checked: Duplicate and Import try the next name.
// To everyone else it is the problem it wraps.
type nameTaken struct{ p *problem.Error }

func (e nameTaken) Error() string { return e.p.Error() }
func (e nameTaken) Unwrap() error { return e.p }

func isNameTaken(err error) bool {
	var taken nameTaken
	return errors.As(err, &taken)
}
