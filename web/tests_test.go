package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/who"
)

func TestConversationTestsInTheEditor(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	base := "/chatbots/" + itoa(fx.draft.ID)
	c := newClient(t, srv)
	c.loginAs(rbac.Designer)
	version := func() string {
		t.Helper()
		bot, err := app.Store.ChatbotByID(t.Context(), fx.draft.ID)
		if err != nil {
			t.Fatal(err)
		}
		return itoa(bot.Version)
	}
	page := c.get(base)
	if !strings.Contains(page.Body, "Conversation tests") || !strings.Contains(page.Body, "asks the name") {
		t.Fatalf("no tests section:\n%s", excerpt(page.Body))
	}

	// A refused save keeps what was typed, with the message beside it.
	script := "Hello!\n> hi"
	res := c.post(base+"/tests", url.Values{"version": {version()}, "name": {"bad one"}, "script": {script}}, "HX-Request", "true")
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Line 1: start with a line like") ||
		!strings.Contains(res.Body, ">Hello!\n&gt; hi</textarea>") || !strings.Contains(res.Body, `value="bad one"`) {
		t.Fatalf("refused save: %d\n%s", res.Status, excerpt(res.Body))
	}

	// A failing test: saved, and it fails when run.
	res = c.post(base+"/tests", url.Values{"version": {version()}, "name": {"wrong greeting"}, "script": {"> hi\nGood day!"}}, "HX-Request", "true")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "wrong greeting") {
		t.Fatalf("add: %d\n%s", res.Status, excerpt(res.Body))
	}
	res = c.post(base+"/tests/run", nil, "HX-Request", "true")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "1 test passed, 1 failed") ||
		!strings.Contains(res.Body, "at turn 1 (&#34;hi&#34;) expected &#34;Good day!&#34;, got &#34;Hello!&#34;, &#34;What is your name?&#34;") ||
		strings.Contains(res.Body, "<html") {
		t.Fatalf("run: %d\n%s", res.Status, excerpt(res.Body))
	}
	// A plain post gets the whole page with the results.
	if res = c.post(base+"/tests/run", nil); res.Status != http.StatusOK || !strings.Contains(res.Body, "<html") || !strings.Contains(res.Body, "1 failed") {
		t.Fatalf("plain run: %d", res.Status)
	}
	// Fix the test; the API agrees.
	res = c.post(base+"/tests/1", url.Values{"version": {version()}, "name": {"greeting"}, "script": {"> hi\n~ Hello"}}, "HX-Request", "true")
	if res.Status != http.StatusOK {
		t.Fatalf("save: %d\n%s", res.Status, excerpt(res.Body))
	}
	e := &apiEnv{t: t, app: app, fx: fx, c: newClient(t, srv)}
	tok, _, err := app.Accounts.CreateToken(t.Context(), who.System(), app.Users[rbac.Supervisor].ID, accounts.NewToken{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	res = e.c.send(http.MethodPost, "/api/v1/chatbots/"+itoa(fx.draft.ID)+"/test", "", "Authorization", "Bearer "+tok)
	var run struct {
		Passed, Failed int
		Results        []map[string]any
	}
	if res.Status != http.StatusOK || json.Unmarshal([]byte(res.Body), &run) != nil || run.Passed != 2 || run.Failed != 0 || run.Results[1]["name"] != "greeting" {
		t.Fatalf("API: %d %s", res.Status, res.Body)
	}
	// Remove it.
	if res = c.post(base+"/tests/1/delete", url.Values{"version": {version()}}, "HX-Request", "true"); res.Status != http.StatusOK || strings.Contains(res.Body, `value="greeting"`) {
		t.Fatalf("remove: %d", res.Status)
	}
	if res = c.post(base+"/tests/9/delete", url.Values{"version": {version()}}, "HX-Request", "true"); res.Status != http.StatusNotFound {
		t.Fatalf("remove a missing test: %d", res.Status)
	}
}

// TestActivateButtonSaysAFailingTestBlocksIt: once the tests ran and one
// fails, the manager's Activate button says it is blocked and why, rather
// than looking like it would activate.
func TestActivateButtonSaysAFailingTestBlocksIt(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	base := "/chatbots/" + itoa(fx.draft.ID)
	designer := newClient(t, srv)
	designer.loginAs(rbac.Designer)
	bot, err := app.Store.ChatbotByID(t.Context(), fx.draft.ID)
	if err != nil {
		t.Fatal(err)
	}
	manager := newClient(t, srv)
	manager.loginAs(rbac.Manager)
	mustNotContain(t, manager.get(base).Body, "blocked")
	if res := designer.post(base+"/tests", url.Values{"version": {itoa(bot.Version)}, "name": {"wrong greeting"}, "script": {"> hi\nGood day!"}}, "HX-Request", "true"); res.Status != http.StatusOK {
		t.Fatalf("add: %d", res.Status)
	}
	if res := designer.post(base+"/tests/run", nil, "HX-Request", "true"); res.Status != http.StatusOK {
		t.Fatalf("run: %d", res.Status)
	}
	mustContain(t, manager.get(base).Body, `data-dialog="activate-dialog"`, "Activate… (blocked: 1 test fails)")
}
