package routing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/store"
)

// Set-oriented routing. Route hands each message to the store's batch
// runner as a job of batchRunner (store.SetRunner), which routes a whole
// batch at once: it reads every job's latest session in one query (on
// PostgreSQL locking them, in id order), the chatbots once each, runs
// the dialog engine, refuses the jobs it must (no active chatbot, a
// broken state) before it writes anything, and then writes the batch a
// statement or a few per kind: the stale sessions' closes, the new
// sessions, the continued sessions, the transcript, the completions. The
// rollups are gathered for the batch and written once at its commit. An
// end user with two messages in one batch has them routed in two rounds,
// the second seeing what the first wrote.

// job is one message routed by batchRunner, and what routing it did.
type job struct {
	snd           store.Sender
	endUser, text string
	input         chatbot.Input
	out           Outcome
	opened        bool
}

// batchRunner routes the jobs of a batch (see above).
type batchRunner struct{ s *Service }

// routeSet is one try of Route on the set-oriented path.
func (s *Service) routeSet(ctx context.Context, snd store.Sender, endUser, text string, input chatbot.Input) (Outcome, bool, error) {
	j := &job{snd: snd, endUser: endUser, text: text, input: input}
	err := s.Store.InBatchSet(ctx, conversationKey(snd.ID, endUser), batchRunner{s}, j)
	return j.out, j.opened, err
}

// RunSet implements store.SetRunner.
func (r batchRunner) RunSet(ctx context.Context, tx *store.Tx, items []any) ([]error, error) {
	jobs := make([]*job, len(items))
	for i, it := range items {
		jobs[i] = it.(*job)
		jobs[i].out, jobs[i].opened = Outcome{}, false // a batch that failed to serialize runs again
	}
	errs := make([]error, len(jobs))
	pending := make([]int, len(jobs))
	for i := range pending {
		pending[i] = i
	}
	for len(pending) > 0 {
		// A round takes each end user's first waiting message.
		var round, later []int
		seen := map[store.SessionKey]bool{}
		for _, i := range pending {
			k := store.SessionKey{SenderID: jobs[i].snd.ID, EndUser: jobs[i].endUser}
			if seen[k] {
				later = append(later, i)
				continue
			}
			seen[k] = true
			round = append(round, i)
		}
		if err := r.s.routeRound(ctx, tx, jobs, round, errs); err != nil {
			return nil, err
		}
		pending = later
	}
	return errs, nil
}

// plan is what routing one job will write.
type plan struct {
	i   int // the job's index
	now time.Time
	// closePrev: the end user's open session that may not go on, closed
	// with prevReason at prevAt.
	closePrev      int64
	prevReason     string
	prevAt         time.Time
	sess           store.ChatSession
	bot            store.Chatbot
	res            chatbot.Result
	told           *ClosedNotice
	opened, closed bool
	// wait is how long a handover this message ran waits for a person.
	wait time.Duration
}

// roundCache holds what a round reads once for all its jobs.
type roundCache struct {
	bots    map[int64]store.Chatbot
	active  map[int64]activeBot
	notices map[int64]string
}

type activeBot struct {
	bot     store.Chatbot
	release int64
	err     error
}

// routeRound routes jobs[round] (one per end user) in tx, setting errs of
// the refused ones; an error fails the batch.
func (s *Service) routeRound(ctx context.Context, tx *store.Tx, jobs []*job, round []int, errs []error) error {
	keys := make([]store.SessionKey, len(round))
	for k, i := range round {
		keys[k] = store.SessionKey{SenderID: jobs[i].snd.ID, EndUser: jobs[i].endUser}
	}
	latest, err := tx.LockLatestChatSessions(ctx, keys)
	if err != nil {
		return err
	}
	c := &roundCache{bots: map[int64]store.Chatbot{}, active: map[int64]activeBot{}, notices: map[int64]string{}}
	plans := make([]*plan, 0, len(round))
	for k, i := range round {
		p, err := s.plan(ctx, tx, c, jobs[i], latest[keys[k]])
		var refused refusal
		switch {
		case errors.As(err, &refused):
			errs[i] = refused.err
		case err != nil:
			return err
		default:
			p.i = i
			plans = append(plans, p)
		}
	}
	// Every refusal is known: now the writes.
	for _, p := range plans {
		if p.closePrev != 0 {
			if err := tx.CloseChatSession(ctx, p.closePrev, p.prevReason, p.prevAt); err != nil {
				return err
			}
		}
	}
	var fresh []store.ChatSession
	for _, p := range plans {
		if p.opened {
			fresh = append(fresh, p.sess)
		}
	}
	created, err := tx.CreateChatSessions(ctx, fresh)
	if err != nil {
		return err
	}
	var saved []store.ChatSession
	kept := plans[:0]
	for _, p := range plans {
		if p.opened {
			p.sess, created = created[0], created[1:]
			if p.sess.ID == 0 {
				// Another replica opened the end user's session first
				// (I5): this message routes again.
				errs[p.i] = store.ErrSessionOpen
				continue
			}
		} else {
			saved = append(saved, p.sess)
		}
		kept = append(kept, p)
	}
	plans = kept
	if err := tx.SaveChatSessions(ctx, saved); err != nil {
		return err
	}
	var msgs []store.Message
	for _, p := range plans {
		j := jobs[p.i]
		msgs = append(msgs, store.Message{SessionID: p.sess.ID, ChatbotID: p.bot.ID, Direction: "in", Text: j.text, At: p.now,
			Entered: p.res.Entered, FallbackHits: p.res.FallbackHits, Branch: p.res.Branch})
		for _, r := range p.res.Replies {
			msgs = append(msgs, store.Message{SessionID: p.sess.ID, ChatbotID: p.bot.ID, Direction: "out", Text: r, At: p.now})
		}
	}
	if err := tx.AddMessages(ctx, msgs); err != nil {
		return err
	}
	for _, p := range plans {
		if p.res.Handover != nil {
			if err := hold(ctx, tx, p.sess, p.bot, p.res.Handover, p.now, p.wait); err != nil {
				return err
			}
		}
	}
	// The sessions the engine closed, by reason. Each was just saved with
	// its last activity at its message's time, which is when it closes:
	// one statement closes them all at the earliest of those times or
	// their own, whichever is later.
	closes := map[string][]int64{}
	var earliest time.Time
	for _, p := range plans {
		tx.CountTraffic(store.Traffic{ChatbotID: p.bot.ID, ReleaseID: p.sess.ReleaseID, At: p.now, Opened: p.opened,
			Inbound: 1, Outbound: len(p.res.Replies), FallbackHits: p.res.FallbackHits, Entered: p.res.Entered})
		if p.closed {
			reason := store.CloseCompleted
			if p.res.StepLimit {
				reason = store.CloseStepLimit
				s.Log.Warn("step limit reached", "chatbot_id", p.bot.ID, "session_id", p.sess.ID)
			}
			closes[reason] = append(closes[reason], p.sess.ID)
			if earliest.IsZero() || p.now.Before(earliest) {
				earliest = p.now
			}
		}
		j := jobs[p.i]
		j.opened = p.opened
		j.out = Outcome{SessionID: p.sess.ID, ChatbotID: p.bot.ID, Replies: p.res.Replies, Choices: p.res.Choices, SessionClosed: p.closed, PreviousSessionClosed: p.told,
			HeldBy: heldBy(p.sess, p.res)}
		if j.out.Replies == nil {
			j.out.Replies = []string{}
		}
	}
	for _, reason := range []string{store.CloseCompleted, store.CloseStepLimit} {
		if err := tx.CloseChatSessions(ctx, closes[reason], reason, earliest); err != nil {
			return err
		}
	}
	return nil
}

// refusal is a job's own error: the job is refused, the batch goes on.
type refusal struct{ err error }

func (r refusal) Error() string { return r.err.Error() }

// plan works out what routing j writes, given the end user's latest
// session (zero if none), without writing: the same decisions as route.
func (s *Service) plan(ctx context.Context, tx *store.Tx, c *roundCache, j *job, latest store.ChatSession) (p *plan, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, refusal{fmt.Errorf("panic in a batched transaction: %v", r)}
		}
	}()
	p = &plan{now: s.Now().UTC()}
	ok, ended := false, ""
	var state chatbot.State
	switch {
	case latest.ID == 0:
	case !latest.Open():
		ended = latest.CloseReason
	default:
		bot, err := c.bot(ctx, tx, latest.ChatbotID)
		if err != nil {
			return nil, err
		}
		if reason, at := stale(latest, bot, p.now); reason != "" {
			p.closePrev, p.prevReason, p.prevAt, ended = latest.ID, reason, at, reason
			break
		}
		if err := json.Unmarshal(latest.State, &state); err != nil {
			return nil, refusal{err}
		}
		ok, p.sess, p.bot = true, latest, bot
		if p.sess.LastActivityAt.After(p.now) {
			// Never date a message before the session's last one (see
			// route).
			p.now = p.sess.LastActivityAt
		}
	}
	switch {
	case ok && p.sess.Held():
		// People hold the conversation: the message is stored, the bot
		// does not answer (SPEC §11). This is read under the session's
		// lock, in the transaction that stores the message.
		p.res = heldResult(state)
	case ok:
		prog, err := s.defs.get(ctx, tx, p.bot)
		if err != nil {
			return nil, refusal{err}
		}
		p.res = prog.ContinueInput(state, j.input)
		p.wait = prog.Definition().HandoverWait()
	default:
		a := c.activeBot(ctx, tx, j.snd.ID)
		if errors.Is(a.err, store.ErrNotFound) {
			return nil, refusal{errNoActive}
		} else if a.err != nil {
			return nil, a.err
		}
		p.bot = a.bot
		prog, err := s.defs.get(ctx, tx, p.bot)
		if err != nil {
			return nil, refusal{err}
		}
		p.res = prog.Start()
		p.wait = prog.Definition().HandoverWait()
		if toldReason(ended) {
			text, err := c.notice(ctx, tx, p.bot.ID)
			if err != nil {
				return nil, err
			}
			p.told = &ClosedNotice{Reason: ended, Notice: text}
			p.res.Replies = append([]string{text}, p.res.Replies...)
		}
		p.sess = store.ChatSession{SenderID: j.snd.ID, ChatbotID: p.bot.ID, ReleaseID: a.release, EndUser: j.endUser, OpenedAt: p.now}
		p.opened = true
	}
	if p.sess.State, err = json.Marshal(p.res.State); err != nil {
		return nil, refusal{err}
	}
	p.sess.Inbound++
	p.sess.Outbound += len(p.res.Replies)
	p.sess = withActivity(p.sess, p.now, p.bot.SessionTimeout)
	if p.sess.HeldBy == store.HeldByWaiting {
		p.sess.ExpiresAt = latest.ExpiresAt // the handover deadline stands
	}
	p.closed = p.res.Closed || p.res.StepLimit
	return p, nil
}

func (c *roundCache) bot(ctx context.Context, tx *store.Tx, id int64) (store.Chatbot, error) {
	if b, ok := c.bots[id]; ok {
		return b, nil
	}
	b, err := tx.RoutingChatbot(ctx, id)
	if err != nil {
		return b, err
	}
	c.bots[id] = b
	return b, nil
}

func (c *roundCache) activeBot(ctx context.Context, tx *store.Tx, senderID int64) activeBot {
	if a, ok := c.active[senderID]; ok {
		return a
	}
	var a activeBot
	a.bot, a.release, a.err = tx.ActiveRoutingChatbot(ctx, senderID)
	if a.err == nil || errors.Is(a.err, store.ErrNotFound) {
		c.active[senderID] = a
	}
	return a
}

func (c *roundCache) notice(ctx context.Context, tx *store.Tx, botID int64) (string, error) {
	if text, ok := c.notices[botID]; ok {
		return text, nil
	}
	text, err := tx.ClosedNotice(ctx, botID)
	if err != nil {
		return "", err
	}
	if text == "" {
		text = DefaultClosedNotice
	}
	c.notices[botID] = text
	return text, nil
}
