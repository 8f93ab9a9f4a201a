package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/rbac"
)

// simResponse is the API's answer to a test-chat message.
type simResponse struct {
	Conversation string            `json:"conversation"`
	Replies      []string          `json:"replies"`
	Trace        []map[string]any  `json:"trace"`
	Attributes   map[string]string `json:"attributes"`
	Ended        bool              `json:"ended"`
}

func TestAPISimulate(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	p := "/api/v1/chatbots/" + itoa(e.fx.draft.ID) + "/simulate"
	before := e.count(`SELECT count(*) FROM messages`) + e.count(`SELECT count(*) FROM chat_sessions`) + e.count(`SELECT count(*) FROM audit_log`)
	say := func(role rbac.Role, body any) (response, simResponse) {
		t.Helper()
		b, _ := json.Marshal(body)
		res := e.c.send(http.MethodPost, p, string(b), e.as(role)...)
		var out simResponse
		if res.Status == http.StatusOK {
			if err := json.Unmarshal([]byte(res.Body), &out); err != nil {
				t.Fatalf("%v\n%s", err, res.Body)
			}
		}
		return res, out
	}
	res, s1 := say(rbac.Supervisor, map[string]any{"conversation": "", "text": "hi"})
	if res.Status != http.StatusOK || strings.Join(s1.Replies, "|") != "Hello!|What is your name?" || s1.Ended || s1.Conversation == "" {
		t.Fatalf("first: %d %s", res.Status, res.Body)
	}
	if len(s1.Trace) == 0 || s1.Trace[0]["dialog"] != "start" || s1.Trace[0]["event"] != "entered" {
		t.Fatalf("trace: %s", res.Body)
	}
	res, s2 := say(rbac.Designer, map[string]any{"conversation": s1.Conversation, "text": "Ada"})
	if res.Status != http.StatusOK || strings.Join(s2.Replies, "|") != "Bye Ada." || !s2.Ended || s2.Attributes["name"] != "Ada" {
		t.Fatalf("second: %d %s", res.Status, res.Body)
	}
	// The draft has no release; the live chatbot's release 1 can be
	// talked to.
	res, _ = say(rbac.Supervisor, map[string]any{"text": "hi", "release": 1})
	if res.Status != http.StatusNotFound {
		t.Fatalf("release 1 of the draft: want 404, got %d", res.Status)
	}
	res = e.c.send(http.MethodPost, "/api/v1/chatbots/"+itoa(e.fx.active.ID)+"/simulate", `{"text":"hi","release":1}`, e.as(rbac.Supervisor)...)
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "Hello!") {
		t.Fatalf("release 1 of the active bot: %d %s", res.Status, res.Body)
	}

	// A conversation of one chatbot does not continue on another.
	res = e.c.send(http.MethodPost, "/api/v1/chatbots/"+itoa(e.fx.active.ID)+"/simulate", `{"text":"hi","conversation":"`+s1.Conversation+`"}`, e.as(rbac.Supervisor)...)
	apiWantError(t, res, http.StatusUnprocessableEntity, "bad_conversation")

	refusals := []struct {
		role   rbac.Role
		body   string
		status int
		code   string
	}{
		{rbac.Analyzer, `{"text":"hi"}`, http.StatusForbidden, "forbidden"},
		{rbac.Supervisor, `{"text":""}`, http.StatusUnprocessableEntity, "invalid_text"},
		{rbac.Supervisor, `{"text":"hi","conversation":"forged.token"}`, http.StatusUnprocessableEntity, "bad_conversation"},
		{rbac.Supervisor, `{"text":"hi","release":-1}`, http.StatusUnprocessableEntity, "invalid_release"},
		{rbac.Supervisor, `{"text":"hi","release":9}`, http.StatusNotFound, "release_not_found"},
		{rbac.Supervisor, `{"text":"hi","extra":1}`, http.StatusBadRequest, ""},
	}
	for _, r := range refusals {
		res := e.c.send(http.MethodPost, p, r.body, e.as(r.role)...)
		if r.code == "" {
			if res.Status < 400 || res.Status >= 500 {
				t.Errorf("%s: status %d", r.body, res.Status)
			}
			continue
		}
		apiWantError(t, res, r.status, r.code)
	}
	after := e.count(`SELECT count(*) FROM messages`) + e.count(`SELECT count(*) FROM chat_sessions`) + e.count(`SELECT count(*) FROM audit_log`)
	if after != before {
		t.Fatalf("the test chat wrote rows: %d before, %d after", before, after)
	}
}

var tokenInput = regexp.MustCompile(`name="conversation" id="test-chat-conversation" value="([^"]*)"`)

func TestTestChatPanel(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	base := "/chatbots/" + itoa(fx.draft.ID)
	for _, r := range []rbac.Role{rbac.Supervisor, rbac.Designer, rbac.Admin} {
		t.Run(r.String(), func(t *testing.T) {
			c := newClient(t, srv)
			c.loginAs(r)
			page := c.get(base)
			if page.Status != http.StatusOK || !strings.Contains(page.Body, `id="test-chat"`) || !strings.Contains(page.Body, "Restart") {
				t.Fatalf("page: %d, no test chat panel", page.Status)
			}
			// htmx: the turn to append and the new token out of band.
			res := c.post(base+"/test-chat", url.Values{"text": {"hi"}, "conversation": {""}}, "HX-Request", "true")
			if res.Status != http.StatusOK || !strings.Contains(res.Body, "What is your name?") || !strings.Contains(res.Body, `data-hx-swap-oob="true"`) ||
				!strings.Contains(res.Body, "entered dialog Start") || strings.Contains(res.Body, "<html") {
				t.Fatalf("htmx turn: %d\n%s", res.Status, excerpt(res.Body))
			}
			m := tokenInput.FindStringSubmatch(res.Body)
			if m == nil || m[1] == "" {
				t.Fatalf("no token in\n%s", res.Body)
			}
			res = c.post(base+"/test-chat", url.Values{"text": {"Ada"}, "conversation": {m[1]}}, "HX-Request", "true")
			if res.Status != http.StatusOK || !strings.Contains(res.Body, "Bye Ada.") || !strings.Contains(res.Body, "The session closed here") {
				t.Fatalf("second turn: %d\n%s", res.Status, excerpt(res.Body))
			}
			// A plain post (no JavaScript) gets the whole page with the turn.
			res = c.post(base+"/test-chat", url.Values{"text": {"hi"}})
			if res.Status != http.StatusOK || !strings.Contains(res.Body, "<html") || !strings.Contains(res.Body, "What is your name?") {
				t.Fatalf("plain turn: %d\n%s", res.Status, excerpt(res.Body))
			}
			// A refusal is shown in the log, and changes nothing.
			res = c.post(base+"/test-chat", url.Values{"text": {"hi"}, "conversation": {"forged.x"}}, "HX-Request", "true")
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Restart the test chat") {
				t.Fatalf("forged: %d\n%s", res.Status, excerpt(res.Body))
			}
			res = c.post(base+"/test-chat", url.Values{"text": {""}}, "HX-Request", "true")
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Write a message first") {
				t.Fatalf("empty: %d\n%s", res.Status, excerpt(res.Body))
			}
			// Restart gives an empty panel.
			res = c.post(base+"/test-chat", url.Values{"restart": {"1"}}, "HX-Request", "true")
			if res.Status != http.StatusOK || !strings.Contains(res.Body, `id="test-chat"`) || strings.Contains(res.Body, "Bye") {
				t.Fatalf("restart: %d\n%s", res.Status, excerpt(res.Body))
			}
			res = c.post(base+"/test-chat", url.Values{"restart": {"1"}, "release": {"x"}}, "HX-Request", "true")
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("bad release: %d", res.Status)
			}
		})
	}
	c := newClient(t, srv)
	c.loginAs(rbac.Analyzer)
	if res := c.post(base+"/test-chat", url.Values{"text": {"hi"}}, "HX-Request", "true"); res.Status != http.StatusForbidden {
		t.Fatalf("analyzer: %d", res.Status)
	}
}
