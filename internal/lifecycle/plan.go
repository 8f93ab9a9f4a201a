package lifecycle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
)

// reader is what a plan reads; the store and a transaction both have it.
type reader interface {
	ActiveChatbot(ctx context.Context, senderID int64) (store.Chatbot, error)
	DeactivatedChatbot(ctx context.Context, senderID int64) (store.Chatbot, error)
	SenderByID(ctx context.Context, id int64) (store.Sender, error)
}

// Plan fingerprints what an Activate or Deactivate dialog showed: the
// chatbot's status and version, its validation findings, and which chatbots
// are active and in grace on its sender (with the grace end). Open-session
// counts move with traffic and are not part of it.
func (s *Service) Plan(ctx context.Context, bot store.Chatbot) (string, error) {
	return s.plan(ctx, s.Store, bot)
}

func (s *Service) plan(ctx context.Context, q reader, bot store.Chatbot) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%d|%s|%d|", bot.ID, bot.Status, bot.Version)
	if bot.SenderID != 0 {
		for _, get := range []func(context.Context, int64) (store.Chatbot, error){q.ActiveChatbot, q.DeactivatedChatbot} {
			c, err := get(ctx, bot.SenderID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return "", err
			}
			fmt.Fprintf(h, "%d:%s:%s|", c.ID, c.Status, c.GraceEndsAt)
		}
	}
	if bot.Status == store.StatusInactive {
		fs, err := s.findings(ctx, q, bot)
		if err != nil {
			return "", err
		}
		for _, f := range fs {
			fmt.Fprintf(h, "%s/%s/%d;", f.Code, f.Dialog, f.Element)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:12]), nil
}

// checkPlan refuses when the plan the person confirmed is not the plan
// now. An empty plan (the JSON API) is not checked.
func (s *Service) checkPlan(ctx context.Context, tx *store.Tx, bot store.Chatbot, shown string) error {
	if shown == "" {
		return nil
	}
	now, err := s.plan(ctx, tx, bot)
	if err != nil {
		return err
	}
	if now != shown {
		return problem.New(problem.Conflict, "plan_changed",
			"Something changed since this plan was shown (another manager may have acted). Nothing was applied; check the fresh plan and confirm again.")
	}
	return nil
}

func (s *Service) findings(ctx context.Context, q reader, bot store.Chatbot) ([]chatbot.Finding, error) {
	def, err := chatbot.Parse(bot.Definition)
	if err != nil {
		return nil, err
	}
	vctx := chatbot.Context{Channel: bot.Channel, SessionTimeout: bot.SessionTimeout}
	if bot.SenderID != 0 {
		snd, err := q.SenderByID(ctx, bot.SenderID)
		if err != nil {
			return nil, err
		}
		vctx.HasSender, vctx.SenderChannel = true, snd.Channel
	}
	return chatbot.Validate(def, vctx), nil
}
