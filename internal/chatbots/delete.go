package chatbots

import (
	"context"
	"errors"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// ActionDeleted is the audit action of a deletion.
const ActionDeleted = "chatbot.deleted"

// Delete removes a chatbot that was never activated (designer+). Any other
// is refused with the reason, and nothing changes.
func (s *Service) Delete(ctx context.Context, a who.Actor, id int64) error {
	if err := a.Require(rbac.EditChatbots, "delete chatbots"); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.ChatbotByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound
		} else if err != nil {
			return err
		}
		if !c.Draft() || c.Status != store.StatusInactive {
			return problem.New(problem.Conflict, CodeNotDraft,
				"%s was activated before, so it cannot be deleted: its sessions and history stay. It is %s now.", c.Name, c.Status)
		}
		ok, err := tx.DeleteChatbot(ctx, id)
		if err != nil {
			return err
		}
		if !ok {
			return problem.New(problem.Conflict, CodeNotDraft, "%s has sessions, so it cannot be deleted.", c.Name)
		}
		details := settingsMap(c)
		details["definition_hash"] = definitionHash(c)
		return s.audit(ctx, tx, a.Entry(ActionDeleted, "chatbot", c.ID, c.Name, map[string]any{"before": details}))
	})
}
