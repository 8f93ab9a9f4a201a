// Package handover is people in the loop (SPEC §11): the conversations a
// handover element passed from the bot to people, and what people do with
// them — list, read, take, reply, hand back to the bot, close — with the
// same permission checks for the console and the JSON API.
//
// Who holds a conversation is part of its session (store.ChatSession
// HeldBy): HeldByWaiting after a handover element ran, HeldByPerson once
// someone took it, HeldByBot otherwise. Routing stores an end user's
// messages to a held conversation and never lets the bot answer them
// (internal/routing, held.go); this service changes the holder under the
// session's lock, each change in one transaction with its audit entry
// (and so its webhook event).
//
// The rules:
//   - every call needs rbac.WorkConversations (supervisor and up);
//   - Take takes a waiting conversation; of two people taking it at once
//     one wins, the other is told who holds it (CodeTaken);
//   - only the person holding a conversation replies to it, hands it back
//     or closes it; a waiting one may be handed back or closed by anyone
//     who may work conversations;
//   - a reply is stored as an outbound message with its author, published
//     to the web chat's live streams, and for a sender on another channel
//     written as a signed message.outbound webhook event for the gateway;
//   - Resume hands the conversation back to the bot at the entry or a
//     dialog of its chatbot: the dialog runs at once, and its replies reach
//     the end user as a person's do;
//   - a waiting conversation that nobody takes within its chatbot's
//     handover timeout goes back to the bot at the fallback dialog with a
//     message, or closes, as the definition says (ApplyTimeouts, run by
//     the sweeper); a person's conversation follows the session timeout
//     from its last message;
//   - a lifecycle change that stops a chatbot moves the conversations
//     people hold, still held, to the sender's active chatbot, and closes
//     them (audited, so the person is told) when there is none
//     (SettleHeld, called by internal/lifecycle in its transaction).
package handover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// EventMessageOutbound is the webhook event of a message to an end user
// that did not come back as the answer to an inbound message: a person's
// reply, or the bot's words when a conversation goes back to it. The
// gateway of a non-livechat sender delivers it.
const EventMessageOutbound = "message.outbound"

// MaxReplyRunes bounds a person's message, as routing bounds an end
// user's.
const MaxReplyRunes = 4096

// Refusal codes (problem.Error.Code).
const (
	CodeNotFound   = "conversation_not_found"
	CodeNotHeld    = "not_held"     // the bot holds it (or it is closed)
	CodeTaken      = "already_held" // someone else holds it; the message names them
	CodeNotHolder  = "not_holder"   // only the person holding it may do that
	CodeTakeFirst  = "take_first"   // a waiting conversation is replied to once taken
	CodeClosed     = "closed"       // the conversation is closed
	CodeBadDialog  = "unknown_dialog"
	CodeBadHeldBy  = "invalid_held_by"
	CodeEmptyReply = "invalid_text"
)

// Service is people's side of held conversations.
type Service struct {
	Store *store.Store
	Now   func() time.Time
	// Published is called after a change that added messages to the
	// conversation of endUser on sender senderID committed: the web
	// chat's live streams read them (live.Hub.Publish). Nil: nobody.
	Published func(senderID int64, endUser string)
}

// New makes the service.
func New(st *store.Store) *Service { return &Service{Store: st, Now: time.Now} }

// Conversation is a held conversation as a list shows it.
type Conversation struct {
	store.HeldSession
	// Waited is how long it has waited for a person (waiting) or has been
	// held by its person (person), at the time of the list.
	Waited time.Duration
}

// Filter narrows List.
type Filter struct {
	HeldBy string // store.HeldByWaiting, store.HeldByPerson or "" for both
	Queue  string // "" for every queue
	Mine   bool   // only those the actor holds
}

// Check says what is wrong with a filter, or nil.
func (f *Filter) Check() error {
	f.HeldBy = strings.TrimSpace(f.HeldBy)
	f.Queue = strings.TrimSpace(f.Queue)
	switch {
	case f.HeldBy != "" && f.HeldBy != store.HeldByWaiting && f.HeldBy != store.HeldByPerson:
		return &problem.Error{Kind: problem.Invalid, Code: CodeBadHeldBy, Field: "held_by",
			Message: fmt.Sprintf("held_by must be %q or %q (or absent for both).", store.HeldByWaiting, store.HeldByPerson)}
	case utf8.RuneCountInString(f.Queue) > chatbot.MaxQueueRunes:
		return problem.Field("queue", "A queue name has at most %d characters.", chatbot.MaxQueueRunes)
	}
	return nil
}

func require(a who.Actor) error {
	return a.Require(rbac.WorkConversations, "work conversations")
}

// List returns the open conversations people hold or that wait for
// them, longest waiting first (at most store.MaxHeldList).
func (s *Service) List(ctx context.Context, a who.Actor, f Filter) ([]Conversation, error) {
	if err := require(a); err != nil {
		return nil, err
	}
	if err := f.Check(); err != nil {
		return nil, err
	}
	sf := store.HeldFilter{HeldBy: f.HeldBy, Queue: f.Queue}
	if f.Mine {
		sf.UserID, sf.HeldBy = a.User.ID, store.HeldByPerson
		if a.User.ID == 0 {
			return []Conversation{}, nil
		}
	}
	list, err := s.Store.HeldSessions(ctx, sf)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	out := make([]Conversation, 0, len(list))
	for _, h := range list {
		out = append(out, Conversation{HeldSession: h, Waited: max(0, now.Sub(h.HeldSince))})
	}
	return out, nil
}

// Counts are the numbers a navigation badge shows.
type Counts struct {
	Waiting int // conversations waiting for a person
	Mine    int // conversations the actor holds
}

// Count returns the actor's counts.
func (s *Service) Count(ctx context.Context, a who.Actor) (Counts, error) {
	if err := require(a); err != nil {
		return Counts{}, err
	}
	waiting, _, err := s.Store.CountHeld(ctx, 0)
	if err != nil {
		return Counts{}, err
	}
	c := Counts{Waiting: waiting}
	if a.User.ID != 0 {
		mine, err := s.Store.HeldSessions(ctx, store.HeldFilter{HeldBy: store.HeldByPerson, UserID: a.User.ID})
		if err != nil {
			return Counts{}, err
		}
		c.Mine = len(mine)
	}
	return c, nil
}

// Detail is one conversation with its transcript.
type Detail struct {
	Session store.ChatSession
	// ChatbotName, Channel and SenderAddress say where it runs.
	ChatbotName   string
	Channel       string
	SenderAddress string
	// HolderName is the name of the person holding it ("" unless
	// HeldByPerson).
	HolderName string
	// Note is the note of the handover that passed it to people, for the
	// person ("" if none).
	Note string
	// Dialogs are the chatbot's dialogs, for a hand-back at one of them.
	Dialogs []chatbot.Dialog
	// Entry is the chatbot's entry dialog.
	Entry string
	// Transcript is every message: the end user's, the bot's and people's
	// (store.Message.Who).
	Transcript []store.Message
}

// Get returns a session with its transcript, people's messages included.
// Any session may be read (a held one, or one that went back to the bot
// or closed).
func (s *Service) Get(ctx context.Context, a who.Actor, id int64) (Detail, error) {
	if err := require(a); err != nil {
		return Detail{}, err
	}
	sess, err := s.Store.ChatSessionByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Detail{}, notFound(id)
	}
	if err != nil {
		return Detail{}, err
	}
	d := Detail{Session: sess}
	bot, err := s.Store.ChatbotByID(ctx, sess.ChatbotID)
	if err != nil {
		return Detail{}, err
	}
	d.ChatbotName, d.Channel = bot.Name, bot.Channel
	if def, err := chatbot.Parse(bot.Definition); err == nil {
		d.Dialogs, d.Entry = def.Dialogs, def.Entry
	}
	snd, err := s.Store.SenderByID(ctx, sess.SenderID)
	if err != nil {
		return Detail{}, err
	}
	d.SenderAddress = snd.Address
	if sess.HeldUserID != 0 {
		u, err := s.Store.UserByID(ctx, sess.HeldUserID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return Detail{}, err
		}
		d.HolderName = u.Name
	}
	if d.Transcript, err = s.Store.Transcript(ctx, id); err != nil {
		return Detail{}, err
	}
	if sess.Held() {
		d.Note, err = s.Store.HandoverNote(ctx, id)
		if err != nil {
			return Detail{}, err
		}
	}
	return d, nil
}

func notFound(id int64) error {
	return problem.New(problem.NotFound, CodeNotFound, "There is no conversation %d.", id)
}

// locked loads session id under its lock for a change by a, refusing one
// that is closed or that the bot holds.
func (s *Service) locked(ctx context.Context, tx *store.Tx, id int64) (store.ChatSession, error) {
	sess, err := tx.LockChatSession(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return sess, notFound(id)
	}
	if err != nil {
		return sess, err
	}
	switch {
	case !sess.Open():
		return sess, problem.New(problem.Conflict, CodeClosed, "Conversation %d is closed (%s); nothing was changed.", id, sess.CloseReason)
	case !sess.Held():
		return sess, problem.New(problem.Conflict, CodeNotHeld, "The chatbot holds conversation %d: it is not waiting for a person; nothing was changed.", id)
	}
	return sess, nil
}

// holderName is the name (or email) of the person holding sess.
func holderName(ctx context.Context, tx *store.Tx, sess store.ChatSession) string {
	u, err := tx.UserByID(ctx, sess.HeldUserID)
	switch {
	case err != nil:
		return "user " + strconv.FormatInt(sess.HeldUserID, 10)
	case u.Name != "":
		return u.Name
	}
	return u.Email
}

// mayChange refuses a change of sess by a when a person other than a
// holds it.
func mayChange(ctx context.Context, tx *store.Tx, a who.Actor, sess store.ChatSession, what string) error {
	if sess.HeldBy == store.HeldByPerson && !a.System && sess.HeldUserID != a.User.ID {
		return problem.New(problem.Conflict, CodeNotHolder, "%s holds conversation %d; only they may %s it.", holderName(ctx, tx, sess), sess.ID, what)
	}
	return nil
}

// Take gives a waiting conversation to the actor. Of two people taking
// it at once, one wins; the other is refused with CodeTaken, naming who
// holds it. Taking one's own conversation again changes nothing.
func (s *Service) Take(ctx context.Context, a who.Actor, id int64) (store.ChatSession, error) {
	if err := require(a); err != nil {
		return store.ChatSession{}, err
	}
	if a.User.ID == 0 {
		return store.ChatSession{}, problem.New(problem.Forbidden, "forbidden", "Only a person can take a conversation.")
	}
	var out store.ChatSession
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		now := s.Now().UTC()
		sess, err := s.locked(ctx, tx, id)
		if err != nil {
			return err
		}
		if sess.HeldBy == store.HeldByPerson {
			if sess.HeldUserID == a.User.ID {
				out = sess
				return nil
			}
			return problem.New(problem.Conflict, CodeTaken, "%s already took conversation %d.", holderName(ctx, tx, sess), id)
		}
		timeout, err := sessionTimeout(ctx, tx, sess)
		if err != nil {
			return err
		}
		ok, err := tx.TakeChatSession(ctx, id, a.User.ID, now, later(sess.LastActivityAt, now).Add(timeout))
		if err != nil {
			return err
		}
		if !ok {
			// Only a conditional update decides; under the lock this is
			// another replica's take that committed between the read and
			// the update, which the lock rules out, but say so plainly.
			again, err := tx.ChatSessionByID(ctx, id)
			if err != nil {
				return err
			}
			return problem.New(problem.Conflict, CodeTaken, "%s already took conversation %d.", holderName(ctx, tx, again), id)
		}
		if err := s.audit(ctx, tx, a, audit.ActionHandoverTaken, sess, now, map[string]any{
			"queue": sess.Queue, "waited_seconds": int64(now.Sub(sess.HeldSince).Seconds()),
		}); err != nil {
			return err
		}
		out, err = tx.ChatSessionByID(ctx, id)
		return err
	})
	return out, err
}

// Reply sends a person's message to the end user of a conversation they
// hold. It is stored in the transcript as an outbound message with its
// author, reaches the web chat live, and for other channels is written as
// a message.outbound webhook event, in the same transaction.
func (s *Service) Reply(ctx context.Context, a who.Actor, id int64, text string) (store.Message, error) {
	if err := require(a); err != nil {
		return store.Message{}, err
	}
	switch {
	case strings.TrimSpace(text) == "":
		return store.Message{}, &problem.Error{Kind: problem.Invalid, Code: CodeEmptyReply, Field: "text", Message: "Write a message first."}
	case !utf8.ValidString(text) || utf8.RuneCountInString(text) > MaxReplyRunes:
		return store.Message{}, &problem.Error{Kind: problem.Invalid, Code: CodeEmptyReply, Field: "text",
			Message: fmt.Sprintf("A message is at most %d characters of UTF-8 text.", MaxReplyRunes)}
	}
	var out store.Message
	var sess store.ChatSession
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		now := s.Now().UTC()
		var err error
		if sess, err = s.locked(ctx, tx, id); err != nil {
			return err
		}
		if sess.HeldBy == store.HeldByWaiting {
			return problem.New(problem.Conflict, CodeTakeFirst, "Conversation %d is waiting for a person: take it before you reply.", id)
		}
		if sess.HeldUserID != a.User.ID {
			return problem.New(problem.Conflict, CodeNotHolder, "%s holds conversation %d; only they may reply.", holderName(ctx, tx, sess), id)
		}
		timeout, err := sessionTimeout(ctx, tx, sess)
		if err != nil {
			return err
		}
		at := later(sess.LastActivityAt, now)
		out = store.Message{SessionID: id, ChatbotID: sess.ChatbotID, Direction: "out", Text: text, At: at, AuthorID: a.User.ID, Author: a.User.Name}
		if out.ID, err = tx.AddMessage(ctx, out); err != nil {
			return err
		}
		if err := tx.TouchHeldSession(ctx, id, at, at.Add(timeout)); err != nil {
			return err
		}
		tx.CountTraffic(store.Traffic{ChatbotID: sess.ChatbotID, ReleaseID: sess.ReleaseID, At: at, Outbound: 1})
		return s.outbound(ctx, tx, sess, []store.Message{out})
	})
	if err != nil {
		return store.Message{}, err
	}
	s.publish(sess)
	return out, nil
}

// Resumed is what a hand-back did.
type Resumed struct {
	Session store.ChatSession
	// Replies are what the bot said as it took the conversation back (the
	// dialog it resumed at ran at once).
	Replies []string
}

// Resume hands a held conversation back to the bot at dialog ("" for the
// entry) of its chatbot: the dialog runs at once and its replies go to
// the end user as a person's do. The bot answers the end user's next
// message as usual.
func (s *Service) Resume(ctx context.Context, a who.Actor, id int64, dialog string) (Resumed, error) {
	if err := require(a); err != nil {
		return Resumed{}, err
	}
	dialog = strings.TrimSpace(dialog)
	var out Resumed
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		now := s.Now().UTC()
		sess, err := s.locked(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := mayChange(ctx, tx, a, sess, "hand back"); err != nil {
			return err
		}
		out, err = s.resume(ctx, tx, a, sess, dialog, "", now, nil)
		return err
	})
	if err != nil {
		return Resumed{}, err
	}
	s.publish(out.Session)
	return out, nil
}

// resume hands sess back to the bot at dialog after text (see Resume).
func (s *Service) resume(ctx context.Context, tx *store.Tx, a who.Actor, sess store.ChatSession, dialog, text string, now time.Time, extra map[string]any) (Resumed, error) {
	bot, err := tx.ChatbotByID(ctx, sess.ChatbotID)
	if err != nil {
		return Resumed{}, err
	}
	def, err := chatbot.Parse(bot.Definition)
	if err != nil {
		return Resumed{}, err
	}
	prog := chatbot.Prepare(def)
	if dialog != "" && !prog.HasDialog(dialog) {
		return Resumed{}, &problem.Error{Kind: problem.Invalid, Code: CodeBadDialog, Field: "dialog",
			Message: fmt.Sprintf("%s has no dialog %q; hand back at the entry or one of its dialogs.", bot.Name, dialog)}
	}
	var state chatbot.State
	if len(sess.State) > 0 {
		_ = unmarshalState(sess.State, &state) // a broken state resumes from nothing
	}
	res := prog.Resume(state, dialog, text)
	at := later(sess.LastActivityAt, now)
	stateJSON, err := marshalState(res.State)
	if err != nil {
		return Resumed{}, err
	}
	if err := tx.ReleaseChatSession(ctx, sess.ID, stateJSON, at, at.Add(bot.SessionTimeout), len(res.Replies)); err != nil {
		return Resumed{}, err
	}
	msgs := make([]store.Message, 0, len(res.Replies))
	for _, r := range res.Replies {
		m := store.Message{SessionID: sess.ID, ChatbotID: sess.ChatbotID, Direction: "out", Text: r, At: at}
		if m.ID, err = tx.AddMessage(ctx, m); err != nil {
			return Resumed{}, err
		}
		msgs = append(msgs, m)
	}
	tx.CountTraffic(store.Traffic{ChatbotID: sess.ChatbotID, ReleaseID: sess.ReleaseID, At: at, Outbound: len(res.Replies),
		FallbackHits: res.FallbackHits, Entered: res.Entered})
	details := map[string]any{"dialog": dialog, "replies": len(res.Replies), "was_held_by": sess.HeldBy}
	if dialog == "" {
		details["dialog"] = def.Entry
	}
	for k, v := range extra {
		details[k] = v
	}
	if err := s.audit(ctx, tx, a, audit.ActionHandoverResumed, sess, at, details); err != nil {
		return Resumed{}, err
	}
	if err := s.outbound(ctx, tx, sess, msgs); err != nil {
		return Resumed{}, err
	}
	switch {
	case res.Handover != nil:
		// The dialog handed over again: it waits for a person anew.
		if err := tx.HoldChatSession(ctx, sess.ID, res.Handover.Queue, res.Handover.Note, at, at.Add(def.HandoverWait())); err != nil {
			return Resumed{}, err
		}
		if err := s.audit(ctx, tx, who.System(), audit.ActionHandoverRequested, sess, at, map[string]any{
			"session_id": sess.ID, "chatbot_id": sess.ChatbotID, "sender_id": sess.SenderID, "end_user": sess.EndUser,
			"queue": res.Handover.Queue, "note": res.Handover.Note, "dialog": res.Handover.Dialog, "element": res.Handover.Index + 1,
			"waits_until": at.Add(def.HandoverWait()).Format(time.RFC3339),
		}); err != nil {
			return Resumed{}, err
		}
	case res.Closed || res.StepLimit:
		reason := store.CloseCompleted
		if res.StepLimit {
			reason = store.CloseStepLimit
		}
		if err := tx.CloseChatSession(ctx, sess.ID, reason, at); err != nil {
			return Resumed{}, err
		}
	}
	after, err := tx.ChatSessionByID(ctx, sess.ID)
	if err != nil {
		return Resumed{}, err
	}
	if res.Replies == nil {
		res.Replies = []string{}
	}
	return Resumed{Session: after, Replies: res.Replies}, nil
}

// Close closes a held conversation (completed). The end user's next
// message opens a new conversation with the bot.
func (s *Service) Close(ctx context.Context, a who.Actor, id int64) (store.ChatSession, error) {
	if err := require(a); err != nil {
		return store.ChatSession{}, err
	}
	var out store.ChatSession
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		now := s.Now().UTC()
		sess, err := s.locked(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := mayChange(ctx, tx, a, sess, "close"); err != nil {
			return err
		}
		out, err = s.close(ctx, tx, a, sess, store.CloseCompleted, now, nil)
		return err
	})
	if err != nil {
		return store.ChatSession{}, err
	}
	s.publish(out)
	return out, nil
}

func (s *Service) close(ctx context.Context, tx *store.Tx, a who.Actor, sess store.ChatSession, reason string, now time.Time, extra map[string]any) (store.ChatSession, error) {
	if err := tx.CloseChatSession(ctx, sess.ID, reason, now); err != nil {
		return store.ChatSession{}, err
	}
	details := map[string]any{"close_reason": reason, "was_held_by": sess.HeldBy}
	for k, v := range extra {
		details[k] = v
	}
	if err := s.audit(ctx, tx, a, audit.ActionHandoverClosed, sess, now, details); err != nil {
		return store.ChatSession{}, err
	}
	return tx.ChatSessionByID(ctx, sess.ID)
}

// ApplyTimeouts hands back to the bot, or closes, the conversations that
// waited for a person past their handover deadline, as each chatbot's
// definition says. The sweeper runs it (on the leader); each
// conversation is its own transaction. It returns how many it handled.
func (s *Service) ApplyTimeouts(ctx context.Context) (int, error) {
	const batch = 100
	ids, err := s.Store.OverdueWaiting(ctx, s.Now().UTC(), batch)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		var sess store.ChatSession
		done := false
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			now := s.Now().UTC()
			var err error
			sess, err = tx.LockChatSession(ctx, id)
			if err != nil {
				return err
			}
			// Taken, handed back or closed meanwhile: nothing to do.
			if !sess.Open() || sess.HeldBy != store.HeldByWaiting || now.Before(sess.ExpiresAt) {
				done = false
				return nil
			}
			bot, err := tx.ChatbotByID(ctx, sess.ChatbotID)
			if err != nil {
				return err
			}
			def, err := chatbot.Parse(bot.Definition)
			if err != nil {
				def = &chatbot.Definition{} // closes: nothing to resume at
			}
			extra := map[string]any{"timeout": true, "waited_seconds": int64(sess.ExpiresAt.Sub(sess.HeldSince).Seconds())}
			at := sess.ExpiresAt
			if def.HandoverTimeoutAction() == chatbot.HandoverClose || len(def.Dialogs) == 0 {
				sess, err = s.close(ctx, tx, who.System(), sess, store.CloseTimeout, at, extra)
			} else {
				var r Resumed
				r, err = s.resume(ctx, tx, who.System(), sess, def.Fallback, def.HandoverTimeoutMessage(), now, extra)
				sess = r.Session
			}
			done = err == nil
			return err
		})
		if err != nil {
			return n, err
		}
		if done {
			n++
			s.publish(sess)
		}
	}
	return n, nil
}

// SettleHeld keeps the conversations people hold on sender senderID with
// people after a lifecycle change in tx stopped a chatbot of it: they
// move, still held, to the sender's active chatbot; with none, they stay
// closed with their chatbot's end, and each close is audited as
// handover.closed (a webhook event), so that the person holding it is
// told. The end user is told on their next message, as for every session
// such a change closes (previous_session_closed). internal/lifecycle
// calls it at the end of each transition's transaction.
func SettleHeld(ctx context.Context, tx *store.Tx, a who.Actor, senderID int64, now time.Time) (moved int, err error) {
	if senderID == 0 {
		return 0, nil
	}
	mv, closed, err := tx.RehomeHeldSessions(ctx, senderID)
	if err != nil {
		return 0, err
	}
	for _, h := range closed {
		if err := appendAudit(ctx, tx, a, audit.ActionHandoverClosed, h.ChatSession, now, map[string]any{
			"close_reason": h.CloseReason, "was_held_by": h.HeldBy, "lifecycle": true,
			"why": "its chatbot stopped and no chatbot is active on the sender",
		}); err != nil {
			return 0, err
		}
	}
	return len(mv), nil
}

func (s *Service) audit(ctx context.Context, tx *store.Tx, a who.Actor, action string, sess store.ChatSession, at time.Time, details map[string]any) error {
	return appendAudit(ctx, tx, a, action, sess, at, details)
}

func appendAudit(ctx context.Context, tx *store.Tx, a who.Actor, action string, sess store.ChatSession, at time.Time, details map[string]any) error {
	if details == nil {
		details = map[string]any{}
	}
	details["session_id"], details["chatbot_id"], details["sender_id"], details["end_user"] = sess.ID, sess.ChatbotID, sess.SenderID, sess.EndUser
	e := a.Entry(action, "session", sess.ID, sess.EndUser, details)
	e.At = at
	_, err := tx.AppendAudit(ctx, e)
	return err
}

// outbound writes a message.outbound webhook event for each of msgs when
// the conversation's sender is not a livechat one (the web chat gets
// them through its live stream).
func (s *Service) outbound(ctx context.Context, tx *store.Tx, sess store.ChatSession, msgs []store.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	snd, err := tx.SenderByID(ctx, sess.SenderID)
	if err != nil {
		return err
	}
	if snd.Channel == "livechat" {
		return nil
	}
	for _, m := range msgs {
		data := map[string]any{
			"session_id": sess.ID, "message_id": m.ID, "chatbot_id": sess.ChatbotID,
			"sender":   map[string]any{"id": snd.ID, "channel": snd.Channel, "address": snd.Address},
			"end_user": sess.EndUser, "text": m.Text, "at": m.At.UTC().Format(time.RFC3339Nano),
		}
		if m.AuthorID != 0 {
			data["author"] = map[string]any{"type": "person", "id": m.AuthorID, "name": m.Author}
		} else {
			data["author"] = map[string]any{"type": "bot"}
		}
		if err := tx.AddWebhookEvent(ctx, EventMessageOutbound, m.At.UTC().Format(audit.TimeFormat), data, snd.ID, 0); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) publish(sess store.ChatSession) {
	if s.Published != nil && sess.ID != 0 {
		s.Published(sess.SenderID, sess.EndUser)
	}
}

// sessionTimeout is the session timeout of sess's chatbot.
func sessionTimeout(ctx context.Context, tx *store.Tx, sess store.ChatSession) (time.Duration, error) {
	bot, err := tx.RoutingChatbot(ctx, sess.ChatbotID)
	if err != nil {
		return 0, err
	}
	return bot.SessionTimeout, nil
}

func unmarshalState(b []byte, st *chatbot.State) error { return json.Unmarshal(b, st) }

func marshalState(st chatbot.State) ([]byte, error) { return json.Marshal(st) }

// later is the later of two times: a message is never dated before the
// conversation's last one.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
