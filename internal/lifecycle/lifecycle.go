// Package lifecycle moves chatbots between inactive, active and
// deactivated (finishing its sessions in a grace period), following SPEC
// §3. Every transition is one transaction with its audit entries; the
// database's partial unique indexes and triggers (I1, I2, I4) back the
// checks made here, so a race between two managers ends in a clean refusal.
package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/handover"
	"github.com/answers-console/answers/internal/plural"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// Codes of the refusals the console handles itself.
const (
	CodeValidationErrors   = "validation_errors"   // Details: the findings
	CodeValidationWarnings = "validation_warnings" // Details: the findings; an override reason lets it pass
	CodeNeedsGraceChoice   = "open_sessions_need_a_choice"
)

// Audit actions of the lifecycle.
const (
	ActionActivated   = "chatbot.activated"
	ActionDeactivated = "chatbot.deactivated"
	ActionGraceEnded  = "chatbot.grace_ended"
	ActionOverride    = "chatbot.validation_overridden"
)

// MaxGrace is the longest grace period.
const MaxGrace = 30 * 24 * time.Hour

// Service is the lifecycle service.
type Service struct {
	Store *store.Store
	Now   func() time.Time
	// Transitioned is told of each transition that committed (metrics).
	Transitioned func(action string)
	// runTests runs conversation tests; nil is chatbot.RunTests (tests
	// watch it).
	runTests func(*chatbot.Definition) []chatbot.TestResult
}

// MaxReasonRunes bounds the reason for overriding warnings: the release
// (immutable, kept forever) and the audit log store it cut to this, marked
// with "…"; the activation dialog says so beside the field.
const MaxReasonRunes = 500

// capReason trims a reason and cuts it to MaxReasonRunes.
func capReason(s string) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= MaxReasonRunes {
		return s
	}
	r := []rune(s)
	return string(r[:MaxReasonRunes-1]) + "…"
}

// count reports a committed transition.
func (s *Service) count(action string, err error) {
	if err == nil && s.Transitioned != nil {
		s.Transitioned(action)
	}
}

// New makes the service.
func New(st *store.Store) *Service { return &Service{Store: st, Now: time.Now} }

// ActivateOptions are the choices of the activation dialog.
type ActivateOptions struct {
	// OverrideWarnings activates despite validation warnings ("Activate
	// anyway"); Reason says why, for the audit log.
	OverrideWarnings bool
	Reason           string
	// PreviousGrace is the grace period for the chatbot being replaced on
	// the sender: GraceOf(0) closes its sessions now; left unstated, a
	// redeploy over open sessions is refused.
	PreviousGrace Grace
	// EndCurrentGrace confirms ending the grace of the sender's deactivated
	// chatbot, when a redeploy would make a second one.
	EndCurrentGrace bool
	// Plan is the fingerprint of the plan the dialog showed (see Plan); if
	// it no longer matches, nothing is applied. Empty: not checked.
	Plan string
}

// load reads a chatbot inside a transition's transaction.
func load(ctx context.Context, tx *store.Tx, id int64) (store.Chatbot, error) {
	bot, err := tx.ChatbotByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return bot, problem.New(problem.NotFound, chatbots.CodeNotFound, "No such chatbot.")
	}
	return bot, err
}

// Activate puts an inactive chatbot live on its sender (manager+).
//
// Validation and the conversation tests run first, outside any lock (the
// tests within the budget of one test run), and their run is recorded as
// the chatbot's last; the transaction then only checks that the chatbot is
// still the version checked (else 409 changed_while_checking, nothing
// changed) and stores the results computed before in the release.
func (s *Service) Activate(ctx context.Context, a who.Actor, id int64, opt ActivateOptions) (store.Chatbot, error) {
	if err := a.Require(rbac.ActivateChatbots, "activate chatbots"); err != nil {
		return store.Chatbot{}, err
	}
	if err := CheckGrace(opt.PreviousGrace.Duration()); err != nil {
		return store.Chatbot{}, err
	}
	first, err := s.Store.ChatbotByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Chatbot{}, problem.New(problem.NotFound, chatbots.CodeNotFound, "No such chatbot.")
	} else if err != nil {
		return store.Chatbot{}, err
	}
	var c checked
	if first.Status == store.StatusInactive {
		if c, err = s.check(ctx, s.Store, first); err != nil {
			return store.Chatbot{}, err
		}
		if len(c.def.Tests) > 0 {
			if err := chatbots.RecordTests(ctx, s.Store, a, id, c.def, c.results, s.Now().UTC()); err != nil {
				return store.Chatbot{}, err
			}
		}
	}
	var out store.Chatbot
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		now := s.Now().UTC()
		bot, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.checkPlan(ctx, tx, bot, opt.Plan); err != nil {
			return err
		}
		if bot.Status != store.StatusInactive {
			return problem.New(problem.Conflict, "not_inactive", "%s is already %s; only an inactive chatbot can be activated.", bot.Name, bot.Status)
		}
		if c.def == nil {
			// It was not inactive when checked: it changed since.
			return problem.New(problem.Conflict, "changed_while_checking",
				"%s changed while it was being validated and tested; nothing was changed. Check it again and activate.", bot.Name)
		}
		if err := stillChecked(ctx, tx, bot, c); err != nil {
			return err
		}
		findings := c.findings
		if errs := chatbot.Errors(findings); len(errs) > 0 {
			return &problem.Error{Kind: problem.Invalid, Code: CodeValidationErrors, Details: chatbot.Details(findings),
				Message: fmt.Sprintf("%s has %s; fix %s before activating.", bot.Name, plural.Count(len(errs), "validation error"), plural.Verb(len(errs), "it", "them"))}
		}
		warns := chatbot.Warnings(findings)
		if len(warns) > 0 && !opt.OverrideWarnings {
			return &problem.Error{Kind: problem.Invalid, Code: CodeValidationWarnings, Details: chatbot.Details(findings),
				Message: fmt.Sprintf("%s has %s; tick \"Activate anyway\" to activate despite %s.", bot.Name, plural.Count(len(warns), "validation warning"), plural.Verb(len(warns), "it", "them"))}
		}
		if err := s.makeRoom(ctx, tx, a, bot, opt, now); err != nil {
			return err
		}
		if err := tx.SetChatbotStatus(ctx, bot.ID, store.StatusActive, time.Time{}, now); err != nil {
			return raced(err)
		}
		rel, err := s.release(ctx, tx, a, bot, c, warns, opt.Reason, now)
		if err != nil {
			return err
		}
		details := map[string]any{"before": map[string]any{"status": bot.Status}, "after": map[string]any{"status": store.StatusActive},
			"release": rel.Number, "definition_hash": rel.DefinitionHash}
		if len(warns) > 0 {
			details["overridden_warnings"] = chatbot.Details(warns)
			details["reason"] = capReason(opt.Reason)
			if err := s.audit(ctx, tx, a.Entry(ActionOverride, "chatbot", bot.ID, bot.Name, map[string]any{
				"warnings": chatbot.Details(warns), "reason": capReason(opt.Reason)}), now); err != nil {
				return err
			}
		}
		if err := s.audit(ctx, tx, a.Entry(ActionActivated, "chatbot", bot.ID, bot.Name, details), now); err != nil {
			return err
		}
		if err := settleHeld(ctx, tx, a, bot.SenderID, now); err != nil {
			return err
		}
		out, err = tx.ChatbotByID(ctx, bot.ID)
		return err
	})
	s.count(ActionActivated, err)
	return out, raced(err)
}

// makeRoom applies the redeploy rules to the sender before bot goes live.
func (s *Service) makeRoom(ctx context.Context, tx *store.Tx, a who.Actor, bot store.Chatbot, opt ActivateOptions, now time.Time) error {
	prev, err := tx.ActiveChatbot(ctx, bot.SenderID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // first activation on this sender
	} else if err != nil {
		return err
	}
	open, err := tx.CountOpenSessions(ctx, prev.ID)
	if err != nil {
		return err
	}
	if err := needChoice(opt.PreviousGrace, prev.Name, open); err != nil {
		return err
	}
	grace := opt.PreviousGrace.Duration()
	if grace == 0 {
		return s.stop(ctx, tx, a, prev, store.CloseDeactivated, ActionDeactivated, now, map[string]any{"replaced_by": bot.ID})
	}
	draining, err := tx.DeactivatedChatbot(ctx, bot.SenderID)
	if err == nil && !now.Before(draining.GraceEndsAt) {
		// Its grace is over; the sweeper just has not got to it yet. Like
		// every cascade, the entry names the activation that caused it.
		if err := s.stop(ctx, tx, a, draining, store.CloseGraceEnded, ActionGraceEnded, now, map[string]any{"ended_early": false, "replaced_by": bot.ID}); err != nil {
			return err
		}
	} else if err == nil {
		if !opt.EndCurrentGrace {
			open, _ := tx.CountOpenSessions(ctx, draining.ID)
			return &problem.Error{Kind: problem.Conflict, Code: "grace_in_progress",
				Details: map[string]any{"chatbot_id": draining.ID, "open_sessions": open, "grace_ends_at": draining.GraceEndsAt},
				Message: fmt.Sprintf("%s is still finishing %s until %s. Confirm ending its grace now to redeploy with a grace period.",
					draining.Name, plural.Count(open, "open session"), draining.GraceEndsAt.Format(time.RFC3339))}
		}
		if err := s.stop(ctx, tx, a, draining, store.CloseSuperseded, ActionGraceEnded, now, map[string]any{"ended_early": true, "replaced_by": bot.ID}); err != nil {
			return err
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := tx.SetChatbotStatus(ctx, prev.ID, store.StatusDeactivated, now.Add(grace), now); err != nil {
		return raced(err)
	}
	return s.audit(ctx, tx, a.Entry(ActionDeactivated, "chatbot", prev.ID, prev.Name, map[string]any{
		"before": map[string]any{"status": prev.Status}, "after": map[string]any{"status": store.StatusDeactivated},
		"grace_ends_at": now.Add(grace).Format(time.RFC3339), "open_sessions": open, "replaced_by": bot.ID,
	}), now)
}

// stop makes a chatbot inactive, closing its open sessions with reason.
// The close is logical (store.Tx.EndChatbotSessions): the chatbot's row
// records the end and every reader sees the sessions closed now, whatever
// their number; the sweeper rewrites the rows afterwards (SweepEnded).
func (s *Service) stop(ctx context.Context, tx *store.Tx, a who.Actor, c store.Chatbot, reason, action string, now time.Time, extra map[string]any) error {
	closed, err := tx.EndChatbotSessions(ctx, c.ID, reason, now)
	if errors.Is(err, store.ErrNotFound) {
		return raced(store.ErrSenderBusy) // it went inactive meanwhile
	} else if err != nil {
		return raced(err)
	}
	details := map[string]any{"before": map[string]any{"status": c.Status}, "after": map[string]any{"status": store.StatusInactive},
		"sessions_closed": closed, "close_reason": reason}
	for k, v := range extra {
		details[k] = v
	}
	return s.audit(ctx, tx, a.Entry(action, "chatbot", c.ID, c.Name, details), now)
}

// Deactivate takes an active chatbot off its sender (manager+). Any other
// chatbot of the sender still in grace ends now too. With grace 0 the
// chatbot's sessions close now; otherwise it finishes them until the grace
// ends. An unstated grace is refused when the chatbot has open sessions.
func (s *Service) Deactivate(ctx context.Context, a who.Actor, id int64, grace Grace) (store.Chatbot, error) {
	return s.DeactivatePlanned(ctx, a, id, grace, "")
}

// DeactivatePlanned is Deactivate as confirmed in the dialog that showed
// plan: if the plan changed meanwhile, nothing is applied.
func (s *Service) DeactivatePlanned(ctx context.Context, a who.Actor, id int64, stated Grace, plan string) (store.Chatbot, error) {
	if err := a.Require(rbac.ActivateChatbots, "deactivate chatbots"); err != nil {
		return store.Chatbot{}, err
	}
	grace := stated.Duration()
	if err := CheckGrace(grace); err != nil {
		return store.Chatbot{}, err
	}
	var out store.Chatbot
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		now := s.Now().UTC()
		bot, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.checkPlan(ctx, tx, bot, plan); err != nil {
			return err
		}
		if bot.Status != store.StatusActive {
			return problem.New(problem.Conflict, "not_active", "%s is %s; only an active chatbot can be deactivated.", bot.Name, bot.Status)
		}
		open, err := tx.CountOpenSessions(ctx, bot.ID)
		if err != nil {
			return err
		}
		if err := needChoice(stated, bot.Name, open); err != nil {
			return err
		}
		if other, err := tx.DeactivatedChatbot(ctx, bot.SenderID); err == nil {
			reason, early := store.CloseSuperseded, now.Before(other.GraceEndsAt)
			if !early {
				reason = store.CloseGraceEnded // its grace was over; the sweeper had not got to it
			}
			if err := s.stop(ctx, tx, a, other, reason, ActionGraceEnded, now, map[string]any{"ended_early": early, "cascade_from": bot.ID}); err != nil {
				return err
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if grace == 0 {
			if err := s.stop(ctx, tx, a, bot, store.CloseDeactivated, ActionDeactivated, now, nil); err != nil {
				return err
			}
		} else {
			if err := tx.SetChatbotStatus(ctx, bot.ID, store.StatusDeactivated, now.Add(grace), now); err != nil {
				return raced(err)
			}
			if err := s.audit(ctx, tx, a.Entry(ActionDeactivated, "chatbot", bot.ID, bot.Name, map[string]any{
				"before": map[string]any{"status": bot.Status}, "after": map[string]any{"status": store.StatusDeactivated},
				"grace_ends_at": now.Add(grace).Format(time.RFC3339), "open_sessions": open,
			}), now); err != nil {
				return err
			}
		}
		if err := settleHeld(ctx, tx, a, bot.SenderID, now); err != nil {
			return err
		}
		out, err = tx.ChatbotByID(ctx, bot.ID)
		return err
	})
	s.count(ActionDeactivated, err)
	return out, raced(err)
}

// EndGrace ends a deactivated chatbot's grace now (manager+, or the system
// when the grace runs out): it becomes inactive and its sessions close.
//
// It is one short transaction whatever the number of sessions: the close
// is logical (see stop), and the sweeper rewrites the rows afterwards in
// small batches (SweepEnded), so routing on other senders goes on.
func (s *Service) EndGrace(ctx context.Context, a who.Actor, id int64) (store.Chatbot, error) {
	if err := a.Require(rbac.ActivateChatbots, "end grace periods"); err != nil {
		return store.Chatbot{}, err
	}
	var out store.Chatbot
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		now := s.Now().UTC()
		bot, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if bot.Status != store.StatusDeactivated {
			return problem.New(problem.Conflict, "not_deactivated", "%s is %s; only a deactivated chatbot has a grace period to end.", bot.Name, bot.Status)
		}
		reason := store.CloseGraceEnded
		early := now.Before(bot.GraceEndsAt)
		if early && a.System {
			// The sweeper read an older grace end; this one is not due.
			return problem.New(problem.Conflict, "not_due", "The grace of %s is not over yet.", bot.Name)
		}
		if early {
			reason = store.CloseSuperseded
		}
		extra := map[string]any{"ended_early": early, "grace_ends_at": bot.GraceEndsAt.Format(time.RFC3339)}
		if err := s.stop(ctx, tx, a, bot, reason, ActionGraceEnded, now, extra); err != nil {
			return err
		}
		if err := settleHeld(ctx, tx, a, bot.SenderID, now); err != nil {
			return err
		}
		out, err = tx.ChatbotByID(ctx, bot.ID)
		return err
	})
	s.count(ActionGraceEnded, err)
	return out, raced(err)
}

// ExpireGraces ends every grace period that has run out; it returns how
// many it ended. The sweeper calls it; routing never serves an expired
// grace even before it runs.
func (s *Service) ExpireGraces(ctx context.Context) (int, error) {
	due, err := s.Store.GracesDue(ctx, s.Now().UTC())
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, id := range due {
		// Each chatbot on its own: one failing grace end does not hold
		// up the others.
		if _, err := s.EndGrace(ctx, who.System(), id); err != nil {
			if p, ok := problem.As(err); ok && (p.Code == "not_deactivated" || p.Code == "not_due") {
				continue // someone ended or extended it meanwhile
			}
			errs = append(errs, fmt.Errorf("grace end of chatbot %d: %w", id, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// settleHeld keeps the conversations people hold on the sender with
// people once a transition stopped one of its chatbots (SPEC §11): they
// move to the sender's active chatbot, or their close is audited (see
// handover.SettleHeld).
func settleHeld(ctx context.Context, tx *store.Tx, a who.Actor, senderID int64, now time.Time) error {
	_, err := handover.SettleHeld(ctx, tx, a, senderID, now)
	return err
}

func (s *Service) audit(ctx context.Context, tx *store.Tx, e audit.Entry, now time.Time) error {
	e.At = now
	_, err := tx.AppendAudit(ctx, e)
	return err
}

// raced turns a constraint violation (another manager acted at the same
// moment) into a clean refusal.
func raced(err error) error {
	if errors.Is(err, store.ErrSenderBusy) || errors.Is(err, store.ErrOpenSessions) {
		return problem.New(problem.Conflict, "concurrent_change", "The sender changed while this was being applied; nothing was changed. Reload and try again.")
	}
	return err
}

// release stores the snapshot bot is activated with: the definition c
// checked (stillChecked made sure it is bot's), its warnings, and the
// conversation tests' results c computed before the transaction (a
// failing test is an error that blocks activation), so that the release's
// page shows what was proven when it went live.
func (s *Service) release(ctx context.Context, tx *store.Tx, a who.Actor, bot store.Chatbot, c checked, warns []chatbot.Finding, reason string, now time.Time) (store.Release, error) {
	report, err := json.Marshal(chatbot.Details(warns))
	if err != nil {
		return store.Release{}, err
	}
	tests, err := json.Marshal(c.results)
	if err != nil {
		return store.Release{}, err
	}
	by := a.User.Email
	if a.System {
		by = "system"
	}
	return tx.CreateRelease(ctx, store.Release{
		ChatbotID: bot.ID, Definition: c.def.JSON(), DefinitionHash: c.def.Hash(), Report: report,
		OverrideReason: capReason(reason), ActivatedByID: a.User.ID, ActivatedBy: by, ActivatedAt: now,
		TestResults: tests,
	})
}

// SweepBatch is how many session rows one transaction of the sweep
// rewrites: small, so that a routed message queued behind it (group
// commit) waits for a few milliseconds at most.
const SweepBatch = 200

// sweepPause is the longest the sweep rests between two batches; it rests
// as long as the batch took, up to this, so that it works half of the
// time at most (the writer on SQLite, the CPU beside the routing batches
// on PostgreSQL) and routing goes first.
const sweepPause = 250 * time.Millisecond

// SweepEnded rewrites the session rows of chatbots whose sessions ended
// logically (see stop) until none is left, and returns how many rows it
// rewrote; see SweepEndedFor.
func (s *Service) SweepEnded(ctx context.Context) (int64, error) {
	var total int64
	for {
		n, more, err := s.SweepEndedFor(ctx, 0)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

// SweepEndedFor rewrites the session rows of chatbots whose sessions ended
// logically (see stop), SweepBatch rows per transaction, each batch its
// own short transaction queued with the routed messages and followed by a
// rest (sweepPause). Readers already saw these sessions closed: the
// rewrite stores the same time and reason, and counts them into the
// rollups and session.closed events. It stops once budget has passed (0:
// no budget) and says whether rows are left, so that the sweeper, which
// calls it on the leader, still meets the next grace deadline within a
// second while 100,000 rows are being rewritten.
func (s *Service) SweepEndedFor(ctx context.Context, budget time.Duration) (total int64, more bool, err error) {
	ids, err := s.Store.EndingChatbots(ctx)
	if err != nil {
		return 0, false, err
	}
	began := time.Now()
	var errs []error
	for _, id := range ids {
		for {
			var n int64
			start := time.Now()
			err := s.Store.InBatch(ctx, func(ctx context.Context, tx *store.Tx) error {
				var err error
				n, err = tx.SweepEndedSessions(ctx, id, SweepBatch)
				return err
			})
			total += n
			if err != nil {
				errs = append(errs, fmt.Errorf("sweeping the sessions of chatbot %d: %w", id, err))
				break
			}
			if n < SweepBatch {
				break
			}
			if budget > 0 && time.Since(began) >= budget {
				return total, true, errors.Join(errs...)
			}
			t := time.NewTimer(min(time.Since(start), sweepPause))
			select {
			case <-ctx.Done():
				t.Stop()
				return total, true, ctx.Err()
			case <-t.C:
			}
		}
	}
	return total, false, errors.Join(errs...)
}
