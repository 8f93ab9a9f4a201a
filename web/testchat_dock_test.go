package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/who"
)

var hashInput = regexp.MustCompile(`name="hash" id="test-chat-hash" value="([^"]*)"`)

// staleShown reports whether a test-chat answer shows the "draft changed"
// note (it is always there, hidden until it applies).
func staleShown(t *testing.T, body string) bool {
	t.Helper()
	i := strings.Index(body, `id="test-chat-stale"`)
	if i < 0 {
		t.Fatalf("no draft-changed note in\n%s", excerpt(body))
	}
	j := strings.Index(body[i:], ">")
	return !strings.Contains(body[i:i+j], "hidden")
}

// TestTestChatSaysTheDraftChanged: the test chat's conversation goes on
// across saves, talking to the draft as saved; once the definition changed
// since it started, the panel says so (a change to the conversation tests
// alone does not count). Its trace links to the element that answered.
func TestTestChatSaysTheDraftChanged(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	base := "/chatbots/" + itoa(fx.draft.ID)
	c := newClient(t, srv)
	c.loginAs(rbac.Designer)
	edit := func(apply func(*chatbots.Settings, *chatbot.Definition) (string, error)) {
		t.Helper()
		bot, _, err := app.Chatbots.Get(t.Context(), who.System(), fx.draft.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Chatbots.Update(t.Context(), who.System(), fx.draft.ID, chatbots.Edit{Version: bot.Version, Apply: apply}); err != nil {
			t.Fatal(err)
		}
	}
	turn := func(text, conv, hash string) (string, string, string) {
		t.Helper()
		res := c.post(base+"/test-chat", url.Values{"text": {text}, "conversation": {conv}, "hash": {hash}}, "HX-Request", "true")
		if res.Status != http.StatusOK {
			t.Fatalf("%q: %d\n%s", text, res.Status, excerpt(res.Body))
		}
		m, h := tokenInput.FindStringSubmatch(res.Body), hashInput.FindStringSubmatch(res.Body)
		if m == nil || h == nil {
			t.Fatalf("no token or hash in\n%s", res.Body)
		}
		return res.Body, m[1], h[1]
	}

	body, conv, hash := turn("hi", "", "")
	if hash == "" || staleShown(t, body) {
		t.Fatalf("a new conversation: hash %q, stale note shown %v", hash, staleShown(t, body))
	}
	// The trace links to the element that answered, on the page.
	if !strings.Contains(body, `<a href="#el-start-1" data-hx-boost="false" data-test-chat-goto><code>start #2</code></a>`) {
		t.Errorf("the trace does not link to the question\n%s", body)
	}
	// A new conversation test changes no answer: no note.
	edit(func(_ *chatbots.Settings, def *chatbot.Definition) (string, error) {
		def.Tests = append(def.Tests, chatbot.Test{Name: "another", Turns: []chatbot.TestTurn{{Say: "x", Expect: []string{"Hello!"}}}})
		return "test added", nil
	})
	if body, _, _ = turn("Ada", conv, hash); !strings.Contains(body, "Bye Ada.") || staleShown(t, body) {
		t.Fatalf("after a new test: stale note %v\n%s", staleShown(t, body), body)
	}
	// A change of an answer: the conversation goes on, with the draft as
	// saved, and says the draft changed since it started.
	_, conv, hash = turn("hi", "", "")
	edit(func(_ *chatbots.Settings, def *chatbot.Definition) (string, error) {
		def.Dialogs[0].Elements[2].Text = "Farewell {{name}}."
		return "close text changed", nil
	})
	body, _, next := turn("Ada", conv, hash)
	if !strings.Contains(body, "Farewell Ada.") || !staleShown(t, body) || next != "" {
		t.Fatalf("after a change: stale note %v, next hash %q\n%s", staleShown(t, body), next, body)
	}
	// The page itself offers the restart the note speaks of.
	if page := c.get(base).Body; !strings.Contains(page, `name="restart"`) || !strings.Contains(page, `data-def-hash="`) {
		t.Error("the page has no restart or no hash of its definition to compare with")
	}
}
