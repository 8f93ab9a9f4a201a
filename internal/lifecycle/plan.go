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
// chatbot's status and version, its sender's channel, and which chatbots
// are active and in grace on its sender (with the grace end). Open-session
// counts move with traffic and are not part of it. The validation findings
// follow from the version (definition and settings) and the sender's
// channel, so the plan needs no validation, and no conversation test runs
// while a page is drawn or a transaction holds the writer.
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
		snd, err := q.SenderByID(ctx, bot.SenderID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
		fmt.Fprintf(h, "%s|", snd.Channel)
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

// checked is a chatbot validated with its conversation tests run, before
// the activation's transaction.
type checked struct {
	version       int64
	senderID      int64
	senderChannel string
	def           *chatbot.Definition
	findings      []chatbot.Finding
	results       []chatbot.TestResult
}

// check validates bot and runs its conversation tests (within the budget
// of one test run). It reads with q and takes no lock: the caller runs it
// before its transaction and there checks that bot is still this version.
func (s *Service) check(ctx context.Context, q reader, bot store.Chatbot) (checked, error) {
	def, err := chatbot.Parse(bot.Definition)
	if err != nil {
		return checked{}, err
	}
	c := checked{version: bot.Version, senderID: bot.SenderID, def: def}
	vctx := chatbot.Context{Channel: bot.Channel, SessionTimeout: bot.SessionTimeout}
	if bot.SenderID != 0 {
		snd, err := q.SenderByID(ctx, bot.SenderID)
		if err != nil {
			return checked{}, err
		}
		vctx.HasSender, vctx.SenderChannel = true, snd.Channel
		c.senderChannel = snd.Channel
	}
	run := s.runTests
	if run == nil {
		run = chatbot.RunTests
	}
	c.results = run(def)
	if c.results == nil {
		c.results = []chatbot.TestResult{}
	}
	c.findings = chatbot.ValidateWithResults(def, vctx, c.results)
	return c, nil
}

// stillChecked refuses when bot (read in the transaction) is no longer
// what c checked: it or its sender changed since.
func stillChecked(ctx context.Context, tx *store.Tx, bot store.Chatbot, c checked) error {
	changed := bot.Version != c.version || bot.SenderID != c.senderID
	if !changed && bot.SenderID != 0 {
		snd, err := tx.SenderByID(ctx, bot.SenderID)
		if err != nil {
			return err
		}
		changed = snd.Channel != c.senderChannel
	}
	if changed {
		return problem.New(problem.Conflict, "changed_while_checking",
			"%s changed while it was being validated and tested; nothing was changed. Check it again and activate.", bot.Name)
	}
	return nil
}
