package handover_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/app"
	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testdb"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// The texts that tell a hand-back in a transcript: people hand back at
// the dialog "back", the handover timeout at the fallback after its text.
// No reply to an end user's message says either.
const (
	handoverText = "A person will answer."
	backText     = "The bot is back."
	timeoutText  = "Nobody came."
)

// propertyDesk waits for keywords; "agent" hands over. People hand back
// at "back"; the timeout resumes at the fallback with timeoutText.
func propertyDesk() *chatbot.Definition {
	return &chatbot.Definition{
		Attributes: []chatbot.Attribute{},
		Entry:      "menu", Fallback: "sorry",
		HandoverTimeout: 300, HandoverTimeoutText: timeoutText,
		Dialogs: []chatbot.Dialog{
			{ID: "menu", Name: "Menu", Elements: []chatbot.Element{
				{Type: chatbot.ElementMessage, Text: "Hours or prices?"},
				{Type: chatbot.ElementKeywords, Branches: []chatbot.Branch{
					{Keywords: []string{"hours"}, Dialog: "hours"},
					{Keywords: []string{"agent"}, Dialog: "human"},
				}},
			}},
			{ID: "hours", Name: "Hours", Elements: []chatbot.Element{{Type: chatbot.ElementMessage, Text: "9 to 5."}, {Type: chatbot.ElementGoto, Dialog: "menu"}}},
			{ID: "human", Name: "Human", Elements: []chatbot.Element{{Type: chatbot.ElementHandover, Text: handoverText}}},
			{ID: "back", Name: "Back", Elements: []chatbot.Element{{Type: chatbot.ElementMessage, Text: backText}, {Type: chatbot.ElementGoto, Dialog: "menu"}}},
			{ID: "sorry", Name: "Sorry", Elements: []chatbot.Element{{Type: chatbot.ElementMessage, Text: "Sorry?"}, {Type: chatbot.ElementGoto, Dialog: "menu"}}},
		},
		Tests: []chatbot.Test{{Name: "hands over", Turns: []chatbot.TestTurn{
			{Say: "hi", Expect: []string{"Hours or prices?"}},
			{Say: "agent", Expect: []string{handoverText}, Handover: true},
		}}},
	}
}

// world is the console under test, reopened after each simulated crash.
type world struct {
	dsn   string
	st    *store.Store
	app   *testkit.App
	clk   *tickingClock
	users map[rbac.Role]store.User
	snd   store.Sender
	bots  [2]int64
}

func (w *world) open(t *testing.T) {
	t.Helper()
	st, err := store.Open(context.Background(), w.dsn)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	a := app.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	a.Accounts.Hasher = auth.Hasher{Cost: 4}
	a.SetClock(w.clk.Now)
	w.st, w.app = st, &testkit.App{App: a, Users: w.users}
}

// crash ends the console mid-flight: the calls under way are cancelled
// (their transactions roll back or commit whole), the store closes, and
// a new console opens the same database.
func (w *world) crash(t *testing.T) {
	t.Helper()
	if err := w.st.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	w.open(t)
}

// tickingClock is a test clock that also moves a microsecond (the
// stored precision) on every reading, as a real one does: of two things
// done at once, one is later, as in production.
type tickingClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *tickingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Microsecond)
	return c.now
}

func (c *tickingClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestBotNeverAnswersHeldConversations: across random interleavings of
// end users' messages, takes, replies, hand-backs and closes by two
// people, redeploys with and without grace, grace ends, deactivations,
// sweeps, handover timeouts and crashes, on the engine of the run:
//   - the bot never answers a message of a conversation people hold: in
//     every transcript, after the handover text the bot says nothing but
//     the words of a hand-back (backText, timeoutText) until one comes;
//   - no held conversation is lost: each one the transcripts leave held
//     is open, held, listed, on a live chatbot — or was closed with a
//     handover.closed entry, or by its own session timeout while a
//     person held it;
//   - the invariants hold after every crash and every fifth step.
func TestBotNeverAnswersHeldConversations(t *testing.T) {
	for _, seed := range []uint64{7, 8} {
		t.Run("seed "+strconv.FormatUint(seed, 10), func(t *testing.T) { propertyRun(t, seed) })
	}
}

func propertyRun(t *testing.T, seed uint64) {
	ctx := context.Background()
	w := &world{dsn: testdb.DSN(t), clk: &tickingClock{now: time.Now().UTC().Truncate(time.Second)}, users: map[rbac.Role]store.User{}}
	w.open(t)
	t.Cleanup(func() { w.st.Close() })
	sys := who.System()
	for _, r := range []rbac.Role{rbac.Supervisor, rbac.Manager} {
		u, _, err := w.app.Accounts.AddUser(ctx, sys, accountsInput(r))
		if err != nil {
			t.Fatal(err)
		}
		w.users[r] = u
	}
	snd, err := w.app.Senders.Create(ctx, sys, "telegram", "prop_deskbot")
	if err != nil {
		t.Fatal(err)
	}
	w.snd = snd
	for i := range w.bots {
		c, err := w.app.Chatbots.Create(ctx, sys, chatbots.Settings{Name: fmt.Sprintf("Desk %d", i), Channel: "telegram", SenderID: snd.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.app.Chatbots.Update(ctx, sys, c.ID, chatbots.Edit{Version: c.Version, Apply: chatbots.ReplaceDefinition(propertyDesk())}); err != nil {
			t.Fatal(err)
		}
		w.bots[i] = c.ID
	}
	if _, err := w.app.Lifecycle.Activate(ctx, sys, w.bots[0], lifecycle.ActivateOptions{OverrideWarnings: true}); err != nil {
		t.Fatal(err)
	}

	r := rand.New(rand.NewPCG(seed, 19))
	texts := []string{"hi", "agent", "hours", "hello?", "agent", "thanks"}
	var held, people atomic.Int64
	crashes := 0
	for step := range 60 {
		w.clk.Advance(time.Duration(r.IntN(150)) * time.Second)
		// A few things at once: end users write, people act, the
		// lifecycle and the sweeper move.
		type op func(ctx context.Context) error
		var ops []op
		for range 2 + r.IntN(5) {
			user := "u" + strconv.Itoa(r.IntN(8))
			text := texts[r.IntN(len(texts))]
			ops = append(ops, func(ctx context.Context) error {
				out, err := w.app.Routing.Route(ctx, w.snd, user, text)
				if err == nil && out.HeldBy != "" && len(out.Replies) == 0 {
					held.Add(1)
				}
				return err
			})
		}
		list, err := w.app.Store.HeldSessions(ctx, store.HeldFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range list {
			if r.IntN(2) == 0 {
				continue
			}
			role := []rbac.Role{rbac.Supervisor, rbac.Manager}[r.IntN(2)]
			a := who.Actor{User: w.users[role], IP: "192.0.2.7"}
			id, kind := h.ID, r.IntN(4)
			ops = append(ops, func(ctx context.Context) error {
				var err error
				switch kind {
				case 0:
					_, err = w.app.Handover.Take(ctx, a, id)
				case 1:
					_, err = w.app.Handover.Reply(ctx, a, id, "A person here.")
				case 2:
					_, err = w.app.Handover.Resume(ctx, a, id, "back")
				default:
					_, err = w.app.Handover.Close(ctx, a, id)
				}
				if err == nil {
					people.Add(1)
				}
				return err
			})
		}
		switch grace := time.Duration(1+r.IntN(4)) * time.Minute; r.IntN(6) {
		case 0: // a redeploy to the other chatbot, with grace
			ops = append(ops, func(ctx context.Context) error {
				return w.redeploy(ctx, lifecycle.GraceOf(grace))
			})
		case 1: // a redeploy without grace
			ops = append(ops, func(ctx context.Context) error { return w.redeploy(ctx, lifecycle.GraceOf(0)) })
		case 2: // the sender goes quiet, then the next step brings a chatbot back
			ops = append(ops, func(ctx context.Context) error { return w.deactivate(ctx) })
		}
		ops = append(ops, func(ctx context.Context) error {
			_, err := w.app.Lifecycle.ExpireGraces(ctx)
			return err
		}, func(ctx context.Context) error {
			_, err := w.app.Lifecycle.SweepEnded(ctx)
			return err
		}, func(ctx context.Context) error {
			_, err := w.app.Routing.Sweep(ctx)
			return err
		}, func(ctx context.Context) error {
			_, err := w.app.Handover.ApplyTimeouts(ctx)
			return err
		})
		r.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })

		crash := r.IntN(8) == 0
		cctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var failures []error
		for _, o := range ops {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := o(cctx); err != nil && !expected(err, crash) {
					mu.Lock()
					failures = append(failures, err)
					mu.Unlock()
				}
			}()
		}
		if crash {
			time.Sleep(time.Duration(r.IntN(3000)) * time.Microsecond)
			cancel()
		}
		wg.Wait()
		cancel()
		for _, err := range failures {
			t.Errorf("step %d: %v", step, err)
		}
		if crash {
			crashes++
			w.crash(t)
		}
		if w.activeCount(t) == 0 && r.IntN(2) == 0 {
			if err := w.redeploy(ctx, lifecycle.GraceOf(time.Minute)); err != nil && !expected(err, false) {
				t.Fatal(err)
			}
		}
		if !crash && step%5 != 4 {
			continue // the whole-database check is slow under the race detector
		}
		// The sweeper has its turn before the check: a grace end the step
		// cancelled (a crash) or raced is applied as it would be within a
		// second (I3 allows a grace "being expired right now").
		if _, err := w.app.Lifecycle.ExpireGraces(ctx); err != nil {
			t.Fatal(err)
		}
		v, err := w.app.Store.Violations(ctx, w.clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(v) > 0 {
			t.Fatalf("step %d: invariants broken: %v", step, v)
		}
	}
	w.crash(t)
	if held.Load() == 0 || people.Load() == 0 || crashes == 0 {
		t.Fatalf("the run held %d messages, people acted %d times, %d crashes: too little to say anything", held.Load(), people.Load(), crashes)
	}
	t.Logf("%d messages to held conversations, %d things people did, %d crashes", held.Load(), people.Load(), crashes)
	w.checkTranscripts(t)
}

func accountsInput(r rbac.Role) accounts.NewUserInput {
	return accounts.NewUserInput{Email: "prop-" + r.String() + "@test.local", Name: "Prop " + r.Title(), Role: r.String(), Password: "password-prop"}
}

// expected says whether err is a refusal the random traffic may meet. In
// a step that crashes, whatever the calls under way answer is never seen
// (the process is gone): what counts is the state the console finds when
// it opens again, which the checks read.
func expected(err error, crash bool) bool {
	if crash {
		return true
	}
	_, ok := problem.As(err)
	return ok
}

func (w *world) activeCount(t *testing.T) int {
	t.Helper()
	if _, err := w.app.Store.ActiveChatbot(context.Background(), w.snd.ID); errors.Is(err, store.ErrNotFound) {
		return 0
	} else if err != nil {
		t.Fatal(err)
	}
	return 1
}

// redeploy activates whichever chatbot is inactive (ending a grace in
// the way).
func (w *world) redeploy(ctx context.Context, grace lifecycle.Grace) error {
	for _, id := range w.bots {
		c, err := w.app.Store.ChatbotByID(ctx, id)
		if err != nil {
			return err
		}
		if c.Status == store.StatusInactive {
			_, err := w.app.Lifecycle.Activate(ctx, who.System(), id, lifecycle.ActivateOptions{OverrideWarnings: true, PreviousGrace: grace, EndCurrentGrace: true})
			return err
		}
	}
	return nil
}

func (w *world) deactivate(ctx context.Context) error {
	a, err := w.app.Store.ActiveChatbot(ctx, w.snd.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = w.app.Lifecycle.Deactivate(ctx, who.System(), a.ID, lifecycle.GraceOf(0))
	return err
}

// checkTranscripts reads every session's transcript in order and checks
// the two properties (see TestBotNeverAnswersHeldConversations).
func (w *world) checkTranscripts(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	closedAudited := w.closedAudited(t)
	listed := map[int64]bool{}
	list, err := w.app.Store.HeldSessions(ctx, store.HeldFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range list {
		listed[h.ID] = true
	}
	var ids []int64
	for _, id := range w.bots {
		page, _, err := w.app.Store.ChatSessions(ctx, store.SessionFilter{ChatbotID: id, Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page {
			ids = append(ids, s.ID)
		}
	}
	sawHeld := 0
	for _, id := range ids {
		msgs, err := w.app.Store.Transcript(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		heldNow := false
		for i, m := range msgs {
			switch {
			case m.Who() == "out" && m.Text == handoverText:
				heldNow = true
				sawHeld++
			case m.Who() == "out" && heldNow && (m.Text == backText || m.Text == timeoutText):
				heldNow = false
			case m.Who() == "out" && heldNow:
				t.Fatalf("session %d: the bot said %q (message %d) while people held the conversation; transcript %s", id, m.Text, i, show(msgs))
			}
		}
		if !heldNow {
			continue
		}
		s, err := w.app.Store.ChatSessionByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case s.Open() && s.Held() && listed[id]:
		case !s.Open() && closedAudited[id]:
		case !s.Open() && s.CloseReason == store.CloseTimeout && s.HeldBy == store.HeldByPerson:
			// A person's conversation follows the session timeout.
		default:
			t.Fatalf("held conversation %d lost: %+v (listed %v, close audited %v); transcript %s", id, s, listed[id], closedAudited[id], show(msgs))
		}
	}
	if sawHeld == 0 {
		t.Fatal("no conversation was ever held")
	}
}

// closedAudited is the sessions with a handover.closed audit entry.
func (w *world) closedAudited(t *testing.T) map[int64]bool {
	t.Helper()
	rows, err := w.app.Store.R.QueryContext(context.Background(), `SELECT target_id FROM audit_log WHERE action = 'handover.closed'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.ParseInt(id, 10, 64)
		out[n] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func show(ms []store.Message) string {
	out := ""
	for _, m := range ms {
		out += "\n  " + m.Who() + ": " + m.Text
	}
	return out
}
