// Package routing routes end users' messages to chatbots: it finds or opens
// the end user's session on a sender, runs the dialog engine, stores the
// transcript, and closes sessions that time out.
//
// Routing holds the invariants of SPEC §3 on every message, whatever the
// sweeper has done yet: an open session continues only while its chatbot
// may serve it (active, or deactivated with its grace not yet over, I6) and
// it has not timed out; otherwise it is closed with its reason and a new
// session opens on the sender's active chatbot.
package routing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/ratelimit"
	"github.com/answers-console/answers/internal/senders"
	"github.com/answers-console/answers/internal/store"
)

// Limits on inbound messages.
const (
	MaxTextRunes    = 4096
	MaxEndUserRunes = 256
)

// Service is the runtime.
type Service struct {
	Store *store.Store
	Now   func() time.Time
	Log   *slog.Logger
	// Routed is called after each routed message (metrics).
	Routed func(replies int, opened, closed bool)
	// Delivered is called after a message of endUser on sender senderID
	// and its replies committed (the web chat's live streams).
	Delivered func(senderID int64, endUser string)
	// Limit caps the messages each sender receives per second; nil means
	// no cap. It holds for the inbound API and the web chat alike.
	Limit *ratelimit.Limiter
	defs  definitions
	// perJob routes each message as a function of its own in the batch,
	// in a savepoint (route), instead of a batch at once (routeSet): the
	// path before set-oriented batches, kept for the differential test.
	perJob bool
}

// DefaultRate is the default cap on inbound messages per sender and
// second: generous (a WhatsApp number tops out at 1,000 a second), so that
// only a runaway gateway or a flood meets it.
const DefaultRate = 1000

// New makes the runtime.
func New(st *store.Store) *Service {
	return &Service{Store: st, Now: time.Now, Log: slog.Default()}
}

// definitions keeps prepared definitions by chatbot and version: a live
// chatbot cannot be edited, so its definition is parsed and prepared
// (keywords normalised, dialogs indexed) once, not on every message.
type definitions struct {
	mu sync.Mutex
	m  map[[2]int64]*chatbot.Program
}

// maxCachedDefinitions bounds the cache; it starts over when full.
const maxCachedDefinitions = 4096

// get returns the definition of bot (loaded without it, see
// store.RoutingChatbot) at its version.
func (d *definitions) get(ctx context.Context, tx *store.Tx, bot store.Chatbot) (*chatbot.Program, error) {
	key := [2]int64{bot.ID, bot.Version}
	d.mu.Lock()
	prog := d.m[key]
	d.mu.Unlock()
	if prog != nil {
		return prog, nil
	}
	text, version, err := tx.ChatbotDefinition(ctx, bot.ID)
	if err != nil {
		return nil, err
	}
	if version != bot.Version {
		return nil, fmt.Errorf("chatbot %d changed while routing", bot.ID)
	}
	def, err := chatbot.Parse(text)
	if err != nil {
		return nil, err
	}
	prog = chatbot.Prepare(def)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil || len(d.m) >= maxCachedDefinitions {
		d.m = map[[2]int64]*chatbot.Program{}
	}
	d.m[key] = prog
	return prog, nil
}

// Inbound is a message from an end user, as a channel gateway posts it.
type Inbound struct {
	Channel string `json:"channel"`
	Sender  string `json:"sender"`
	From    string `json:"from"`
	Text    string `json:"text"`
}

// Outcome is what routing a message did.
type Outcome struct {
	SessionID     int64    `json:"session_id"`
	ChatbotID     int64    `json:"chatbot_id"`
	Replies       []string `json:"replies"`
	Choices       []string `json:"choices"` // the options of the last reply (a buttons element's labels); [] when none
	SessionClosed bool     `json:"session_closed"`
	// PreviousSessionClosed is set when this message opened a new session
	// because the end user's previous one was closed by a deactivation, a
	// grace end or a cascade; its notice is the first reply.
	PreviousSessionClosed *ClosedNotice `json:"previous_session_closed,omitempty"`
	// HeldBy says who holds the conversation after this message when
	// people do (SPEC §11): store.HeldByWaiting (a handover ran, now or
	// before, and nobody took it yet) or store.HeldByPerson. Absent while
	// the bot holds it. A held conversation gets no replies from the bot.
	HeldBy string `json:"held_by,omitempty"`
}

// ClosedNotice tells an end user why their previous conversation ended.
type ClosedNotice struct {
	Reason string `json:"reason"`
	Notice string `json:"notice"`
}

// DefaultClosedNotice is the notice of a chatbot that has no wording of
// its own.
const DefaultClosedNotice = "Our previous conversation was closed while we updated this service, so we are starting a new one."

// toldReasons are the close reasons an end user did not cause and is told
// about: the operator's deactivation, the grace's end, a cascade.
func toldReason(reason string) bool {
	return reason == store.CloseDeactivated || reason == store.CloseGraceEnded || reason == store.CloseSuperseded
}

// Check says what is wrong with an inbound message, or nil.
func (in *Inbound) Check() error {
	in.Channel = strings.ToLower(strings.TrimSpace(in.Channel))
	in.Sender = strings.TrimSpace(in.Sender)
	in.From = strings.TrimSpace(in.From)
	switch {
	case !senders.ValidChannel(in.Channel):
		return problem.Field("channel", "channel must be one of %s.", strings.Join(senders.Channels, ", "))
	case in.Sender == "":
		return problem.Field("sender", "sender (the address the end user wrote to) is required.")
	case in.From == "":
		return problem.Field("from", "from (the end user's address) is required.")
	case utf8.RuneCountInString(in.From) > MaxEndUserRunes:
		return problem.Field("from", "from is longer than %d characters.", MaxEndUserRunes)
	case strings.TrimSpace(in.Text) == "":
		return problem.Field("text", "text is required.")
	case utf8.RuneCountInString(in.Text) > MaxTextRunes:
		return problem.Field("text", "text is longer than %d characters.", MaxTextRunes)
	case !utf8.ValidString(in.From):
		return problem.Field("from", "from must be UTF-8.")
	case !utf8.ValidString(in.Text):
		return problem.Field("text", "text must be UTF-8.")
	}
	return nil
}

// Receive routes a message posted with a sender's inbound key.
func (s *Service) Receive(ctx context.Context, in Inbound, key string) (Outcome, error) {
	if err := in.Check(); err != nil {
		return Outcome{}, err
	}
	// An unknown sender is answered as a wrong key is: whoever has no key
	// must not learn which senders exist.
	badKey := problem.New(problem.Unauthorized, "bad_inbound_key", "The X-Inbound-Key header is missing or wrong for this sender.")
	snd, err := s.Store.InboundSender(ctx, in.Channel, in.Sender)
	if errors.Is(err, store.ErrNotFound) {
		return Outcome{}, badKey
	}
	if err != nil {
		return Outcome{}, err
	}
	if !senders.KeyMatches(snd, key) {
		return Outcome{}, badKey
	}
	return s.Route(ctx, snd, in.From, in.Text)
}

// Codes of the refusals a web chat words for its visitor.
const (
	CodeNoActiveChatbot = "no_active_chatbot"
	CodeRateLimited     = "rate_limited"
)

var errNoActive = problem.New(problem.Conflict, CodeNoActiveChatbot, "No chatbot is active on this sender, so the message was not answered.")

// Route delivers a message from endUser on sender snd (already
// authenticated) and returns the replies. The session, the transcript, the
// state and the rollups commit together.
func (s *Service) Route(ctx context.Context, snd store.Sender, endUser, text string) (Outcome, error) {
	endUser = strings.TrimSpace(endUser)
	switch {
	case strings.TrimSpace(text) == "":
		return Outcome{}, problem.Field("text", "Write a message first.")
	case utf8.RuneCountInString(text) > MaxTextRunes || !utf8.ValidString(text):
		return Outcome{}, problem.Field("text", "A message is at most %d characters of UTF-8 text.", MaxTextRunes)
	case endUser == "" || utf8.RuneCountInString(endUser) > MaxEndUserRunes || !utf8.ValidString(endUser):
		return Outcome{}, problem.Field("from", "The end user's address must be 1 to %d characters.", MaxEndUserRunes)
	}
	if ok, wait := s.Limit.Allow(snd.ID); !ok {
		return Outcome{}, &problem.Error{Kind: problem.TooMany, Code: CodeRateLimited, RetryAfter: wait,
			Message: fmt.Sprintf("The sender %s gets more than %g messages a second, its limit; this one was not routed. Try again in a moment.", snd.Address, s.Limit.PerSecond()),
			Details: map[string]any{"limit_per_second": s.Limit.PerSecond(), "retry_after_ms": wait.Milliseconds()}}
	}
	var out Outcome
	var opened bool
	var err error
	// What the engine works out from the text alone it works out here,
	// before the writer, where every other sender's message waits.
	input := chatbot.ReadInput(text)
	// On PostgreSQL batches run side by side: an end user's two first
	// messages routed at once both find no session, and the second to
	// open one is refused by I5; two batches may also lock two sessions
	// in opposite orders, and PostgreSQL ends one as a deadlock. Either
	// way that message was refused before its batch wrote anything for
	// it (or, a deadlock, its whole batch was rolled back), and it
	// routes again.
	once := s.routeSet
	if s.perJob {
		once = s.route
	}
	for try := 0; try < 5; try++ {
		if out, opened, err = once(ctx, snd, endUser, text, input); !errors.Is(err, store.ErrSessionOpen) && !store.Retryable(err) {
			break
		}
	}
	if err == nil && s.Routed != nil {
		s.Routed(len(out.Replies), opened, out.SessionClosed)
	}
	if err == nil && s.Delivered != nil {
		s.Delivered(snd.ID, endUser)
	}
	return out, err
}

// route is one try of Route.
func (s *Service) route(ctx context.Context, snd store.Sender, endUser, text string, input chatbot.Input) (Outcome, bool, error) {
	var out Outcome
	var opened bool
	// Messages share transactions (group commit): the reply goes out only
	// once the transaction holding the message, the session and the
	// rollups has committed.
	err := s.Store.InBatchFor(ctx, conversationKey(snd.ID, endUser), func(ctx context.Context, tx *store.Tx) error {
		now := s.Now().UTC()
		opened = false
		sess, bot, state, ok, ended, err := s.continuable(ctx, tx, snd, endUser, now)
		if err != nil {
			return err
		}
		if ok && sess.LastActivityAt.After(now) {
			// Never date a message before the session's last one: on
			// PostgreSQL another replica (or a batch beside this one) may
			// have read its clock later but locked the session first.
			now = sess.LastActivityAt
		}
		var res chatbot.Result
		var told *ClosedNotice
		var wait time.Duration
		switch {
		case ok && sess.Held():
			res = heldResult(state)
		case ok:
			prog, err := s.defs.get(ctx, tx, bot)
			if err != nil {
				return err
			}
			res = prog.ContinueInput(state, input)
			wait = prog.Definition().HandoverWait()
		default:
			var release int64
			if bot, release, err = tx.ActiveRoutingChatbot(ctx, snd.ID); errors.Is(err, store.ErrNotFound) {
				return errNoActive
			} else if err != nil {
				return err
			}
			prog, err := s.defs.get(ctx, tx, bot)
			if err != nil {
				return err
			}
			res = prog.Start()
			wait = prog.Definition().HandoverWait()
			if told, err = s.closedNotice(ctx, tx, bot.ID, ended); err != nil {
				return err
			}
			if told != nil {
				res.Replies = append([]string{told.Notice}, res.Replies...)
			}
			sess = store.ChatSession{SenderID: snd.ID, ChatbotID: bot.ID, ReleaseID: release, EndUser: endUser, OpenedAt: now}
			opened = true
		}
		if sess.State, err = json.Marshal(res.State); err != nil {
			return err
		}
		sess.Inbound++
		sess.Outbound += len(res.Replies)
		deadline := sess.ExpiresAt
		sess = withActivity(sess, now, bot.SessionTimeout)
		if sess.HeldBy == store.HeldByWaiting {
			sess.ExpiresAt = deadline // the handover deadline stands
		}
		if opened {
			sess, err = tx.CreateChatSession(ctx, sess)
		} else {
			err = tx.SaveChatSession(ctx, sess)
		}
		if err != nil {
			return err
		}
		msgs := make([]store.Message, 0, 1+len(res.Replies))
		msgs = append(msgs, store.Message{SessionID: sess.ID, ChatbotID: bot.ID, Direction: "in", Text: text, At: now,
			Entered: res.Entered, FallbackHits: res.FallbackHits, Branch: res.Branch})
		for _, r := range res.Replies {
			msgs = append(msgs, store.Message{SessionID: sess.ID, ChatbotID: bot.ID, Direction: "out", Text: r, At: now})
		}
		if err := tx.AddMessages(ctx, msgs); err != nil {
			return err
		}
		if res.Handover != nil {
			if err := hold(ctx, tx, sess, bot, res.Handover, now, wait); err != nil {
				return err
			}
		}
		tx.CountTraffic(store.Traffic{ChatbotID: bot.ID, ReleaseID: sess.ReleaseID, At: now, Opened: opened,
			Inbound: 1, Outbound: len(res.Replies), FallbackHits: res.FallbackHits, Entered: res.Entered})
		closed := res.Closed || res.StepLimit
		if closed {
			reason := store.CloseCompleted
			if res.StepLimit {
				reason = store.CloseStepLimit
				s.Log.Warn("step limit reached", "chatbot_id", bot.ID, "session_id", sess.ID)
			}
			if err := tx.CloseChatSession(ctx, sess.ID, reason, now); err != nil {
				return err
			}
		}
		out = Outcome{SessionID: sess.ID, ChatbotID: bot.ID, Replies: res.Replies, Choices: res.Choices, SessionClosed: closed, PreviousSessionClosed: told,
			HeldBy: heldBy(sess, res)}
		if out.Replies == nil {
			out.Replies = []string{}
		}
		return nil
	})
	return out, opened, err
}

func withActivity(sess store.ChatSession, now time.Time, timeout time.Duration) store.ChatSession {
	sess.LastActivityAt = now
	sess.ExpiresAt = now.Add(timeout)
	return sess
}

// closedNotice is the notice for an end user whose previous session
// ended for reason, or nil if that is not a reason they are told about.
func (s *Service) closedNotice(ctx context.Context, tx *store.Tx, botID int64, reason string) (*ClosedNotice, error) {
	if !toldReason(reason) {
		return nil, nil
	}
	text, err := tx.ClosedNotice(ctx, botID)
	if err != nil {
		return nil, err
	}
	if text == "" {
		text = DefaultClosedNotice
	}
	return &ClosedNotice{Reason: reason, Notice: text}, nil
}

// conversationKey names an end user on a sender, for InBatchFor.
func conversationKey(senderID int64, endUser string) uint64 {
	h := fnv.New64a()
	_, _ = fmt.Fprintf(h, "%d\x00%s", senderID, endUser) // a hash does not fail
	return h.Sum64()
}

// continuable finds the end user's open session and says whether it may go
// on. A session that may not is closed here. When there is none to go on
// with, ended is how the end user's previous session ended: the reason
// routing just closed it with, or the one it was closed with before (""
// if they never had one).
func (s *Service) continuable(ctx context.Context, tx *store.Tx, snd store.Sender, endUser string, now time.Time) (sess store.ChatSession, bot store.Chatbot, state chatbot.State, ok bool, ended string, err error) {
	sess, err = tx.LockLatestChatSession(ctx, snd.ID, endUser)
	if errors.Is(err, store.ErrNotFound) {
		return store.ChatSession{}, bot, state, false, "", nil
	}
	if err != nil {
		return sess, bot, state, false, "", err
	}
	if !sess.Open() {
		return store.ChatSession{}, bot, state, false, sess.CloseReason, nil
	}
	if bot, err = tx.RoutingChatbot(ctx, sess.ChatbotID); err != nil {
		return sess, bot, state, false, "", err
	}
	if reason, closeAt := stale(sess, bot, now); reason != "" {
		return store.ChatSession{}, bot, state, false, reason, tx.CloseChatSession(ctx, sess.ID, reason, closeAt)
	}
	if err := json.Unmarshal(sess.State, &state); err != nil {
		return sess, bot, state, false, "", err
	}
	return sess, bot, state, true, "", nil
}

// stale says why an open session of bot may not go on at now, and when
// it closed: "" if it may go on.
//
// A conversation people hold is not ended by its chatbot's grace
// running out before the grace end is applied: the bot does not answer
// it anyway, and applying the grace end moves it, still held, to the
// sender's active chatbot (store.Tx.RehomeHeldSessions). Nor does a
// waiting one time out here: its expires_at is its handover deadline,
// which the handover service applies (back to the bot, or closed).
func stale(sess store.ChatSession, bot store.Chatbot, now time.Time) (reason string, closeAt time.Time) {
	switch {
	case bot.Status == store.StatusDeactivated && !now.Before(bot.GraceEndsAt) && !sess.Held():
		// The grace period is over, even if the sweeper has not run yet.
		return store.CloseGraceEnded, now
	case bot.SessionsEnding():
		// Its sessions ended (a grace end, a deactivation): the row is
		// closed already for every reader, at that end with its reason;
		// the sweeper has not rewritten it yet. Store what they saw.
		return bot.SessionsEndReason, bot.SessionsEndAt
	case bot.Status == store.StatusInactive:
		return store.CloseDeactivated, now
	case !now.Before(sess.ExpiresAt) && sess.HeldBy != store.HeldByWaiting:
		return store.CloseTimeout, sess.ExpiresAt
	}
	return "", time.Time{}
}

// Sweep closes sessions whose timeout has passed, in batches so that
// routing never waits long behind it. It returns how many it closed.
func (s *Service) Sweep(ctx context.Context) (int64, error) {
	const batch = 1000
	var total int64
	for {
		var n int64
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			var err error
			n, err = tx.CloseExpiredSessions(ctx, s.Now().UTC(), batch)
			return err
		})
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
}
