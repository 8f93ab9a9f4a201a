package routing_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/routing"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// clock is the test clock of these tests.
type clock = testkit.Clock

var t0 = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

// newApp is a console on a fresh database with a controllable clock and a
// livechat sender.
func newApp(t *testing.T) (*testkit.App, *clock, store.Sender) {
	t.Helper()
	app := testkit.New(t)
	clk := testkit.NewClock(t0)
	app.SetClock(clk.Now)
	snd, err := app.Senders.Create(context.Background(), who.System(), "livechat", "shop")
	if err != nil {
		t.Fatal(err)
	}
	return app, clk, snd
}

// survey greets, asks for a name and an email and says goodbye: a session
// stays open across several messages. It validates without findings.
func survey() *chatbot.Definition {
	return &chatbot.Definition{
		Attributes: []chatbot.Attribute{{Name: "name", Type: chatbot.AttributeText}, {Name: "email", Type: chatbot.AttributeEmail}},
		Entry:      "start", Fallback: "start",
		Dialogs: []chatbot.Dialog{{ID: "start", Name: "Start", Elements: []chatbot.Element{
			{Type: chatbot.ElementMessage, Text: "Hello!"},
			{Type: chatbot.ElementQuestion, Text: "What is your name?", Attribute: "name"},
			{Type: chatbot.ElementMessage, Text: "Nice to meet you, {{name}}."},
			{Type: chatbot.ElementQuestion, Text: "Your email, {{name}}?", Attribute: "email", RetryText: "That is not an email address."},
			{Type: chatbot.ElementClose, Text: "Thanks {{name}}, bye."},
		}}},
		Tests: []chatbot.Test{{Name: "survey", Turns: []chatbot.TestTurn{
			{Say: "hi", Expect: []string{"Hello!", "What is your name?"}},
			{Say: "Ada", Expect: []string{"Nice to meet you, Ada.", "Your email, Ada?"}},
			{Say: "ada@example.com", Expect: []string{"Thanks Ada, bye."}},
		}}},
	}
}

// oneLiner answers every message with one line and waits for nothing.
func oneLiner(text string) *chatbot.Definition {
	return &chatbot.Definition{
		Attributes: []chatbot.Attribute{},
		Entry:      "start", Fallback: "start",
		Dialogs: []chatbot.Dialog{{ID: "start", Name: "Start", Elements: []chatbot.Element{
			{Type: chatbot.ElementMessage, Text: text},
		}}},
		Tests: []chatbot.Test{{Name: "answers", Turns: []chatbot.TestTurn{{Say: "hi", Expect: []string{text}}}}},
	}
}

// newBot creates an inactive chatbot with def on the sender.
func newBot(t *testing.T, app *testkit.App, name string, senderID int64, def *chatbot.Definition) store.Chatbot {
	t.Helper()
	ctx := context.Background()
	c, err := app.Chatbots.Create(ctx, who.System(), chatbots.Settings{Name: name, Channel: "livechat", SenderID: senderID})
	if err != nil {
		t.Fatal(err)
	}
	c, err = app.Chatbots.Update(ctx, who.System(), c.ID, chatbots.Edit{Version: c.Version, Apply: chatbots.ReplaceDefinition(def)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// liveBot creates and activates a chatbot.
func liveBot(t *testing.T, app *testkit.App, name string, senderID int64, def *chatbot.Definition, opt lifecycle.ActivateOptions) store.Chatbot {
	t.Helper()
	c := newBot(t, app, name, senderID, def)
	c, err := app.Lifecycle.Activate(context.Background(), who.System(), c.ID, opt)
	if err != nil {
		t.Fatalf("activate %s: %v", name, err)
	}
	return c
}

func session(t *testing.T, app *testkit.App, id int64) store.ChatSession {
	t.Helper()
	s, err := app.Store.ChatSessionByID(context.Background(), id)
	if err != nil {
		t.Fatalf("session %d: %v", id, err)
	}
	return s
}

func count(t *testing.T, app *testkit.App, query string, args ...any) int {
	t.Helper()
	var n int
	if err := app.Store.R.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// transcript is a session's messages, each as "in: text" or "out: text".
func transcript(t *testing.T, app *testkit.App, sessionID int64) []string {
	t.Helper()
	msgs, err := app.Store.Transcript(context.Background(), sessionID)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, m := range msgs {
		out = append(out, m.Direction+": "+m.Text)
	}
	return out
}

// TestRouting plays conversations step by step. Steps with the same
// session label must share a session, different labels must not; every
// session's transcript must be exactly its inbound messages, each followed
// by its replies.
func TestRouting(t *testing.T) {
	type step struct {
		advance time.Duration
		from    string
		text    string
		replies []string
		session int  // label of the session the message must land in
		closed  bool // the outcome says the session closed
	}
	entry := []string{"Hello!", "What is your name?"}
	tests := []struct {
		name   string
		steps  []step
		reason map[int]string // close reason per session label; "" for still open
	}{
		{
			name:   "first message opens a session with the entry replies",
			steps:  []step{{from: "u1", text: "hi", replies: entry, session: 1}},
			reason: map[int]string{1: ""},
		},
		{
			name: "next message continues the session and its answer fills placeholders",
			steps: []step{
				{from: "u1", text: "hi", replies: entry, session: 1},
				{advance: time.Minute, from: "u1", text: "Ann", replies: []string{"Nice to meet you, Ann.", "Your email, Ann?"}, session: 1},
			},
			reason: map[int]string{1: ""},
		},
		{
			name: "a bad answer is retried with the state kept",
			steps: []step{
				{from: "u1", text: "hi", replies: entry, session: 1},
				{from: "u1", text: "Ann", replies: []string{"Nice to meet you, Ann.", "Your email, Ann?"}, session: 1},
				{from: "u1", text: "no idea", replies: []string{"That is not an email address.", "Your email, Ann?"}, session: 1},
				{from: "u1", text: "ann@example.com", replies: []string{"Thanks Ann, bye."}, session: 1, closed: true},
			},
			reason: map[int]string{1: store.CloseCompleted},
		},
		{
			name: "just before the timeout the session goes on",
			steps: []step{
				{from: "u1", text: "hi", replies: entry, session: 1},
				{advance: 15*time.Minute - time.Second, from: "u1", text: "Ann", replies: []string{"Nice to meet you, Ann.", "Your email, Ann?"}, session: 1},
				{advance: 15*time.Minute - time.Second, from: "u1", text: "a@b.co", replies: []string{"Thanks Ann, bye."}, session: 1, closed: true},
			},
			reason: map[int]string{1: store.CloseCompleted},
		},
		{
			name: "after the timeout the old session closes and a new one opens",
			steps: []step{
				{from: "u1", text: "hi", replies: entry, session: 1},
				{advance: 16 * time.Minute, from: "u1", text: "Ann", replies: entry, session: 2},
			},
			reason: map[int]string{1: store.CloseTimeout, 2: ""},
		},
		{
			name: "a close element completes the session and the next message opens a new one",
			steps: []step{
				{from: "u1", text: "hi", replies: entry, session: 1},
				{from: "u1", text: "Ann", replies: []string{"Nice to meet you, Ann.", "Your email, Ann?"}, session: 1},
				{from: "u1", text: "ann@example.com", replies: []string{"Thanks Ann, bye."}, session: 1, closed: true},
				{from: "u1", text: "hi again", replies: entry, session: 2},
			},
			reason: map[int]string{1: store.CloseCompleted, 2: ""},
		},
		{
			name: "end users have sessions of their own",
			steps: []step{
				{from: "u1", text: "hi", replies: entry, session: 1},
				{from: "u2", text: "hello", replies: entry, session: 2},
				{from: "u1", text: "Ann", replies: []string{"Nice to meet you, Ann.", "Your email, Ann?"}, session: 1},
				{from: "u2", text: "Bob", replies: []string{"Nice to meet you, Bob.", "Your email, Bob?"}, session: 2},
			},
			reason: map[int]string{1: "", 2: ""},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			app, clk, snd := newApp(t)
			bot := liveBot(t, app, "Survey", snd.ID, survey(), lifecycle.ActivateOptions{})
			ctx := context.Background()
			ids := map[int]int64{}
			want := map[int][]string{}
			for i, st := range tc.steps {
				clk.Advance(st.advance)
				out, err := app.Routing.Route(ctx, snd, st.from, st.text)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if !slices.Equal(out.Replies, st.replies) {
					t.Errorf("step %d: replies %q, want %q", i, out.Replies, st.replies)
				}
				if out.SessionClosed != st.closed {
					t.Errorf("step %d: session_closed %v, want %v", i, out.SessionClosed, st.closed)
				}
				if out.ChatbotID != bot.ID {
					t.Errorf("step %d: chatbot %d, want %d", i, out.ChatbotID, bot.ID)
				}
				if id, ok := ids[st.session]; ok && id != out.SessionID {
					t.Errorf("step %d: session %d, want the same session %d", i, out.SessionID, id)
				}
				for label, id := range ids {
					if label != st.session && id == out.SessionID {
						t.Errorf("step %d: landed in session %d of label %d, want a session of its own", i, id, label)
					}
				}
				ids[st.session] = out.SessionID
				want[st.session] = append(want[st.session], "in: "+st.text)
				for _, r := range st.replies {
					want[st.session] = append(want[st.session], "out: "+r)
				}
			}
			for label, reason := range tc.reason {
				s := session(t, app, ids[label])
				if s.CloseReason != reason || s.Open() != (reason == "") {
					t.Errorf("session %d: open %v, close reason %q; want reason %q", label, s.Open(), s.CloseReason, reason)
				}
				if reason == store.CloseTimeout && !s.ClosedAt.Equal(s.ExpiresAt) {
					t.Errorf("session %d timed out at %s, want its expiry %s", label, s.ClosedAt, s.ExpiresAt)
				}
				if got := transcript(t, app, ids[label]); !slices.Equal(got, want[label]) {
					t.Errorf("session %d transcript:\n%s\nwant:\n%s", label, strings.Join(got, "\n"), strings.Join(want[label], "\n"))
				}
				if in, out := countDir(want[label]); s.Inbound != in || s.Outbound != out {
					t.Errorf("session %d counts in %d out %d, want %d and %d", label, s.Inbound, s.Outbound, in, out)
				}
			}
		})
	}
}

func countDir(lines []string) (in, out int) {
	for _, l := range lines {
		if strings.HasPrefix(l, "in: ") {
			in++
		} else {
			out++
		}
	}
	return in, out
}

// TestStateIsPersisted checks that the engine state lives in the session
// row, not in memory: a fresh runtime over the same store carries on.
func TestStateIsPersisted(t *testing.T) {
	app, clk, snd := newApp(t)
	liveBot(t, app, "Survey", snd.ID, survey(), lifecycle.ActivateOptions{})
	ctx := context.Background()
	first, err := app.Routing.Route(ctx, snd, "u1", "hi")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Routing.Route(ctx, snd, "u1", "Ann"); err != nil {
		t.Fatal(err)
	}
	if s := session(t, app, first.SessionID); !strings.Contains(string(s.State), `"Ann"`) {
		t.Errorf("stored state %s does not hold the answer", s.State)
	}
	fresh := routing.New(app.Store)
	fresh.Now = clk.Now
	out, err := fresh.Route(ctx, snd, "u1", "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if out.SessionID != first.SessionID || !slices.Equal(out.Replies, []string{"Thanks Ann, bye."}) || !out.SessionClosed {
		t.Errorf("a fresh runtime answered %+v, want the same session %d closed with the name filled in", out, first.SessionID)
	}
}

// TestRefusals checks every way a message is refused, through Receive as
// a gateway calls it: the right problem, and nothing stored.
func TestRefusals(t *testing.T) {
	app, _, snd := newApp(t)
	liveBot(t, app, "Survey", snd.ID, survey(), lifecycle.ActivateOptions{})
	quiet, err := app.Senders.Create(context.Background(), who.System(), "livechat", "quiet")
	if err != nil {
		t.Fatal(err)
	}
	// A draft on the quiet sender: an inactive chatbot never receives.
	newBot(t, app, "Draft", quiet.ID, survey())
	msg := func(sender, from, text string) routing.Inbound {
		return routing.Inbound{Channel: "livechat", Sender: sender, From: from, Text: text}
	}
	tests := []struct {
		name  string
		in    routing.Inbound
		key   string
		kind  problem.Kind
		code  string
		field string
	}{
		{"no active chatbot", msg("quiet", "u1", "hi"), quiet.InboundKey, problem.Conflict, "no_active_chatbot", ""},
		{"unknown sender", msg("nowhere", "u1", "hi"), snd.InboundKey, problem.Unauthorized, "bad_inbound_key", ""},
		{"sender on another channel", routing.Inbound{Channel: "sms", Sender: "shop", From: "u1", Text: "hi"}, snd.InboundKey, problem.Unauthorized, "bad_inbound_key", ""},
		{"wrong key", msg("shop", "u1", "hi"), snd.InboundKey + "x", problem.Unauthorized, "bad_inbound_key", ""},
		{"another sender's key", msg("shop", "u1", "hi"), quiet.InboundKey, problem.Unauthorized, "bad_inbound_key", ""},
		{"missing key", msg("shop", "u1", "hi"), "", problem.Unauthorized, "bad_inbound_key", ""},
		{"empty text", msg("shop", "u1", ""), snd.InboundKey, problem.Invalid, "invalid_text", "text"},
		{"blank text", msg("shop", "u1", " \n\t "), snd.InboundKey, problem.Invalid, "invalid_text", "text"},
		{"text too long", msg("shop", "u1", strings.Repeat("é", routing.MaxTextRunes+1)), snd.InboundKey, problem.Invalid, "invalid_text", "text"},
		{"text not UTF-8", msg("shop", "u1", "hi \xff"), snd.InboundKey, problem.Invalid, "invalid_text", "text"},
		{"missing from", msg("shop", "", "hi"), snd.InboundKey, problem.Invalid, "invalid_from", "from"},
		{"blank from", msg("shop", "   ", "hi"), snd.InboundKey, problem.Invalid, "invalid_from", "from"},
		{"from too long", msg("shop", strings.Repeat("u", routing.MaxEndUserRunes+1), "hi"), snd.InboundKey, problem.Invalid, "invalid_from", "from"},
		{"missing sender", msg("", "u1", "hi"), snd.InboundKey, problem.Invalid, "invalid_sender", "sender"},
		{"bad channel", routing.Inbound{Channel: "pigeon", Sender: "shop", From: "u1", Text: "hi"}, snd.InboundKey, problem.Invalid, "invalid_channel", "channel"},
		{"missing channel", routing.Inbound{Sender: "shop", From: "u1", Text: "hi"}, snd.InboundKey, problem.Invalid, "invalid_channel", "channel"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := app.Routing.Receive(context.Background(), tc.in, tc.key)
			p := testkit.WantProblem(t, err, tc.kind, tc.code)
			if p.Field != tc.field {
				t.Errorf("field %q, want %q", p.Field, tc.field)
			}
			if n := count(t, app, `SELECT count(*) FROM chat_sessions`); n != 0 {
				t.Errorf("%d sessions stored, want none", n)
			}
			if n := count(t, app, `SELECT count(*) FROM messages`); n != 0 {
				t.Errorf("%d messages stored, want none", n)
			}
		})
	}
}

// TestRouteChecksItsInput: Route is also called by the web chat page, so it
// checks the text and the end user itself.
func TestRouteChecksItsInput(t *testing.T) {
	app, _, snd := newApp(t)
	liveBot(t, app, "Survey", snd.ID, survey(), lifecycle.ActivateOptions{})
	ctx := context.Background()
	for _, tc := range []struct{ from, text, field string }{
		{"u1", "", "text"},
		{"u1", "   ", "text"},
		{"u1", strings.Repeat("a", routing.MaxTextRunes+1), "text"},
		{"", "hi", "from"},
		{strings.Repeat("u", routing.MaxEndUserRunes+1), "hi", "from"},
	} {
		_, err := app.Routing.Route(ctx, snd, tc.from, tc.text)
		if p, ok := problem.As(err); !ok || p.Kind != problem.Invalid || p.Field != tc.field {
			t.Errorf("Route(%.10q, %.10q): %v, want Invalid on %s", tc.from, tc.text, err, tc.field)
		}
	}
	if n := count(t, app, `SELECT count(*) FROM messages`); n != 0 {
		t.Errorf("%d messages stored, want none", n)
	}
	// The longest message is accepted, counted in characters, not bytes.
	out, err := app.Routing.Route(ctx, snd, strings.Repeat("ü", routing.MaxEndUserRunes), strings.Repeat("é", routing.MaxTextRunes))
	if err != nil || len(out.Replies) == 0 {
		t.Fatalf("longest message: %+v, %v", out, err)
	}
}

// TestReceiveAcceptsAGatewayMessage: the same message as Route, but
// authenticated with the inbound key and normalised (channel case, spaces).
func TestReceiveAcceptsAGatewayMessage(t *testing.T) {
	app, _, snd := newApp(t)
	bot := liveBot(t, app, "Survey", snd.ID, survey(), lifecycle.ActivateOptions{})
	ctx := context.Background()
	out, err := app.Routing.Receive(ctx, routing.Inbound{Channel: " LiveChat ", Sender: " shop ", From: " u1 ", Text: "hi"}, snd.InboundKey)
	if err != nil {
		t.Fatal(err)
	}
	if out.ChatbotID != bot.ID || !slices.Equal(out.Replies, []string{"Hello!", "What is your name?"}) || out.SessionClosed {
		t.Fatalf("outcome %+v", out)
	}
	if s := session(t, app, out.SessionID); s.EndUser != "u1" || s.SenderID != snd.ID {
		t.Errorf("session end user %q sender %d, want u1 on %d", s.EndUser, s.SenderID, snd.ID)
	}
	// Route sees the trimmed end user as the same person.
	next, err := app.Routing.Route(ctx, snd, "u1", "Ann")
	if err != nil || next.SessionID != out.SessionID {
		t.Errorf("Route after Receive: %+v, %v; want session %d", next, err, out.SessionID)
	}
}

// loop jumps between two dialogs forever without waiting for input.
func loop() *chatbot.Definition {
	return &chatbot.Definition{
		Attributes: []chatbot.Attribute{},
		Entry:      "start", Fallback: "start",
		Dialogs: []chatbot.Dialog{
			{ID: "start", Name: "Start", Elements: []chatbot.Element{{Type: chatbot.ElementGoto, Dialog: "again"}}},
			{ID: "again", Name: "Again", Elements: []chatbot.Element{{Type: chatbot.ElementGoto, Dialog: "start"}}},
		},
	}
}

// TestStepLimit runs a definition that loops. Validation reports such a
// loop as a jump_loop error, which blocks activation even with warnings
// overridden, so the chatbot is put live straight through the store: the
// step limit is the runtime's defence against a definition that got live
// anyway (an older validator, a hand-edited database).
func TestStepLimit(t *testing.T) {
	app, clk, snd := newApp(t)
	ctx := context.Background()
	bot := newBot(t, app, "Loop", snd.ID, loop())
	_, err := app.Lifecycle.Activate(ctx, who.System(), bot.ID, lifecycle.ActivateOptions{OverrideWarnings: true, Reason: "test"})
	p := testkit.WantProblem(t, err, problem.Invalid, "validation_errors")
	if !strings.Contains(fmt.Sprint(p.Details), chatbot.CodeJumpLoop) {
		t.Fatalf("refusal details %v do not name %s", p.Details, chatbot.CodeJumpLoop)
	}
	if err := app.Store.InTx(ctx, func(tx *store.Tx) error {
		return tx.SetChatbotStatus(ctx, bot.ID, store.StatusActive, time.Time{}, clk.Now())
	}); err != nil {
		t.Fatal(err)
	}

	for i := range 2 {
		out, err := app.Routing.Route(ctx, snd, "u1", "hi")
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !out.SessionClosed || out.Replies == nil || len(out.Replies) != 0 {
			t.Errorf("message %d: %+v, want the session closed with no replies", i, out)
		}
		if s := session(t, app, out.SessionID); s.CloseReason != store.CloseStepLimit {
			t.Errorf("message %d: close reason %q, want %q", i, s.CloseReason, store.CloseStepLimit)
		}
		if got := transcript(t, app, out.SessionID); !slices.Equal(got, []string{"in: hi"}) {
			t.Errorf("message %d: transcript %q", i, got)
		}
	}
	if n := count(t, app, `SELECT count(*) FROM chat_sessions WHERE chatbot_id = ?`, bot.ID); n != 2 {
		t.Errorf("%d sessions, want 2: each message after a step limit opens a new one", n)
	}
}

// TestGraceServesOnlyExistingSessions is I6: after a redeploy with grace,
// the deactivated chatbot goes on serving the sessions it had, every new
// end user goes to the new chatbot, and once the grace is over the old
// session moves to the new chatbot on its next message, whether or not
// the sweeper ran.
func TestGraceServesOnlyExistingSessions(t *testing.T) {
	app, clk, snd := newApp(t)
	ctx := context.Background()
	old := liveBot(t, app, "Old", snd.ID, survey(), lifecycle.ActivateOptions{})
	first, err := app.Routing.Route(ctx, snd, "u1", "hi")
	if err != nil {
		t.Fatal(err)
	}

	clk.Advance(time.Minute)
	fresh := liveBot(t, app, "New", snd.ID, oneLiner("This is the new chatbot."), lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(10 * time.Minute)})
	if o, _ := app.Store.ChatbotByID(ctx, old.ID); o.Status != store.StatusDeactivated || !o.GraceEndsAt.Equal(t0.Add(11*time.Minute)) {
		t.Fatalf("old chatbot %s until %s, want deactivated until %s", o.Status, o.GraceEndsAt, t0.Add(11*time.Minute))
	}

	clk.Advance(time.Minute)
	cont, err := app.Routing.Route(ctx, snd, "u1", "Ann")
	if err != nil {
		t.Fatal(err)
	}
	if cont.SessionID != first.SessionID || cont.ChatbotID != old.ID || !slices.Equal(cont.Replies, []string{"Nice to meet you, Ann.", "Your email, Ann?"}) {
		t.Errorf("in grace the open session got %+v, want it to go on with the old chatbot", cont)
	}
	other, err := app.Routing.Route(ctx, snd, "u2", "hi")
	if err != nil {
		t.Fatal(err)
	}
	if other.ChatbotID != fresh.ID || !slices.Equal(other.Replies, []string{"This is the new chatbot."}) {
		t.Errorf("a new end user got %+v, want the new chatbot", other)
	}

	// The grace ends at t0+11m; the session itself would last until t0+17m.
	clk.Advance(10 * time.Minute)
	after, err := app.Routing.Route(ctx, snd, "u1", "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if after.SessionID == first.SessionID || after.ChatbotID != fresh.ID || !slices.Equal(after.Replies, []string{routing.DefaultClosedNotice, "This is the new chatbot."}) {
		t.Errorf("after the grace the old session's user got %+v, want the notice and a new session on the new chatbot", after)
	}
	if p := after.PreviousSessionClosed; p == nil || p.Reason != store.CloseGraceEnded {
		t.Errorf("previous_session_closed %+v, want grace_ended", p)
	}
	if s := session(t, app, first.SessionID); s.CloseReason != store.CloseGraceEnded {
		t.Errorf("old session close reason %q, want %q", s.CloseReason, store.CloseGraceEnded)
	}
	// The sweeper has not run: the old chatbot is still marked deactivated,
	// yet served nothing.
	if o, _ := app.Store.ChatbotByID(ctx, old.ID); o.Status != store.StatusDeactivated {
		t.Errorf("old chatbot %s; this test wants the sweeper not to have run", o.Status)
	}
	if err := app.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if o, _ := app.Store.ChatbotByID(ctx, old.ID); o.Status != store.StatusInactive {
		t.Errorf("after the sweep the old chatbot is %s, want inactive", o.Status)
	}
}

// TestDeactivatedWithoutSuccessor: a chatbot deactivated with grace and no
// successor keeps its sessions; a new end user is refused.
func TestDeactivatedWithoutSuccessor(t *testing.T) {
	app, _, snd := newApp(t)
	ctx := context.Background()
	bot := liveBot(t, app, "Only", snd.ID, survey(), lifecycle.ActivateOptions{})
	first, err := app.Routing.Route(ctx, snd, "u1", "hi")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Lifecycle.Deactivate(ctx, who.System(), bot.ID, lifecycle.GraceOf(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if out, err := app.Routing.Route(ctx, snd, "u1", "Ann"); err != nil || out.SessionID != first.SessionID {
		t.Errorf("open session in grace: %+v, %v; want it to go on", out, err)
	}
	_, err = app.Routing.Route(ctx, snd, "u2", "hi")
	testkit.WantProblem(t, err, problem.Conflict, "no_active_chatbot")
}

// TestSweep closes the sessions whose timeout passed, at their expiry, and
// only those.
func TestSweep(t *testing.T) {
	app, clk, snd := newApp(t)
	ctx := context.Background()
	liveBot(t, app, "Survey", snd.ID, survey(), lifecycle.ActivateOptions{})
	a, err := app.Routing.Route(ctx, snd, "u1", "hi")
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Minute)
	b, err := app.Routing.Route(ctx, snd, "u2", "hi")
	if err != nil {
		t.Fatal(err)
	}
	sweep := func(want int64) {
		t.Helper()
		n, err := app.Routing.Sweep(ctx)
		if err != nil || n != want {
			t.Fatalf("sweep at %s closed %d (%v), want %d", clk.Now().Format(time.TimeOnly), n, err, want)
		}
	}
	sweep(0)
	clk.Advance(5 * time.Minute) // u1 expires exactly now
	sweep(1)
	sa, sb := session(t, app, a.SessionID), session(t, app, b.SessionID)
	if sa.CloseReason != store.CloseTimeout || !sa.ClosedAt.Equal(t0.Add(15*time.Minute)) {
		t.Errorf("u1's session closed %q at %s, want timeout at %s", sa.CloseReason, sa.ClosedAt, t0.Add(15*time.Minute))
	}
	if !sb.Open() {
		t.Errorf("u2's session closed (%s) before its timeout", sb.CloseReason)
	}
	clk.Advance(time.Hour)
	sweep(1)
	sweep(0)
	if sb = session(t, app, b.SessionID); sb.CloseReason != store.CloseTimeout || !sb.ClosedAt.Equal(t0.Add(25*time.Minute)) {
		t.Errorf("u2's session closed %q at %s, want timeout at %s", sb.CloseReason, sb.ClosedAt, t0.Add(25*time.Minute))
	}
	// After the sweep the next message opens a new session.
	out, err := app.Routing.Route(ctx, snd, "u1", "back")
	if err != nil || out.SessionID == a.SessionID {
		t.Errorf("after the sweep: %+v, %v; want a new session", out, err)
	}
}

// TestSweepInBatches closes more sessions than one batch holds. The
// sessions are opened straight through the store, in one transaction, to
// keep the test fast.
func TestSweepInBatches(t *testing.T) {
	app, clk, snd := newApp(t)
	ctx := context.Background()
	bot := liveBot(t, app, "Hello", snd.ID, oneLiner("Hi."), lifecycle.ActivateOptions{})
	const n = 1001 // the sweep closes 1000 per transaction
	if err := app.Store.InTx(ctx, func(tx *store.Tx) error {
		for i := range n {
			now := clk.Now()
			if _, err := tx.CreateChatSession(ctx, store.ChatSession{SenderID: snd.ID, ChatbotID: bot.ID, EndUser: fmt.Sprintf("u%d", i),
				State: []byte("{}"), OpenedAt: now, LastActivityAt: now, ExpiresAt: now.Add(bot.SessionTimeout)}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	got, err := app.Routing.Sweep(ctx)
	if err != nil || got != n {
		t.Fatalf("sweep closed %d (%v), want %d", got, err, n)
	}
	if open := count(t, app, `SELECT count(*) FROM chat_sessions WHERE closed_at IS NULL`); open != 0 {
		t.Errorf("%d sessions still open", open)
	}
}

// TestRoutedHook reports what each message did, for the metrics.
func TestRoutedHook(t *testing.T) {
	app, _, snd := newApp(t)
	ctx := context.Background()
	liveBot(t, app, "Survey", snd.ID, survey(), lifecycle.ActivateOptions{})
	var got []string
	app.Routing.Routed = func(replies int, opened, closed bool) {
		got = append(got, fmt.Sprintf("%d %v %v", replies, opened, closed))
	}
	for _, text := range []string{"hi", "Ann", "ann@example.com"} {
		if _, err := app.Routing.Route(ctx, snd, "u1", text); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := app.Routing.Route(ctx, snd, "u1", ""); err == nil {
		t.Fatal("an empty message was routed")
	}
	want := []string{"2 true false", "2 false false", "1 false true"}
	if !slices.Equal(got, want) {
		t.Errorf("Routed calls %q, want %q (and none for a refused message)", got, want)
	}
}

// TestNoActiveChatbotIsNotAnUnknownSender keeps the two refusals apart,
// since a gateway retries one and not the other.
func TestNoActiveChatbotIsNotAnUnknownSender(t *testing.T) {
	app, _, snd := newApp(t)
	_, err := app.Routing.Route(context.Background(), snd, "u1", "hi")
	p := testkit.WantProblem(t, err, problem.Conflict, "no_active_chatbot")
	if errors.Is(err, store.ErrNotFound) || p.Message == "" {
		t.Errorf("refusal %#v", p)
	}
}

// Messages of the same end users routed at once: on PostgreSQL batches run
// side by side, so two first messages race to open the session and two
// later ones to continue it. Every message is answered, each end user has
// one session, and no message's update of the session is lost.
func TestConcurrentMessagesOfOneEndUser(t *testing.T) {
	app, _, snd := newApp(t)
	liveBot(t, app, "Survey", snd.ID, survey(), lifecycle.ActivateOptions{})
	const users, each = 4, 6
	var wg sync.WaitGroup
	errs := make(chan error, users*each)
	start := make(chan struct{})
	for u := range users {
		for range each {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if _, err := app.Routing.Route(context.Background(), snd, fmt.Sprintf("user-%d", u), "x"); err != nil {
					errs <- err
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a message was not routed: %v", err)
	}
	for u := range users {
		user := fmt.Sprintf("user-%d", u)
		if n := count(t, app, `SELECT count(*) FROM chat_sessions WHERE end_user = ?`, user); n != 1 {
			t.Errorf("%s has %d sessions, want 1", user, n)
		}
		if n := count(t, app, `SELECT inbound_count FROM chat_sessions WHERE end_user = ?`, user); n != each {
			t.Errorf("%s's session counts %d inbound messages, want %d (an update was lost)", user, n, each)
		}
		if n := count(t, app, `SELECT count(*) FROM messages m JOIN chat_sessions s ON s.id = m.session_id WHERE s.end_user = ? AND m.direction = 'in'`, user); n != each {
			t.Errorf("%s: %d inbound messages in the transcript, want %d", user, n, each)
		}
	}
}
