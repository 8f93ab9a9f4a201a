package handover_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/handover"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/routing"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

var t0 = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

// helpDesk greets and waits for a keyword: "agent" hands the conversation
// to people (queue billing), "help" answers, anything else falls back.
func helpDesk(onTimeout string) *chatbot.Definition {
	return &chatbot.Definition{
		Attributes: []chatbot.Attribute{},
		Entry:      "start", Fallback: "fallback",
		HandoverOnTimeout: onTimeout,
		Dialogs: []chatbot.Dialog{
			{ID: "start", Name: "Start", Elements: []chatbot.Element{
				{Type: chatbot.ElementMessage, Text: "Hello"},
				{Type: chatbot.ElementKeywords, Branches: []chatbot.Branch{
					{Keywords: []string{"agent"}, Dialog: "human"},
					{Keywords: []string{"help"}, Dialog: "help"},
				}},
			}},
			{ID: "human", Name: "Human", Elements: []chatbot.Element{
				{Type: chatbot.ElementHandover, Text: "A person will write to you.", Queue: "billing", Note: "wants a refund"},
			}},
			{ID: "help", Name: "Help", Elements: []chatbot.Element{{Type: chatbot.ElementMessage, Text: "Here is help"}}},
			{ID: "fallback", Name: "Fallback", Elements: []chatbot.Element{
				{Type: chatbot.ElementMessage, Text: "Sorry?"},
				{Type: chatbot.ElementGoto, Dialog: "start"},
			}},
		},
		Tests: []chatbot.Test{{Name: "hands over", Turns: []chatbot.TestTurn{
			{Say: "hi", Expect: []string{"Hello"}},
			{Say: "agent", Expect: []string{"A person will write to you."}, Handover: true},
			{Say: "anyone?", Expect: []string{}},
		}}},
	}
}

type fixture struct {
	app *testkit.App
	clk *testkit.Clock
	snd store.Sender
	bot store.Chatbot
}

func newFixture(t *testing.T, channel string, def *chatbot.Definition) *fixture {
	t.Helper()
	ctx := context.Background()
	app := testkit.New(t)
	clk := testkit.NewClock(t0)
	app.SetClock(clk.Now)
	address := "desk"
	if channel != "livechat" {
		address = "+15550100"
	}
	snd, err := app.Senders.Create(ctx, who.System(), channel, address)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{app: app, clk: clk, snd: snd}
	f.bot = f.live(t, "Desk", def, lifecycle.ActivateOptions{})
	return f
}

// live creates and activates a chatbot with def on the fixture's sender.
func (f *fixture) live(t *testing.T, name string, def *chatbot.Definition, opt lifecycle.ActivateOptions) store.Chatbot {
	t.Helper()
	ctx := context.Background()
	c, err := f.app.Chatbots.Create(ctx, who.System(), chatbots.Settings{Name: name, Channel: f.snd.Channel, SenderID: f.snd.ID})
	if err != nil {
		t.Fatal(err)
	}
	if c, err = f.app.Chatbots.Update(ctx, who.System(), c.ID, chatbots.Edit{Version: c.Version, Apply: chatbots.ReplaceDefinition(def)}); err != nil {
		t.Fatal(err)
	}
	opt.OverrideWarnings = true
	if c, err = f.app.Lifecycle.Activate(ctx, who.System(), c.ID, opt); err != nil {
		t.Fatalf("activate %s: %v", name, err)
	}
	return c
}

func (f *fixture) say(t *testing.T, endUser, text string) routing.Outcome {
	t.Helper()
	out, err := f.app.Routing.Route(context.Background(), f.snd, endUser, text)
	if err != nil {
		t.Fatalf("route %q: %v", text, err)
	}
	return out
}

func (f *fixture) actor(r rbac.Role) who.Actor {
	return who.Actor{User: f.app.Users[r], IP: "192.0.2.1"}
}

func (f *fixture) session(t *testing.T, id int64) store.ChatSession {
	t.Helper()
	s, err := f.app.Store.ChatSessionByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// heldFor routes an end user to the handover and returns the session id.
func (f *fixture) heldFor(t *testing.T, endUser string) int64 {
	t.Helper()
	f.say(t, endUser, "hi")
	out := f.say(t, endUser, "agent")
	if out.HeldBy != store.HeldByWaiting || !equal(out.Replies, "A person will write to you.") {
		t.Fatalf("handover turn = %+v, want the handover text and held_by waiting", out)
	}
	return out.SessionID
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func equal(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

func (f *fixture) noViolations(t *testing.T) {
	t.Helper()
	// The test users were added at the real time, the traffic at the
	// test clock's: nothing may be later than either.
	v, err := f.app.Store.Violations(context.Background(), later(f.clk.Now(), time.Now()).Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(v) > 0 {
		t.Fatalf("invariants broken: %v", v)
	}
}

// actions lists the audit actions about session id, oldest first.
func (f *fixture) actions(t *testing.T, id int64) []string {
	t.Helper()
	rows, err := f.app.Store.R.QueryContext(context.Background(),
		`SELECT action FROM audit_log WHERE target_type = 'session' AND target_id = ? ORDER BY id`, itoa(id))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestHandOverTakeReplyResume(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "livechat", helpDesk(""))
	ho := f.app.Handover
	id := f.heldFor(t, "ada")

	// While it waits, the bot stays silent and the message is kept.
	if out := f.say(t, "ada", "anyone there?"); len(out.Replies) != 0 || out.HeldBy != store.HeldByWaiting || out.SessionID != id {
		t.Fatalf("held turn = %+v, want no replies, held_by waiting, same session", out)
	}
	list, err := ho.List(ctx, f.actor(rbac.Supervisor), handover.Filter{HeldBy: store.HeldByWaiting, Queue: "billing"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != id || list[0].Queue != "billing" || list[0].LastInbound != "anyone there?" {
		t.Fatalf("waiting list = %+v", list)
	}
	if other, _ := ho.List(ctx, f.actor(rbac.Supervisor), handover.Filter{Queue: "sales"}); len(other) != 0 {
		t.Fatalf("queue sales lists %d conversations, want none", len(other))
	}
	_, err = ho.List(ctx, f.actor(rbac.Analyzer), handover.Filter{})
	testkit.WantProblem(t, err, problem.Forbidden, "forbidden")
	_, err = ho.List(ctx, f.actor(rbac.Supervisor), handover.Filter{HeldBy: "bot"})
	testkit.WantProblem(t, err, problem.Invalid, handover.CodeBadHeldBy)

	if c, err := ho.Count(ctx, f.actor(rbac.Supervisor)); err != nil || c != (handover.Counts{Waiting: 1}) {
		t.Fatalf("counts before the take = %+v, %v", c, err)
	}
	// A reply needs the conversation taken first.
	_, err = ho.Reply(ctx, f.actor(rbac.Supervisor), id, "hello")
	testkit.WantProblem(t, err, problem.Conflict, handover.CodeTakeFirst)
	if _, err := ho.Take(ctx, f.actor(rbac.Supervisor), id); err != nil {
		t.Fatal(err)
	}
	_, err = ho.Take(ctx, f.actor(rbac.Manager), id)
	if p := testkit.WantProblem(t, err, problem.Conflict, handover.CodeTaken); !strings.Contains(p.Message, "Test Supervisor") {
		t.Fatalf("refusal %q does not name the holder", p.Message)
	}
	_, err = ho.Reply(ctx, f.actor(rbac.Manager), id, "me too")
	testkit.WantProblem(t, err, problem.Conflict, handover.CodeNotHolder)
	_, err = ho.Resume(ctx, f.actor(rbac.Manager), id, "")
	testkit.WantProblem(t, err, problem.Conflict, handover.CodeNotHolder)
	_, err = ho.Reply(ctx, f.actor(rbac.Supervisor), id, "   ")
	testkit.WantProblem(t, err, problem.Invalid, handover.CodeEmptyReply)

	m, err := ho.Reply(ctx, f.actor(rbac.Supervisor), id, "Hi Ada, I am here.")
	if err != nil {
		t.Fatal(err)
	}
	if m.Who() != store.DirectionPerson || m.ID == 0 {
		t.Fatalf("reply = %+v", m)
	}
	if out := f.say(t, "ada", "thanks"); len(out.Replies) != 0 || out.HeldBy != store.HeldByPerson {
		t.Fatalf("turn held by a person = %+v", out)
	}
	if c, err := ho.Count(ctx, f.actor(rbac.Supervisor)); err != nil || c != (handover.Counts{Mine: 1}) {
		t.Fatalf("counts after the take = %+v, %v", c, err)
	}
	mine, err := ho.List(ctx, f.actor(rbac.Supervisor), handover.Filter{Mine: true})
	if err != nil || len(mine) != 1 || mine[0].HolderName != "Test Supervisor" {
		t.Fatalf("mine = %+v, %v", mine, err)
	}

	d, err := ho.Get(ctx, f.actor(rbac.Supervisor), id)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, m := range d.Transcript {
		line := m.Who() + ": " + m.Text
		if m.Author != "" {
			line += " (" + m.Author + ")"
		}
		lines = append(lines, line)
	}
	want := []string{"in: hi", "out: Hello", "in: agent", "out: A person will write to you.", "in: anyone there?",
		"person: Hi Ada, I am here. (Test Supervisor)", "in: thanks"}
	if !equal(lines, want...) {
		t.Fatalf("transcript\n%v\nwant\n%v", lines, want)
	}
	if d.Note != "wants a refund" || d.HolderName != "Test Supervisor" {
		t.Fatalf("detail note %q holder %q", d.Note, d.HolderName)
	}

	_, err = ho.Resume(ctx, f.actor(rbac.Supervisor), id, "nowhere")
	testkit.WantProblem(t, err, problem.Invalid, handover.CodeBadDialog)
	r, err := ho.Resume(ctx, f.actor(rbac.Supervisor), id, "")
	if err != nil {
		t.Fatal(err)
	}
	if !equal(r.Replies, "Hello") || r.Session.Held() {
		t.Fatalf("resume = %+v", r)
	}
	// The bot answers again, from where the hand-back left it.
	if out := f.say(t, "ada", "help"); !equal(out.Replies, "Here is help") || out.HeldBy != "" {
		t.Fatalf("turn after the hand-back = %+v", out)
	}
	_, err = ho.Take(ctx, f.actor(rbac.Supervisor), id)
	testkit.WantProblem(t, err, problem.Conflict, handover.CodeNotHeld)

	got := f.actions(t, id)
	wantActions := []string{audit.ActionHandoverRequested, audit.ActionHandoverTaken, audit.ActionHandoverResumed}
	if !equal(got, wantActions...) {
		t.Fatalf("audit %v, want %v", got, wantActions)
	}
	f.noViolations(t)
}

func TestTakeRaceOneWins(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "livechat", helpDesk(""))
	for round := range 4 {
		id := f.heldFor(t, "user"+strconv.Itoa(round))
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, r := range []rbac.Role{rbac.Supervisor, rbac.Manager} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = f.app.Handover.Take(ctx, f.actor(r), id)
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
				continue
			}
			p := testkit.WantProblem(t, err, problem.Conflict, handover.CodeTaken)
			if !strings.Contains(p.Message, "Test ") {
				t.Fatalf("loser's refusal %q does not name the holder", p.Message)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d takes won, want exactly 1 (%v)", round, won, errs)
		}
		if s := f.session(t, id); s.HeldBy != store.HeldByPerson || s.HeldUserID == 0 {
			t.Fatalf("session after the race = %+v", s)
		}
	}
	f.noViolations(t)
}

func TestHandoverTimeout(t *testing.T) {
	ctx := context.Background()
	t.Run("resume", func(t *testing.T) {
		f := newFixture(t, "livechat", helpDesk(""))
		id := f.heldFor(t, "bo")
		f.clk.Advance(14 * time.Minute)
		if n, err := f.app.Handover.ApplyTimeouts(ctx); err != nil || n != 0 {
			t.Fatalf("before the deadline: %d, %v", n, err)
		}
		// A message while waiting does not move the deadline.
		f.say(t, "bo", "hello?")
		f.clk.Advance(2 * time.Minute)
		if n, err := f.app.Handover.ApplyTimeouts(ctx); err != nil || n != 1 {
			t.Fatalf("after the deadline: %d, %v", n, err)
		}
		s := f.session(t, id)
		if s.Held() || !s.Open() {
			t.Fatalf("session after the timeout = %+v, want open with the bot", s)
		}
		msgs, err := f.app.Store.Transcript(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var tail []string
		for _, m := range msgs[len(msgs)-3:] {
			tail = append(tail, m.Text)
		}
		if !equal(tail, chatbot.DefaultHandoverTimeoutText, "Sorry?", "Hello") {
			t.Fatalf("transcript ends %v", tail)
		}
		if out := f.say(t, "bo", "help"); !equal(out.Replies, "Here is help") {
			t.Fatalf("the bot does not answer after the timeout: %+v", out)
		}
		if got := f.actions(t, id); !equal(got, audit.ActionHandoverRequested, audit.ActionHandoverResumed) {
			t.Fatalf("audit %v", got)
		}
		f.noViolations(t)
	})
	t.Run("close", func(t *testing.T) {
		f := newFixture(t, "livechat", helpDesk(chatbot.HandoverClose))
		id := f.heldFor(t, "cy")
		// The session sweep leaves a waiting conversation to the handover
		// timeout.
		f.clk.Advance(16 * time.Minute)
		if _, err := f.app.Routing.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if s := f.session(t, id); !s.Open() {
			t.Fatalf("the session sweep closed a waiting conversation: %+v", s)
		}
		// The console's sweeper applies the handover timeout.
		if err := f.app.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if s := f.session(t, id); s.Open() || s.CloseReason != store.CloseTimeout {
			t.Fatalf("session = %+v, want closed by timeout", s)
		}
		if got := f.actions(t, id); !equal(got, audit.ActionHandoverRequested, audit.ActionHandoverClosed) {
			t.Fatalf("audit %v", got)
		}
		f.noViolations(t)
	})
	t.Run("person follows the session timeout", func(t *testing.T) {
		f := newFixture(t, "livechat", helpDesk(""))
		id := f.heldFor(t, "di")
		if _, err := f.app.Handover.Take(ctx, f.actor(rbac.Supervisor), id); err != nil {
			t.Fatal(err)
		}
		f.clk.Advance(10 * time.Minute)
		if _, err := f.app.Handover.Reply(ctx, f.actor(rbac.Supervisor), id, "still there?"); err != nil {
			t.Fatal(err)
		}
		f.clk.Advance(10 * time.Minute) // 20 minutes after the take, 10 after the last message
		if _, err := f.app.Routing.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if s := f.session(t, id); !s.Open() || s.HeldBy != store.HeldByPerson {
			t.Fatalf("session closed before its timeout from the last message: %+v", s)
		}
		f.clk.Advance(6 * time.Minute)
		if _, err := f.app.Routing.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if s := f.session(t, id); s.Open() || s.CloseReason != store.CloseTimeout {
			t.Fatalf("session = %+v, want closed by its timeout", s)
		}
		f.noViolations(t)
	})
}

func TestCloseByPerson(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "livechat", helpDesk(""))
	id := f.heldFor(t, "ed")
	if _, err := f.app.Handover.Take(ctx, f.actor(rbac.Designer), id); err != nil {
		t.Fatal(err)
	}
	_, err := f.app.Handover.Close(ctx, f.actor(rbac.Admin), id)
	testkit.WantProblem(t, err, problem.Conflict, handover.CodeNotHolder)
	s, err := f.app.Handover.Close(ctx, f.actor(rbac.Designer), id)
	if err != nil || s.Open() || s.CloseReason != store.CloseCompleted {
		t.Fatalf("close = %+v, %v", s, err)
	}
	// The next message opens a new conversation with the bot.
	if out := f.say(t, "ed", "hi"); out.SessionID == id || !equal(out.Replies, "Hello") {
		t.Fatalf("after the close = %+v", out)
	}
	_, err = f.app.Handover.Reply(ctx, f.actor(rbac.Designer), id, "late")
	testkit.WantProblem(t, err, problem.Conflict, handover.CodeClosed)
	f.noViolations(t)
}

// A grace end moves the conversations people hold to the chatbot that
// replaced theirs; with none left on the sender they close, audited.
func TestGraceEndKeepsHeldConversations(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "livechat", helpDesk(""))
	held := f.heldFor(t, "fay")
	waiting := f.heldFor(t, "gus")
	f.say(t, "hal", "hi") // a plain conversation with the bot
	if _, err := f.app.Handover.Take(ctx, f.actor(rbac.Supervisor), held); err != nil {
		t.Fatal(err)
	}
	grace := int64(600)
	next := f.live(t, "Desk v2", helpDesk(""), lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(time.Duration(grace) * time.Second)})
	// The grace runs out; routing already refuses the old chatbot to the
	// bot's conversation, but not to the held ones.
	f.clk.Advance(11 * time.Minute) // within the held conversations' own time limits
	if out := f.say(t, "fay", "are you still there?"); len(out.Replies) != 0 || out.SessionID != held || out.HeldBy != store.HeldByPerson {
		t.Fatalf("held conversation after its grace ran out = %+v", out)
	}
	if n, err := f.app.Lifecycle.ExpireGraces(ctx); err != nil || n != 1 {
		t.Fatalf("expire graces: %d, %v", n, err)
	}
	for _, id := range []int64{held, waiting} {
		s := f.session(t, id)
		if !s.Open() || !s.Held() || s.ChatbotID != next.ID {
			t.Fatalf("held session %d after the grace end = %+v, want open, held, on %d", id, s, next.ID)
		}
	}
	if _, err := f.app.Handover.Reply(ctx, f.actor(rbac.Supervisor), held, "Still here."); err != nil {
		t.Fatal(err)
	}
	if out := f.say(t, "hal", "hi"); out.ChatbotID != next.ID || out.PreviousSessionClosed == nil {
		t.Fatalf("the bot's conversation = %+v, want a new one on the new chatbot, told", out)
	}
	f.noViolations(t)

	// Deactivating the last chatbot closes them, and says so.
	if _, err := f.app.Lifecycle.Deactivate(ctx, who.System(), next.ID, lifecycle.GraceOf(0)); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{held, waiting} {
		if s := f.session(t, id); s.Open() {
			t.Fatalf("session %d still open with no chatbot on the sender: %+v", id, s)
		}
		got := f.actions(t, id)
		if len(got) == 0 || got[len(got)-1] != audit.ActionHandoverClosed {
			t.Fatalf("session %d audit %v, want a handover.closed last", id, got)
		}
	}
	f.noViolations(t)
}

// A person's reply on a channel other than the web chat is a
// message.outbound webhook event, written with the message.
func TestReplyWritesOutboundEvent(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "whatsapp", helpDesk(""))
	id := f.heldFor(t, "+15550001")
	if _, err := f.app.Handover.Take(ctx, f.actor(rbac.Supervisor), id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Handover.Reply(ctx, f.actor(rbac.Supervisor), id, "Hello from a person"); err != nil {
		t.Fatal(err)
	}
	var body string
	var senderID int64
	err := f.app.Store.R.QueryRowContext(ctx, `SELECT body, sender_id FROM webhook_events WHERE type = ? ORDER BY id DESC LIMIT 1`,
		handover.EventMessageOutbound).Scan(&body, &senderID)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"text":"Hello from a person"`, `"end_user":"+15550001"`, `"type":"person"`, `"channel":"whatsapp"`} {
		if !strings.Contains(body, want) {
			t.Fatalf("event body %s lacks %s", body, want)
		}
	}
	if senderID != f.snd.ID {
		t.Fatalf("event sender %d, want %d", senderID, f.snd.ID)
	}
}
