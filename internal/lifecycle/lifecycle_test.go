package lifecycle_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// clock is the test clock of these tests.
type clock = testkit.Clock

var t0 = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

// env is a console with a controllable clock, a livechat sender and a
// manager to act.
type env struct {
	t       *testing.T
	app     *testkit.App
	clk     *clock
	snd     store.Sender
	manager who.Actor
}

func newEnv(t *testing.T) *env {
	t.Helper()
	app := testkit.New(t)
	clk := testkit.NewClock(t0)
	app.SetClock(clk.Now)
	snd, err := app.Senders.Create(context.Background(), who.System(), "livechat", "shop")
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, app: app, clk: clk, snd: snd, manager: who.Actor{User: app.Users[rbac.Manager], IP: "192.0.2.1"}}
}

// valid greets and asks for a name; it validates without findings.
func valid() *chatbot.Definition {
	return &chatbot.Definition{
		Attributes: []chatbot.Attribute{{Name: "name", Type: chatbot.AttributeText}},
		Entry:      "start", Fallback: "start",
		Dialogs: []chatbot.Dialog{{ID: "start", Name: "Start", Elements: []chatbot.Element{
			{Type: chatbot.ElementMessage, Text: "Hello!"},
			{Type: chatbot.ElementQuestion, Text: "What is your name?", Attribute: "name"},
			{Type: chatbot.ElementClose, Text: "Bye {{name}}."},
		}}},
		Tests: []chatbot.Test{{Name: "asks the name", Turns: []chatbot.TestTurn{
			{Say: "hi", Expect: []string{"What is your name?"}, Match: chatbot.MatchContains},
		}}},
	}
}

// bot creates an inactive chatbot with def on sender (0: none).
func (e *env) bot(name string, sender int64, def *chatbot.Definition) store.Chatbot {
	e.t.Helper()
	ctx := context.Background()
	c, err := e.app.Chatbots.Create(ctx, who.System(), chatbots.Settings{Name: name, Channel: "livechat", SenderID: sender})
	if err != nil {
		e.t.Fatal(err)
	}
	c, err = e.app.Chatbots.Update(ctx, who.System(), c.ID, chatbots.Edit{Version: c.Version, Apply: chatbots.ReplaceDefinition(def)})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) activate(id int64, opt lifecycle.ActivateOptions) store.Chatbot {
	e.t.Helper()
	c, err := e.app.Lifecycle.Activate(context.Background(), e.manager, id, opt)
	if err != nil {
		e.t.Fatalf("activate %d: %v", id, err)
	}
	return c
}

// live creates and activates a chatbot on the env's sender.
func (e *env) live(name string, opt lifecycle.ActivateOptions) store.Chatbot {
	e.t.Helper()
	return e.activate(e.bot(name, e.snd.ID, valid()).ID, opt)
}

// chat opens (or continues) end user's session and returns its id.
func (e *env) chat(endUser string) int64 {
	e.t.Helper()
	out, err := e.app.Routing.Route(context.Background(), e.snd, endUser, "hi")
	if err != nil {
		e.t.Fatalf("route %s: %v", endUser, err)
	}
	return out.SessionID
}

func (e *env) chatbot(id int64) store.Chatbot {
	e.t.Helper()
	c, err := e.app.Store.ChatbotByID(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// wantStatus checks a chatbot's status (and grace end, for deactivated).
func (e *env) wantStatus(id int64, status string, graceEnds time.Time) {
	e.t.Helper()
	c := e.chatbot(id)
	if c.Status != status || !c.GraceEndsAt.Equal(graceEnds) {
		e.t.Errorf("%s is %s (grace ends %s), want %s (grace ends %s)", c.Name, c.Status, c.GraceEndsAt, status, graceEnds)
	}
}

// wantSessions checks how sessions ended: "" for still open.
func (e *env) wantSessions(reason string, ids ...int64) {
	e.t.Helper()
	for _, id := range ids {
		s, err := e.app.Store.ChatSessionByID(context.Background(), id)
		if err != nil {
			e.t.Fatal(err)
		}
		if s.CloseReason != reason || s.Open() != (reason == "") {
			e.t.Errorf("session %d: open %v, reason %q; want reason %q", id, s.Open(), s.CloseReason, reason)
		}
	}
}

// audits returns the audit entries with the action about the chatbot, oldest first.
func (e *env) audits(action string, chatbotID int64) []audit.Entry {
	e.t.Helper()
	page, err := e.app.Store.AuditEntries(context.Background(), 0, 10000)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []audit.Entry
	for i := len(page.Entries) - 1; i >= 0; i-- {
		a := page.Entries[i]
		if a.Action == action && a.TargetType == "chatbot" && a.TargetID == fmt.Sprint(chatbotID) {
			out = append(out, a)
		}
	}
	return out
}

// snapshot is everything a refused transition must leave as it was.
func (e *env) snapshot() []string {
	e.t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT id || ' ' || status || ' ' || coalesce(grace_ends_at, '-') || ' ' || coalesce(last_activated_at, '-') || ' ' ||
			coalesce(last_deactivated_at, '-') || ' ' || version FROM chatbots ORDER BY id`,
		`SELECT id || ' ' || chatbot_id || ' ' || coalesce(closed_at, '-') || ' ' || coalesce(close_reason, '-') FROM chat_sessions ORDER BY id`,
		`SELECT 'audit ' || count(*) FROM audit_log`,
	} {
		rows, err := e.app.Store.R.QueryContext(context.Background(), q)
		if err != nil {
			e.t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				e.t.Fatal(err)
			}
			out = append(out, s)
		}
		rows.Close()
	}
	return out
}

// checkInvariants checks I1, I2, I4, I5 and the session/chatbot sender
// match straight in the database (I4 on sessions as they effectively are).
func checkInvariants(t *testing.T, app *testkit.App) {
	t.Helper()
	for _, c := range []struct{ name, query string }{
		{"I1: two active chatbots on a sender", `SELECT count(*) FROM (SELECT sender_id FROM chatbots WHERE status = 'active' GROUP BY sender_id HAVING count(*) > 1) AS t`},
		{"I2: two deactivated chatbots on a sender", `SELECT count(*) FROM (SELECT sender_id FROM chatbots WHERE status = 'deactivated' GROUP BY sender_id HAVING count(*) > 1) AS t`},
		{"I3: a deactivated chatbot without a grace end", `SELECT count(*) FROM chatbots WHERE (status = 'deactivated') != (grace_ends_at IS NOT NULL)`},
		// Sessions as readers see them: a row of a chatbot whose sessions
		// ended logically is closed even before the sweep rewrites it.
		{"I4: an open session on an inactive chatbot", `SELECT count(*) FROM chat_sessions_effective s JOIN chatbots c ON c.id = s.chatbot_id WHERE s.closed_at IS NULL AND c.status = 'inactive'`},
		{"I4: a stored open row on an inactive chatbot whose sessions are not ending", `SELECT count(*) FROM chat_sessions s JOIN chatbots c ON c.id = s.chatbot_id WHERE s.closed_at IS NULL AND c.status = 'inactive' AND c.sessions_end_at IS NULL`},
		{"I5: two open sessions of one end user on a sender", `SELECT count(*) FROM (SELECT 1 FROM chat_sessions WHERE closed_at IS NULL GROUP BY sender_id, end_user HAVING count(*) > 1) AS t`},
		{"an open session on a chatbot of another sender", `SELECT count(*) FROM chat_sessions s JOIN chatbots c ON c.id = s.chatbot_id WHERE s.closed_at IS NULL AND c.sender_id != s.sender_id`},
		{"a live chatbot without a sender", `SELECT count(*) FROM chatbots WHERE status != 'inactive' AND sender_id IS NULL`},
	} {
		var n int
		if err := app.Store.R.QueryRowContext(context.Background(), c.query).Scan(&n); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if n != 0 {
			t.Errorf("invariant broken: %s (%d)", c.name, n)
		}
	}
}

// TestStateMachine tries every transition from every status: the allowed
// ones change the status and close sessions as SPEC §3 says, the others
// are refused with a Conflict naming the rule and change nothing.
func TestStateMachine(t *testing.T) {
	type action func(e *env, id int64) (store.Chatbot, error)
	activate := func(e *env, id int64) (store.Chatbot, error) {
		return e.app.Lifecycle.Activate(context.Background(), e.manager, id, lifecycle.ActivateOptions{})
	}
	deactivate := func(e *env, id int64) (store.Chatbot, error) {
		return e.app.Lifecycle.Deactivate(context.Background(), e.manager, id, lifecycle.GraceOf(0))
	}
	endGrace := func(e *env, id int64) (store.Chatbot, error) {
		return e.app.Lifecycle.EndGrace(context.Background(), e.manager, id)
	}
	tests := []struct {
		action     string
		do         action
		from       string
		wantStatus string // after an allowed transition
		wantReason string // how the chatbot's open session ends; "" when it stays open
		wantCode   string // refusal code, "" when allowed
	}{
		{"activate", activate, store.StatusInactive, store.StatusActive, "", ""},
		{"activate", activate, store.StatusActive, "", "", "not_inactive"},
		{"activate", activate, store.StatusDeactivated, "", "", "not_inactive"},
		{"deactivate", deactivate, store.StatusInactive, "", "", "not_active"},
		{"deactivate", deactivate, store.StatusActive, store.StatusInactive, store.CloseDeactivated, ""},
		{"deactivate", deactivate, store.StatusDeactivated, "", "", "not_active"},
		{"end grace", endGrace, store.StatusInactive, "", "", "not_deactivated"},
		{"end grace", endGrace, store.StatusActive, "", "", "not_deactivated"},
		{"end grace", endGrace, store.StatusDeactivated, store.StatusInactive, store.CloseSuperseded, ""},
	}
	for _, tc := range tests {
		t.Run(tc.action+" from "+tc.from, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			x := e.bot("X", e.snd.ID, valid())
			var session int64
			switch tc.from {
			case store.StatusActive:
				e.activate(x.ID, lifecycle.ActivateOptions{})
				session = e.chat("u1")
			case store.StatusDeactivated:
				e.activate(x.ID, lifecycle.ActivateOptions{})
				session = e.chat("u1")
				e.live("Y", lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(time.Hour)})
			}
			var graceEnds time.Time
			if tc.from == store.StatusDeactivated {
				graceEnds = t0.Add(time.Hour)
			}
			e.wantStatus(x.ID, tc.from, graceEnds)
			before := e.snapshot()

			got, err := tc.do(e, x.ID)
			if tc.wantCode != "" {
				p := testkit.WantProblem(t, err, problem.Conflict, tc.wantCode)
				if !strings.Contains(p.Message, "X") {
					t.Errorf("refusal %q does not name the chatbot", p.Message)
				}
				if after := e.snapshot(); !reflect.DeepEqual(before, after) {
					t.Errorf("a refused transition changed the database:\nbefore %q\nafter  %q", before, after)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if got.Status != tc.wantStatus {
					t.Errorf("returned status %s, want %s", got.Status, tc.wantStatus)
				}
				e.wantStatus(x.ID, tc.wantStatus, time.Time{})
				if session != 0 {
					e.wantSessions(tc.wantReason, session)
				}
			}
			checkInvariants(t, e.app)
		})
	}
}

// TestActivateValidation: errors block activation, warnings block it
// unless overridden, and the refusal carries the findings.
func TestActivateValidation(t *testing.T) {
	broken := valid()
	broken.Dialogs[0].Elements = append(broken.Dialogs[0].Elements, chatbot.Element{Type: chatbot.ElementGoto, Dialog: "nowhere"})
	warned := valid()
	warned.Fallback = ""
	tests := []struct {
		name     string
		noSender bool
		def      *chatbot.Definition
		override bool
		wantCode string // "" when it activates
		wantIn   string // a finding code the details must hold
	}{
		{"no sender", true, valid(), false, "validation_errors", chatbot.CodeNoSender},
		{"no sender, overridden", true, valid(), true, "validation_errors", chatbot.CodeNoSender},
		{"an error", false, broken, false, "validation_errors", chatbot.CodeUnknownDialog},
		{"an error, overridden", false, broken, true, "validation_errors", chatbot.CodeUnknownDialog},
		{"a jump loop, overridden", false, loopDef(), true, "validation_errors", chatbot.CodeJumpLoop},
		{"a warning", false, warned, false, "validation_warnings", chatbot.CodeNoFallback},
		{"a warning, overridden", false, warned, true, "", ""},
		{"clean", false, valid(), false, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			sender := e.snd.ID
			if tc.noSender {
				sender = 0
			}
			x := e.bot("X", sender, tc.def)
			before := e.snapshot()
			got, err := e.app.Lifecycle.Activate(context.Background(), e.manager, x.ID, lifecycle.ActivateOptions{OverrideWarnings: tc.override, Reason: "needed today"})
			if tc.wantCode == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got.Status != store.StatusActive || got.Draft() || !got.FirstActivatedAt.Equal(t0) {
					t.Errorf("activated chatbot %+v", got)
				}
				checkInvariants(t, e.app)
				return
			}
			p := testkit.WantProblem(t, err, problem.Invalid, tc.wantCode)
			// One finding is "1 validation error; fix it", never "1 validation errors".
			if strings.Contains(p.Message, "1 validation errors") || strings.Contains(p.Message, "1 validation warnings") ||
				(strings.Contains(p.Message, " 1 validation") && strings.Contains(p.Message, "them")) {
				t.Errorf("message %q does not agree with its count", p.Message)
			}
			details, ok := p.Details.([]map[string]any)
			if !ok || len(details) == 0 {
				t.Fatalf("details %#v, want the findings", p.Details)
			}
			codes := map[any]bool{}
			for _, f := range details {
				codes[f["code"]] = true
				if f["severity"] == nil || f["message"] == nil {
					t.Errorf("finding %v lacks a severity or a message", f)
				}
			}
			if !codes[tc.wantIn] {
				t.Errorf("findings %v do not include %s", details, tc.wantIn)
			}
			if after := e.snapshot(); !reflect.DeepEqual(before, after) {
				t.Errorf("a refused activation changed the database:\nbefore %q\nafter  %q", before, after)
			}
			checkInvariants(t, e.app)
		})
	}
}

func loopDef() *chatbot.Definition {
	return &chatbot.Definition{
		Attributes: []chatbot.Attribute{},
		Entry:      "start", Fallback: "start",
		Dialogs: []chatbot.Dialog{
			{ID: "start", Name: "Start", Elements: []chatbot.Element{{Type: chatbot.ElementGoto, Dialog: "again"}}},
			{ID: "again", Name: "Again", Elements: []chatbot.Element{{Type: chatbot.ElementGoto, Dialog: "start"}}},
		},
	}
}

// TestOverrideIsAudited: activating despite warnings records the override,
// with the warnings and the reason, before the activation.
func TestOverrideIsAudited(t *testing.T) {
	e := newEnv(t)
	x := e.bot("X", e.snd.ID, chatbot.NewDefinition()) // warns: no fallback
	e.activate(x.ID, lifecycle.ActivateOptions{OverrideWarnings: true, Reason: "  launch before the fallback is written  "})
	over := e.audits(lifecycle.ActionOverride, x.ID)
	act := e.audits(lifecycle.ActionActivated, x.ID)
	if len(over) != 1 || len(act) != 1 {
		t.Fatalf("%d override and %d activation entries, want one each", len(over), len(act))
	}
	if over[0].ID > act[0].ID {
		t.Errorf("the override is logged after the activation")
	}
	if over[0].ActorID != e.manager.User.ID || over[0].IP != "192.0.2.1" {
		t.Errorf("override logged for actor %d from %s", over[0].ActorID, over[0].IP)
	}
	if r := over[0].Details["reason"]; r != "launch before the fallback is written" {
		t.Errorf("override reason %q", r)
	}
	if w := fmt.Sprint(over[0].Details["warnings"]); !strings.Contains(w, chatbot.CodeNoFallback) {
		t.Errorf("override warnings %s do not name %s", w, chatbot.CodeNoFallback)
	}
	if w := fmt.Sprint(act[0].Details["overridden_warnings"]); !strings.Contains(w, chatbot.CodeNoFallback) {
		t.Errorf("activation details %v do not carry the overridden warnings", act[0].Details)
	}

	// A clean activation logs no override.
	y := e.bot("Y", e.snd.ID, valid())
	e.activate(y.ID, lifecycle.ActivateOptions{OverrideWarnings: true})
	if n := len(e.audits(lifecycle.ActionOverride, y.ID)); n != 0 {
		t.Errorf("%d override entries for a chatbot without warnings", n)
	}
	checkInvariants(t, e.app)
}

// TestRedeployWithoutGrace: the previous chatbot becomes inactive and its
// sessions close now.
func TestRedeployWithoutGrace(t *testing.T) {
	e := newEnv(t)
	a := e.live("A", lifecycle.ActivateOptions{})
	s1, s2 := e.chat("u1"), e.chat("u2")
	e.clk.Advance(time.Minute)
	b := e.live("B", lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(0)})
	e.wantStatus(a.ID, store.StatusInactive, time.Time{})
	e.wantStatus(b.ID, store.StatusActive, time.Time{})
	e.wantSessions(store.CloseDeactivated, s1, s2)
	if c := e.chatbot(a.ID); !c.LastDeactivatedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("last deactivated at %s", c.LastDeactivatedAt)
	}
	if d := e.audits(lifecycle.ActionDeactivated, a.ID); len(d) != 1 || fmt.Sprint(d[0].Details["sessions_closed"]) != "2" {
		t.Errorf("deactivation audit %v, want one entry with 2 sessions closed", d)
	}
	checkInvariants(t, e.app)
}

// TestRedeployWithGrace: the previous chatbot is deactivated until the
// grace end and keeps its sessions.
func TestRedeployWithGrace(t *testing.T) {
	e := newEnv(t)
	a := e.live("A", lifecycle.ActivateOptions{})
	s1 := e.chat("u1")
	e.clk.Advance(time.Minute)
	e.live("B", lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(30 * time.Minute)})
	e.wantStatus(a.ID, store.StatusDeactivated, t0.Add(31*time.Minute))
	e.wantSessions("", s1)
	d := e.audits(lifecycle.ActionDeactivated, a.ID)
	if len(d) != 1 || fmt.Sprint(d[0].Details["open_sessions"]) != "1" {
		t.Errorf("deactivation audit %v, want one entry with 1 open session", d)
	}
	checkInvariants(t, e.app)
}

// TestRedeployWhileInGrace: a redeploy that would make a second
// deactivated chatbot is refused unless the current grace is ended.
func TestRedeployWhileInGrace(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.live("A", lifecycle.ActivateOptions{})
	sa := e.chat("u1")
	b := e.live("B", lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(time.Hour)})
	sb := e.chat("u2")
	c := e.bot("C", e.snd.ID, valid())

	before := e.snapshot()
	_, err := e.app.Lifecycle.Activate(ctx, e.manager, c.ID, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(10 * time.Minute)})
	p := testkit.WantProblem(t, err, problem.Conflict, "grace_in_progress")
	if d, _ := p.Details.(map[string]any); d["chatbot_id"] != a.ID || d["open_sessions"] != 1 {
		t.Errorf("refusal details %v, want A's id and its one open session", p.Details)
	}
	if !strings.Contains(p.Message, "A") {
		t.Errorf("refusal %q does not name A", p.Message)
	}
	if after := e.snapshot(); !reflect.DeepEqual(before, after) {
		t.Errorf("the refusal changed the database:\nbefore %q\nafter  %q", before, after)
	}
	checkInvariants(t, e.app)

	e.clk.Advance(time.Minute)
	e.activate(c.ID, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(10 * time.Minute), EndCurrentGrace: true})
	e.wantStatus(a.ID, store.StatusInactive, time.Time{})
	e.wantSessions(store.CloseSuperseded, sa)
	e.wantStatus(b.ID, store.StatusDeactivated, t0.Add(11*time.Minute))
	e.wantSessions("", sb)
	e.wantStatus(c.ID, store.StatusActive, time.Time{})
	if g := e.audits(lifecycle.ActionGraceEnded, a.ID); len(g) != 1 || g[0].Details["ended_early"] != true {
		t.Errorf("grace end audit %v, want one early end", g)
	}
	checkInvariants(t, e.app)
}

// TestRedeployWithoutGraceWhileInGrace: a redeploy with no grace makes no
// second deactivated chatbot, so the one in grace goes on.
func TestRedeployWithoutGraceWhileInGrace(t *testing.T) {
	e := newEnv(t)
	a := e.live("A", lifecycle.ActivateOptions{})
	sa := e.chat("u1")
	b := e.live("B", lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(time.Hour)})
	sb := e.chat("u2")
	c := e.live("C", lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(0)})
	e.wantStatus(a.ID, store.StatusDeactivated, t0.Add(time.Hour))
	e.wantSessions("", sa)
	e.wantStatus(b.ID, store.StatusInactive, time.Time{})
	e.wantSessions(store.CloseDeactivated, sb)
	e.wantStatus(c.ID, store.StatusActive, time.Time{})
	checkInvariants(t, e.app)
}

// TestDeactivate: without grace the chatbot and the sender's chatbot in
// grace become inactive; with grace it is deactivated and the one in
// grace still ends now.
func TestDeactivate(t *testing.T) {
	for _, grace := range []time.Duration{0, 2 * time.Hour} {
		t.Run(fmt.Sprint("grace ", grace), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			a := e.live("A", lifecycle.ActivateOptions{})
			sa := e.chat("u1")
			b := e.live("B", lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(time.Hour)})
			sb := e.chat("u2")
			e.clk.Advance(time.Minute)
			got, err := e.app.Lifecycle.Deactivate(context.Background(), e.manager, b.ID, lifecycle.GraceOf(grace))
			if err != nil {
				t.Fatal(err)
			}
			e.wantStatus(a.ID, store.StatusInactive, time.Time{})
			e.wantSessions(store.CloseSuperseded, sa)
			if g := e.audits(lifecycle.ActionGraceEnded, a.ID); len(g) != 1 || fmt.Sprint(g[0].Details["cascade_from"]) != fmt.Sprint(b.ID) {
				t.Errorf("cascade audit %v, want one grace end from %d", g, b.ID)
			}
			if grace == 0 {
				e.wantStatus(b.ID, store.StatusInactive, time.Time{})
				e.wantSessions(store.CloseDeactivated, sb)
			} else {
				e.wantStatus(b.ID, store.StatusDeactivated, t0.Add(time.Minute+grace))
				e.wantSessions("", sb)
				if !got.GraceEndsAt.Equal(t0.Add(time.Minute + grace)) {
					t.Errorf("returned grace end %s", got.GraceEndsAt)
				}
			}
			if d := e.audits(lifecycle.ActionDeactivated, b.ID); len(d) != 1 {
				t.Errorf("%d deactivation entries for B, want 1", len(d))
			}
			checkInvariants(t, e.app)
		})
	}
}

// TestExpireGraces ends the graces that ran out, and only those, closing
// their sessions as grace_ended, by the system.
func TestExpireGraces(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	other, err := e.app.Senders.Create(ctx, who.System(), "livechat", "other")
	if err != nil {
		t.Fatal(err)
	}
	a := e.live("A", lifecycle.ActivateOptions{})
	sa := e.chat("u1")
	e.live("B", lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(10 * time.Minute)})
	// A second sender whose chatbot is in a longer grace.
	c := e.activate(e.bot("C", other.ID, valid()).ID, lifecycle.ActivateOptions{})
	e.activate(e.bot("D", other.ID, valid()).ID, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(time.Hour)})

	expire := func(want int) {
		t.Helper()
		n, err := e.app.Lifecycle.ExpireGraces(ctx)
		if err != nil || n != want {
			t.Fatalf("ExpireGraces at +%s: %d (%v), want %d", e.clk.Now().Sub(t0), n, err, want)
		}
	}
	e.clk.Advance(10*time.Minute - time.Second)
	expire(0)
	e.wantSessions("", sa)
	e.clk.Advance(time.Second)
	expire(1)
	e.wantStatus(a.ID, store.StatusInactive, time.Time{})
	e.wantSessions(store.CloseGraceEnded, sa)
	e.wantStatus(c.ID, store.StatusDeactivated, t0.Add(time.Hour))
	g := e.audits(lifecycle.ActionGraceEnded, a.ID)
	if len(g) != 1 || g[0].ActorName != "system" || g[0].Details["ended_early"] != false {
		t.Errorf("grace end audit %+v, want one by the system, not early", g)
	}
	expire(0)
	e.clk.Advance(time.Hour)
	expire(1)
	e.wantStatus(c.ID, store.StatusInactive, time.Time{})
	checkInvariants(t, e.app)
}

// TestEndGraceEarly: a manager ending a grace closes its sessions as
// superseded and logs it as early.
func TestEndGraceEarly(t *testing.T) {
	e := newEnv(t)
	a := e.live("A", lifecycle.ActivateOptions{})
	sa := e.chat("u1")
	e.live("B", lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(time.Hour)})
	got, err := e.app.Lifecycle.EndGrace(context.Background(), e.manager, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.StatusInactive || !got.GraceEndsAt.IsZero() {
		t.Errorf("returned %s with grace end %s", got.Status, got.GraceEndsAt)
	}
	e.wantSessions(store.CloseSuperseded, sa)
	g := e.audits(lifecycle.ActionGraceEnded, a.ID)
	if len(g) != 1 || g[0].Details["ended_early"] != true || g[0].ActorID != e.manager.User.ID {
		t.Errorf("grace end audit %+v", g)
	}
	checkInvariants(t, e.app)
}

// TestPermissions: only managers and admins move chatbots; a refusal
// changes nothing.
func TestPermissions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	live := e.live("Live", lifecycle.ActivateOptions{})
	e.live("Next", lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(time.Hour)}) // Live is now in grace
	draft := e.bot("Draft", e.snd.ID, valid())
	active, _ := e.app.Store.ActiveChatbot(ctx, e.snd.ID)
	actors := map[string]who.Actor{"nobody": {IP: "192.0.2.9"}}
	for _, r := range []rbac.Role{rbac.Analyzer, rbac.Supervisor, rbac.Designer} {
		actors[r.String()] = who.Actor{User: e.app.Users[r]}
	}
	before := e.snapshot()
	for name, a := range actors {
		want := problem.Forbidden
		if name == "nobody" {
			want = problem.Unauthorized
		}
		for what, err := range map[string]error{
			"activate":   second(e.app.Lifecycle.Activate(ctx, a, draft.ID, lifecycle.ActivateOptions{OverrideWarnings: true})),
			"deactivate": second(e.app.Lifecycle.Deactivate(ctx, a, active.ID, lifecycle.GraceOf(0))),
			"end grace":  second(e.app.Lifecycle.EndGrace(ctx, a, live.ID)),
		} {
			if !problem.Is(err, want) {
				t.Errorf("%s may %s: %v", name, what, err)
			}
		}
	}
	if after := e.snapshot(); !reflect.DeepEqual(before, after) {
		t.Errorf("refusals changed the database:\nbefore %q\nafter  %q", before, after)
	}
	// An admin holds every permission of a manager.
	if _, err := e.app.Lifecycle.EndGrace(ctx, who.Actor{User: e.app.Users[rbac.Admin]}, live.ID); err != nil {
		t.Errorf("admin: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

// TestUnknownChatbot: every transition answers NotFound for a missing id.
func TestUnknownChatbot(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for what, err := range map[string]error{
		"activate":   second(e.app.Lifecycle.Activate(ctx, e.manager, 999, lifecycle.ActivateOptions{})),
		"deactivate": second(e.app.Lifecycle.Deactivate(ctx, e.manager, 999, lifecycle.GraceOf(0))),
		"end grace":  second(e.app.Lifecycle.EndGrace(ctx, e.manager, 999)),
	} {
		if p, ok := problem.As(err); !ok || p.Kind != problem.NotFound || p.Code != "chatbot_not_found" {
			t.Errorf("%s: %v", what, err)
		}
	}
}

// TestGraceLimits: a grace period is between none and 30 days, on every
// path, and ParseGrace reads what the dialogs offer.
func TestGraceLimits(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.live("A", lifecycle.ActivateOptions{})
	b := e.bot("B", e.snd.ID, valid())
	before := e.snapshot()
	for _, d := range []time.Duration{-time.Second, lifecycle.MaxGrace + time.Second} {
		if _, err := e.app.Lifecycle.Activate(ctx, e.manager, b.ID, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(d)}); !problem.Is(err, problem.Invalid) {
			t.Errorf("activate with previous grace %s: %v", d, err)
		}
		if _, err := e.app.Lifecycle.Deactivate(ctx, e.manager, a.ID, lifecycle.GraceOf(d)); !problem.Is(err, problem.Invalid) {
			t.Errorf("deactivate with grace %s: %v", d, err)
		}
	}
	if after := e.snapshot(); !reflect.DeepEqual(before, after) {
		t.Errorf("refusals changed the database")
	}
	if _, err := e.app.Lifecycle.Deactivate(ctx, e.manager, a.ID, lifecycle.GraceOf(lifecycle.MaxGrace)); err != nil {
		t.Errorf("deactivate with the longest grace: %v", err)
	}

	for _, tc := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{"", 0, false}, {"none", 0, false}, {" None ", 0, false}, {"0", 0, false},
		{"90s", 90 * time.Second, false}, {"15m", 15 * time.Minute, false}, {"2h", 2 * time.Hour, false},
		{"3d", 72 * time.Hour, false}, {"30d", lifecycle.MaxGrace, false}, {"0m", 0, false},
		{"31d", 0, true}, {"5x", 0, true}, {"m", 0, true}, {"-5m", 0, true}, {"1.5h", 0, true}, {"15", 0, true}, {"h2", 0, true},
	} {
		got, err := lifecycle.ParseGrace(tc.in)
		if tc.bad != (err != nil) || (err == nil && got != tc.want) {
			t.Errorf("ParseGrace(%q) = %s, %v; want %s (error %v)", tc.in, got, err, tc.want, tc.bad)
		}
		if err != nil && !problem.Is(err, problem.Invalid) {
			t.Errorf("ParseGrace(%q): %v is not an Invalid problem", tc.in, err)
		}
	}
}

// TestConcurrentTransitions races managers moving three chatbots of one
// sender against traffic and the sweeper. Every refusal must be a clean
// problem (never a raw database error), and the invariants hold after.
func TestConcurrentTransitions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var ids []int64
	for i := range 3 {
		ids = append(ids, e.bot(fmt.Sprintf("Bot %d", i), e.snd.ID, valid()).ID)
	}
	var (
		mu     sync.Mutex
		raw    []string
		counts = map[string]int{}
	)
	record := func(what string, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err == nil {
			counts[what+" ok"]++
			return
		}
		if p, ok := problem.As(err); ok {
			counts[what+" "+p.Code]++
			return
		}
		raw = append(raw, fmt.Sprintf("%s: %v (%T)", what, err, err))
	}

	done := make(chan struct{})
	var traffic sync.WaitGroup
	traffic.Add(1)
	go func() {
		defer traffic.Done()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			_, err := e.app.Routing.Route(ctx, e.snd, fmt.Sprintf("u%d", i%7), "hi")
			record("route", err)
			if i%10 == 0 {
				e.clk.Advance(3 * time.Minute)
				record("sweep", e.app.Sweep(ctx))
			}
		}
	}()

	var managers sync.WaitGroup
	for g := range 8 {
		managers.Add(1)
		go func() {
			defer managers.Done()
			rnd := rand.New(rand.NewPCG(uint64(g), 42))
			graces := []time.Duration{0, 0, 5 * time.Minute, time.Hour}
			for range 20 {
				id := ids[rnd.IntN(len(ids))]
				grace := graces[rnd.IntN(len(graces))]
				var err error
				what := ""
				switch rnd.IntN(5) {
				case 3:
					what = "rollback"
					_, err = e.app.Lifecycle.Rollback(ctx, e.manager, id, lifecycle.GraceOf(grace))
				case 4:
					what = "extend grace"
					_, err = e.app.Lifecycle.ExtendGrace(ctx, e.manager, id, 10*time.Minute)
				case 0:
					what = "activate"
					_, err = e.app.Lifecycle.Activate(ctx, e.manager, id, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(grace), EndCurrentGrace: rnd.IntN(2) == 0})
				case 1:
					what = "deactivate"
					_, err = e.app.Lifecycle.Deactivate(ctx, e.manager, id, lifecycle.GraceOf(grace))
				case 2:
					what = "end grace"
					_, err = e.app.Lifecycle.EndGrace(ctx, e.manager, id)
				}
				record(what, err)
			}
		}()
	}
	managers.Wait()
	close(done)
	traffic.Wait()

	for _, r := range raw {
		t.Errorf("raw error: %s", r)
	}
	if counts["activate ok"] == 0 || counts["route ok"] == 0 {
		t.Errorf("the race did too little to prove anything: %v", counts)
	}
	t.Logf("outcomes: %v", counts)
	checkInvariants(t, e.app)
	if n, err := e.app.Store.VerifyAudit(ctx); err != nil {
		t.Errorf("audit chain broken after %d entries: %v", n, err)
	}
}
