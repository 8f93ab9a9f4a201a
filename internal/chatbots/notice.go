package chatbots

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// ActionClosedNoticeSet is the audit action of a change to the notice.
const ActionClosedNoticeSet = "chatbot.closed_notice_set"

// MaxClosedNoticeRunes bounds the notice: it is one short message.
const MaxClosedNoticeRunes = 500

// ClosedNotice is the chatbot's own wording of the notice an end user
// gets when a deactivation, a grace end or a cascade closed their previous
// conversation ("" when it uses the default), for supervisor+.
func (s *Service) ClosedNotice(ctx context.Context, a who.Actor, id int64) (string, error) {
	if err := a.Require(rbac.ViewChatbots, "view chatbot details"); err != nil {
		return "", err
	}
	text, err := s.Store.ClosedNotice(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", errNotFound
	}
	return text, err
}

// SetClosedNotice sets that wording (designer+; "" restores the default).
// Like every setting it changes only while the chatbot is inactive: the
// notice comes from the chatbot that takes over, so it is written before
// the redeploy.
func (s *Service) SetClosedNotice(ctx context.Context, a who.Actor, id int64, text string) error {
	if err := a.Require(rbac.EditChatbots, "edit chatbots"); err != nil {
		return err
	}
	text = strings.TrimSpace(text)
	switch {
	case !utf8.ValidString(text):
		return problem.Field("closed_notice", "The notice must be UTF-8 text.")
	case utf8.RuneCountInString(text) > MaxClosedNoticeRunes:
		return problem.Field("closed_notice", "The notice is at most %d characters; it is one short message.", MaxClosedNoticeRunes)
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.ChatbotByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound
		} else if err != nil {
			return err
		}
		if !c.Editable() {
			return problem.New(problem.Conflict, CodeNotEditable, "%s is %s, so it is read-only; duplicate it to edit.", c.Name, c.Status)
		}
		before, err := tx.ClosedNotice(ctx, id)
		if err != nil {
			return err
		}
		if before == text {
			return nil
		}
		if err := tx.SetClosedNotice(ctx, id, text, s.Now().UTC()); err != nil {
			return err
		}
		return s.audit(ctx, tx, a.Entry(ActionClosedNoticeSet, "chatbot", c.ID, c.Name, map[string]any{
			"before": map[string]any{"closed_notice": before}, "after": map[string]any{"closed_notice": text}}))
	})
}
