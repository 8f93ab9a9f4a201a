package lifecycle

import (
	"context"
	"errors"
	"time"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// ActionRolledBack is the audit action of a roll back.
const ActionRolledBack = "chatbot.rolled_back"

// Rollback makes a deactivated chatbot D, still in grace, active again
// (manager+): its open sessions carry on. The sender's active chatbot A is
// deactivated with grace (or, with grace 0, made inactive and its sessions
// closed; left unstated, refused when A has open sessions). One transaction: within it A passes through inactive, which the
// deferred I4 check allows because A is deactivated again before commit.
func (s *Service) Rollback(ctx context.Context, a who.Actor, id int64, stated Grace) (store.Chatbot, error) {
	if err := a.Require(rbac.ActivateChatbots, "roll back chatbots"); err != nil {
		return store.Chatbot{}, err
	}
	grace := stated.Duration()
	if err := CheckGrace(grace); err != nil {
		return store.Chatbot{}, err
	}
	var out store.Chatbot
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		now := s.Now().UTC()
		d, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if d.Status != store.StatusDeactivated || !now.Before(d.GraceEndsAt) {
			return problem.New(problem.Conflict, "not_in_grace", "%s is not in a grace period, so there is nothing to roll back to.", d.Name)
		}
		details := map[string]any{"before": map[string]any{"status": d.Status}, "after": map[string]any{"status": store.StatusActive}}
		cur, err := tx.ActiveChatbot(ctx, d.SenderID)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		default:
			details["replaced"] = cur.ID
			open, err := tx.CountOpenSessions(ctx, cur.ID)
			if err != nil {
				return err
			}
			if err := needChoice(stated, cur.Name, open); err != nil {
				return err
			}
			if grace == 0 {
				if err := s.stop(ctx, tx, a, cur, store.CloseDeactivated, ActionDeactivated, now, map[string]any{"rolled_back_to": d.ID}); err != nil {
					return err
				}
			} else if err := tx.SetChatbotStatus(ctx, cur.ID, store.StatusInactive, time.Time{}, now); err != nil {
				return raced(err)
			}
		}
		if err := tx.SetChatbotStatus(ctx, d.ID, store.StatusActive, time.Time{}, now); err != nil {
			return raced(err)
		}
		if cur.ID != 0 && grace > 0 {
			if err := tx.SetChatbotStatus(ctx, cur.ID, store.StatusDeactivated, now.Add(grace), now); err != nil {
				return raced(err)
			}
			open, err := tx.CountOpenSessions(ctx, cur.ID)
			if err != nil {
				return err
			}
			if err := s.audit(ctx, tx, a.Entry(ActionDeactivated, "chatbot", cur.ID, cur.Name, map[string]any{
				"before": map[string]any{"status": cur.Status}, "after": map[string]any{"status": store.StatusDeactivated},
				"grace_ends_at": now.Add(grace).Format(time.RFC3339), "open_sessions": open, "rolled_back_to": d.ID,
			}), now); err != nil {
				return err
			}
		}
		if err := s.audit(ctx, tx, a.Entry(ActionRolledBack, "chatbot", d.ID, d.Name, details), now); err != nil {
			return err
		}
		if err := settleHeld(ctx, tx, a, d.SenderID, now); err != nil {
			return err
		}
		out, err = tx.ChatbotByID(ctx, d.ID)
		return err
	})
	s.count(ActionRolledBack, err)
	return out, raced(err)
}
