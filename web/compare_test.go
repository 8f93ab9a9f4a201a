package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/who"
)

func TestCompare(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := t.Context()
	// The draft differs from the live chatbot by its greeting.
	if _, err := e.app.Chatbots.Update(ctx, who.System(), e.fx.draft.ID, chatbots.Edit{Version: e.fx.draft.Version,
		Apply: func(_ *chatbots.Settings, d *chatbot.Definition) (string, error) {
			d.Dialogs[0].Elements[0].Text = "Hello again!"
			d.Tests[0].Turns[0].Expect[0] = "Hello again!"
			return "greeting", nil
		}}); err != nil {
		t.Fatal(err)
	}
	draft, live := itoa(e.fx.draft.ID), itoa(e.fx.active.ID)

	res := e.c.get("/api/v1/chatbots/"+draft+"/diff?against="+live, e.as(rbac.Supervisor)...)
	var out struct {
		Changes []chatbot.Change `json:"changes"`
	}
	if res.Status != http.StatusOK || json.Unmarshal([]byte(res.Body), &out) != nil {
		t.Fatalf("diff: %d %s", res.Status, res.Body)
	}
	want := []chatbot.Change{
		{Kind: "changed", Dialog: "start", Element: 1, Field: "text", Before: "Hello!", After: "Hello again!"},
		{Kind: "changed", Field: "test asks the name", Before: "> hi\nHello!\nWhat is your name?\n> Ada\nBye Ada.", After: "> hi\nHello again!\nWhat is your name?\n> Ada\nBye Ada."},
	}
	if len(out.Changes) != 2 || out.Changes[0] != want[0] || out.Changes[1] != want[1] {
		t.Fatalf("changes %+v", out.Changes)
	}
	if !strings.Contains(res.Body, `"kind":"changed","dialog":"start","element":1,"field":"text","before":"Hello!","after":"Hello again!"`) {
		t.Errorf("JSON shape: %s", res.Body)
	}
	res = e.c.get("/api/v1/chatbots/"+draft+"/diff?against="+live+"&release=1", e.as(rbac.Supervisor)...)
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "Hello again!") || !strings.Contains(res.Body, `"release":1`) {
		t.Fatalf("against release 1: %d %s", res.Status, res.Body)
	}
	for _, q := range []struct {
		query  string
		status int
		code   string
	}{
		{"", http.StatusUnprocessableEntity, "invalid_against"},
		{"?against=x", http.StatusUnprocessableEntity, "invalid_against"},
		{"?against=" + live + "&release=9", http.StatusNotFound, "release_not_found"},
		{"?against=99999", http.StatusNotFound, "chatbot_not_found"},
	} {
		apiWantError(t, e.c.get("/api/v1/chatbots/"+draft+"/diff"+q.query, e.as(rbac.Supervisor)...), q.status, q.code)
	}
	apiWantError(t, e.c.get("/api/v1/chatbots/"+draft+"/diff?against="+live, e.as(rbac.Analyzer)...), http.StatusForbidden, "forbidden")

	// The page.
	c := newClient(t, e.c.srv)
	c.loginAs(rbac.Manager)
	page := c.get("/chatbots/" + draft)
	if !strings.Contains(page.Body, `href="/chatbots/`+draft+`/compare?against=`+live+`"`) {
		t.Fatalf("the chatbot page does not link to the comparison with the live chatbot")
	}
	if !strings.Contains(page.Body, "What changed since Matrix bot?") {
		t.Errorf("the activation dialog does not link to the comparison with what is live")
	}
	page = c.get("/chatbots/" + draft + "/compare?against=" + live)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "From Matrix bot to Matrix draft") || !strings.Contains(page.Body, "2 changes") ||
		!strings.Contains(page.Body, "element 1 · text") || !strings.Contains(page.Body, "Hello again!") {
		t.Fatalf("page: %d\n%s", page.Status, excerpt(page.Body))
	}
	if page = c.get("/chatbots/" + draft + "/compare?against=" + live + "&release=7"); page.Status != http.StatusNotFound || !strings.Contains(page.Body, "has no release #7") {
		t.Fatalf("bad release: %d", page.Status)
	}
	if page = c.get("/chatbots/" + draft + "/compare"); page.Status != http.StatusOK || !strings.Contains(page.Body, "Choose…") {
		t.Fatalf("no choice yet: %d", page.Status)
	}
}
