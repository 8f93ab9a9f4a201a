package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// TestAPIGraceMustBeStated: activate over, deactivate and roll back over
// a chatbot with open sessions answer 409 open_sessions_need_a_choice
// with the count unless the body states the grace; 0 is a statement.
func TestAPIGraceMustBeStated(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	path := func(c store.Chatbot, action string) string { return "/api/v1/chatbots/" + itoa(c.ID) + "/" + action }
	status := func(c store.Chatbot) string {
		got, err := e.app.Store.ChatbotByID(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}
	wantChoice := func(res response) {
		t.Helper()
		b := apiWantError(t, res, http.StatusConflict, "open_sessions_need_a_choice")
		var d struct {
			Open int `json:"open_sessions"`
		}
		if err := json.Unmarshal(b.Error.Details, &d); err != nil || d.Open != 1 {
			t.Errorf("details %s, want open_sessions 1", b.Error.Details)
		}
	}
	for _, body := range []string{"", `{}`, `{"override_warnings": true}`} {
		wantChoice(e.c.send(http.MethodPost, path(e.fx.draft, "activate"), body, e.as(rbac.Manager)...))
	}
	for _, body := range []string{"", `{}`} {
		wantChoice(e.c.send(http.MethodPost, path(e.fx.active, "deactivate"), body, e.as(rbac.Manager)...))
	}
	if s := status(e.fx.active); s != store.StatusActive {
		t.Fatalf("after refusals the active chatbot is %s", s)
	}
	// Redeploy with a stated grace; then roll back must state one for the draft's new session.
	if res := e.c.send(http.MethodPost, path(e.fx.draft, "activate"), `{"previous_grace_seconds": 600}`, e.as(rbac.Manager)...); res.Status != http.StatusOK {
		t.Fatalf("activate: %d %s", res.Status, res.Body)
	}
	if _, err := e.app.Routing.Route(context.Background(), e.fx.sender, "newcomer", "hi"); err != nil {
		t.Fatal(err)
	}
	wantChoice(e.c.send(http.MethodPost, path(e.fx.active, "rollback"), `{}`, e.as(rbac.Manager)...))
	if res := e.c.send(http.MethodPost, path(e.fx.active, "rollback"), `{"grace_seconds": 0}`, e.as(rbac.Manager)...); res.Status != http.StatusOK {
		t.Fatalf("rollback with grace 0: %d %s", res.Status, res.Body)
	}
	if s := status(e.fx.draft); s != store.StatusInactive {
		t.Errorf("after a roll back with grace 0 the replaced chatbot is %s, want inactive", s)
	}
	// Deactivate with 0 stated closes now.
	if res := e.c.send(http.MethodPost, path(e.fx.active, "deactivate"), `{"grace_seconds": 0}`, e.as(rbac.Manager)...); res.Status != http.StatusOK {
		t.Fatalf("deactivate with grace 0: %d %s", res.Status, res.Body)
	}
	if s := status(e.fx.active); s != store.StatusInactive {
		t.Errorf("after deactivate with grace 0: %s", s)
	}
}

// TestConsoleNoneNeedsTheTick: the console's "None" closes open sessions
// only with the "close N live conversations now" tick; the server checks.
func TestConsoleNoneNeedsTheTick(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	c := newClient(t, srv)
	c.loginAs(rbac.Manager)
	path := "/chatbots/" + itoa(fx.active.ID) + "/deactivate"

	page := c.get("/chatbots/" + itoa(fx.active.ID) + "?dialog=deactivate")
	mustContain(t, page.Body, `value="900s" selected`, "(its session timeout)", "Close 1 live conversation now", "livechat matrix")

	for _, form := range []url.Values{
		{"grace": {"none"}},
		{"grace": {"custom"}, "grace_custom": {"0"}},
		{}, // no grace field at all
	} {
		res := c.post(path, form)
		if res.Status != http.StatusConflict {
			t.Fatalf("deactivate %v: status %d, want 409\n%s", form, res.Status, excerpt(res.Body))
		}
		mustContain(t, res.Body, "Matrix bot has 1 open session.", "close them now")
	}
	if got, _ := app.Store.ChatbotByID(context.Background(), fx.active.ID); got.Status != store.StatusActive {
		t.Fatalf("refused deactivation left it %s", got.Status)
	}
	res := c.post(path, url.Values{"grace": {"none"}, "close_now": {"1"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("deactivate with the tick: status %d\n%s", res.Status, excerpt(res.Body))
	}
	if got, _ := app.Store.ChatbotByID(context.Background(), fx.active.ID); got.Status != store.StatusInactive {
		t.Errorf("after none with the tick: %s", got.Status)
	}
}

// TestConsoleGraceCustom: a custom grace in words wins over the preset.
func TestConsoleGraceCustom(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	c := newClient(t, srv)
	c.loginAs(rbac.Manager)
	res := c.post("/chatbots/"+itoa(fx.active.ID)+"/deactivate", url.Values{"grace": {"custom"}, "grace_custom": {"1 hour 30 minutes"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("status %d\n%s", res.Status, excerpt(res.Body))
	}
	got, _ := app.Store.ChatbotByID(context.Background(), fx.active.ID)
	if got.Status != store.StatusDeactivated || got.GraceEndsAt.Sub(got.LastDeactivatedAt).Minutes() != 90 {
		t.Errorf("status %s, grace until %s (deactivated %s), want 90 minutes", got.Status, got.GraceEndsAt, got.LastDeactivatedAt)
	}
}

// TestResetPasswordSaysWhatHappened: a password reset (plain form post)
// says it reset the password, not "User added."
func TestResetPasswordSaysWhatHappened(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	c := newClient(t, srv)
	c.loginAs(rbac.Admin)
	res := c.post("/users/"+itoa(fx.user.ID)+"/reset-password", nil)
	if res.Status != http.StatusOK {
		t.Fatalf("status %d\n%s", res.Status, excerpt(res.Body))
	}
	mustContain(t, res.Body, "Reset the password of target@test.local; they were signed out.", "One-time password of")
	mustNotContain(t, res.Body, "User added.")
}

// TestLifecycleToastNamesTheChatbot: the toast after a transition says
// which chatbot it was.
func TestLifecycleToastNamesTheChatbot(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	c := newClient(t, srv)
	c.loginAs(rbac.Manager)
	res := c.post("/chatbots/"+itoa(fx.active.ID)+"/deactivate", url.Values{"grace": {"10m"}}, "HX-Request", "true")
	if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("HX-Trigger"), "Deactivated Matrix bot.") {
		t.Errorf("status %d, HX-Trigger %q", res.Status, res.Header.Get("HX-Trigger"))
	}
}

// TestConsoleChoiceKeepsTheName: the console words the refusal's advice
// its own way and keeps the service's fact whole, whatever the chatbot's
// name holds (cutting at the first full stop made "FAQ v1.2 has 1 open
// session." into "FAQ v1.").
func TestConsoleChoiceKeepsTheName(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	ctx := context.Background()
	snd, err := app.Senders.Create(ctx, who.System(), "livechat", "dotted")
	if err != nil {
		t.Fatal(err)
	}
	bot := makeChatbot(t, app, "FAQ v1.2", snd.ID, greeter())
	if _, err := app.Lifecycle.Activate(ctx, who.System(), bot.ID, lifecycle.ActivateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Routing.Route(ctx, snd, "visitor", "hi"); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv)
	c.loginAs(rbac.Manager)
	res := c.post("/chatbots/"+itoa(bot.ID)+"/deactivate", url.Values{"grace": {"none"}})
	if res.Status != http.StatusConflict {
		t.Fatalf("deactivate without the tick: status %d, want 409\n%s", res.Status, excerpt(res.Body))
	}
	mustContain(t, res.Body, "FAQ v1.2 has 1 open session. Choose a grace period, or tick")
}

// TestConsoleRefusedGraceIsKept: a custom grace the parser refuses ("1.5
// hours") comes back as typed with "Custom…" still chosen (not preset to
// the session timeout, one click from redeploying with the wrong grace),
// with the accepted forms next to it; nothing changes.
func TestConsoleRefusedGraceIsKept(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	c := newClient(t, srv)
	c.loginAs(rbac.Manager)
	for _, h := range [][]string{nil, {"HX-Request", "true"}} {
		res := c.post("/chatbots/"+itoa(fx.draft.ID)+"/activate", url.Values{"grace": {"custom"}, "grace_custom": {"1.5 hours"}}, h...)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422\n%s", res.Status, excerpt(res.Body))
		}
		mustContain(t, res.Body, `name="grace_custom" value="1.5 hours"`, `<option value="custom" selected`,
			"whole numbers", "1h30m")
		mustNotContain(t, res.Body, `value="900s" selected`)
		if got, _ := app.Store.ChatbotByID(context.Background(), fx.draft.ID); got.Status != store.StatusInactive {
			t.Fatalf("refused activation left the draft %s", got.Status)
		}
	}
}
