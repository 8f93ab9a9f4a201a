package lifecycle

import (
	"context"
	"time"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// ActionGraceExtended is the audit action of a longer grace period.
const ActionGraceExtended = "chatbot.grace_extended"

// ExtendGrace moves a deactivated chatbot's grace end later by d
// (manager+). The grace may not end more than MaxGrace from now.
func (s *Service) ExtendGrace(ctx context.Context, a who.Actor, id int64, d time.Duration) (store.Chatbot, error) {
	if err := a.Require(rbac.ActivateChatbots, "extend grace periods"); err != nil {
		return store.Chatbot{}, err
	}
	if d <= 0 {
		return store.Chatbot{}, problem.Field("grace", "Choose how much longer the grace period lasts, such as 15m or 1h.")
	}
	var out store.Chatbot
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		now := s.Now().UTC()
		bot, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if bot.Status != store.StatusDeactivated {
			return problem.New(problem.Conflict, "not_deactivated", "%s is %s; only a deactivated chatbot has a grace period to extend.", bot.Name, bot.Status)
		}
		if !now.Before(bot.GraceEndsAt) {
			return problem.New(problem.Conflict, "grace_over", "The grace period of %s is already over; it is being ended.", bot.Name)
		}
		end := bot.GraceEndsAt.Add(d)
		if end.Sub(now) > MaxGrace {
			return problem.Field("grace", "A grace period can end at most 30 days from now.")
		}
		if err := tx.SetGraceEnd(ctx, bot.ID, end); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, a.Entry(ActionGraceExtended, "chatbot", bot.ID, bot.Name, map[string]any{
			"before": map[string]any{"grace_ends_at": bot.GraceEndsAt.Format(time.RFC3339)},
			"after":  map[string]any{"grace_ends_at": end.Format(time.RFC3339)},
		}), now); err != nil {
			return err
		}
		out, err = tx.ChatbotByID(ctx, bot.ID)
		return err
	})
	s.count(ActionGraceExtended, err)
	return out, raced(err)
}
