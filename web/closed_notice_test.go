package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/routing"
	"github.com/answers-console/answers/internal/who"
)

// TestAPIPreviousSessionClosed: POST /api/v1/messages says
// previous_session_closed with the reason when the end user's last
// conversation was closed by a deactivation, and not otherwise.
func TestAPIPreviousSessionClosed(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	msg := func(from string) map[string]any {
		t.Helper()
		res := e.message(`{"channel": "livechat", "sender": "matrix", "from": "`+from+`", "text": "hi"}`, e.key()...)
		if res.Status != http.StatusOK {
			t.Fatalf("message: %d %s", res.Status, res.Body)
		}
		var out map[string]any
		apiDecode(t, res, &out)
		return out
	}
	if out := msg("someone"); out["previous_session_closed"] != nil {
		t.Errorf("a first conversation: %v", out)
	}
	if _, err := e.app.Lifecycle.Activate(ctx, who.System(), e.fx.draft.ID, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(0)}); err != nil {
		t.Fatal(err)
	}
	out := msg("visitor") // the fixture's open session was closed by the redeploy
	p, _ := out["previous_session_closed"].(map[string]any)
	if p["reason"] != "deactivated" || p["notice"] != routing.DefaultClosedNotice {
		t.Errorf("previous_session_closed %v, want reason deactivated", out["previous_session_closed"])
	}
	if r, _ := out["replies"].([]any); len(r) < 2 || r[0] != routing.DefaultClosedNotice {
		t.Errorf("replies %v, want the notice first", out["replies"])
	}
	if out := msg("visitor"); out["previous_session_closed"] != nil {
		t.Errorf("told twice: %v", out)
	}
}

// TestWebChatShowsClosedNotice: the web chat shows the notice as a system
// line before the new conversation's first reply.
func TestWebChatShowsClosedNotice(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	c := newClient(t, srv)
	page := c.get("/chat/matrix")
	m := csrfField.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("no CSRF field on the chat page")
	}
	send := func(text string) string {
		t.Helper()
		res := c.postRaw("/chat/matrix", url.Values{"_csrf": {m[1]}, "text": {text}}, "HX-Request", "true")
		if res.Status != http.StatusOK {
			t.Fatalf("send: %d %s", res.Status, excerpt(res.Body))
		}
		return res.Body
	}
	if body := send("hi"); strings.Contains(body, "data-system") {
		t.Errorf("a first conversation shows a system line:\n%s", body)
	}
	if _, err := app.Lifecycle.Activate(context.Background(), who.System(), fx.draft.ID, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(0)}); err != nil {
		t.Fatal(err)
	}
	body := send("hello")
	notice := `<li class="chat-notice" role="status" data-system>` + routing.DefaultClosedNotice + `</li>`
	i, j := strings.Index(body, notice), strings.Index(body, "Hello!")
	if i < 0 || j < 0 || i > j || strings.Count(body, routing.DefaultClosedNotice) != 1 {
		t.Errorf("want the notice once, as a system line before the first reply:\n%s", body)
	}
	if body := send("again"); strings.Contains(body, "data-system") {
		t.Errorf("told twice:\n%s", body)
	}
}

// TestAPIClosedNoticeText: a designer words the notice of an inactive
// chatbot; end users get it when that chatbot takes over; too long or on a
// live chatbot is refused; an empty text restores the default.
func TestAPIClosedNoticeText(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	path := "/api/v1/chatbots/" + itoa(e.fx.draft.ID) + "/closed-notice"
	var got struct {
		Text    string `json:"text"`
		Default bool   `json:"default"`
	}
	apiDecode(t, e.c.get(path, e.as(rbac.Supervisor)...), &got)
	if got.Text != routing.DefaultClosedNotice || !got.Default {
		t.Errorf("before: %+v, want the default", got)
	}
	apiWantError(t, e.c.send(http.MethodPut, path, `{"text": "x"}`, e.as(rbac.Supervisor)...), http.StatusForbidden, "forbidden")
	apiWantError(t, e.c.send(http.MethodPut, path, `{"text": "`+strings.Repeat("a", 501)+`"}`, e.as(rbac.Designer)...), http.StatusUnprocessableEntity, "")
	apiWantError(t, e.c.send(http.MethodPut, path, `{}`, e.as(rbac.Designer)...), http.StatusUnprocessableEntity, "")
	apiWantError(t, e.c.send(http.MethodPut, "/api/v1/chatbots/"+itoa(e.fx.active.ID)+"/closed-notice", `{"text": "x"}`, e.as(rbac.Designer)...), http.StatusConflict, "not_editable")

	const own = "We have a new menu; let us start again."
	res := e.c.send(http.MethodPut, path, `{"text": " `+own+` "}`, e.as(rbac.Designer)...)
	apiDecode(t, res, &got)
	if res.Status != http.StatusOK || got.Text != own || got.Default {
		t.Fatalf("set: %d %+v", res.Status, got)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'chatbot.closed_notice_set'`); n != 1 {
		t.Errorf("%d audit entries, want 1", n)
	}
	if _, err := e.app.Lifecycle.Activate(context.Background(), who.System(), e.fx.draft.ID, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(0)}); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Replies []string `json:"replies"`
	}
	apiDecode(t, e.message(`{"channel": "livechat", "sender": "matrix", "from": "visitor", "text": "hi"}`, e.key()...), &out)
	if len(out.Replies) == 0 || out.Replies[0] != own {
		t.Errorf("replies %q, want the chatbot's own notice first", out.Replies)
	}
}
