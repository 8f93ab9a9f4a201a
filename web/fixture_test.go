package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/webhooks"
	"github.com/answers-console/answers/internal/who"
	"github.com/answers-console/answers/web/webtest"
)

// fixture is a console with something behind every route: a user to act
// on, a livechat sender, an active chatbot with a session, and a draft.
type fixture struct {
	user    store.User
	sender  store.Sender
	active  store.Chatbot
	draft   store.Chatbot
	doomed  store.Chatbot // deleted by the first role allowed to
	session int64
	// hook is a webhook endpoint (never delivered to: web tests run no
	// deliverer); doomedHook is deleted by the first route that may.
	hook, doomedHook store.WebhookEndpoint
}

// greeter is a small valid definition: it greets, asks for a name and says
// goodbye.
func greeter() *chatbot.Definition {
	return &chatbot.Definition{
		Attributes: []chatbot.Attribute{{Name: "name", Type: "text"}},
		Entry:      "start", Fallback: "start",
		Dialogs: []chatbot.Dialog{{ID: "start", Name: "Start", Elements: []chatbot.Element{
			{Type: chatbot.ElementMessage, Text: "Hello!"},
			{Type: chatbot.ElementQuestion, Text: "What is your name?", Attribute: "name"},
			{Type: chatbot.ElementClose, Text: "Bye {{name}}."},
		}}},
		Tests: []chatbot.Test{{Name: "asks the name", Turns: []chatbot.TestTurn{
			{Say: "hi", Expect: []string{"Hello!", "What is your name?"}},
			{Say: "Ada", Expect: []string{"Bye Ada."}},
		}}},
	}
}

func newFixture(t testing.TB, app *webtest.App) fixture {
	t.Helper()
	ctx := context.Background()
	sys := who.System()
	var fx fixture
	var err error
	if fx.user, _, err = app.Accounts.AddUser(ctx, sys, accounts.NewUserInput{Email: "target@test.local", Name: "Target", Role: "analyzer"}); err != nil {
		t.Fatal(err)
	}
	if fx.sender, err = app.Senders.Create(ctx, sys, "livechat", "matrix"); err != nil {
		t.Fatal(err)
	}
	fx.active = makeChatbot(t, app, "Matrix bot", fx.sender.ID, greeter())
	if _, err := app.Lifecycle.Activate(ctx, sys, fx.active.ID, lifecycle.ActivateOptions{}); err != nil {
		t.Fatal(err)
	}
	out, err := app.Routing.Route(ctx, fx.sender, "visitor", "hi")
	if err != nil {
		t.Fatal(err)
	}
	fx.session = out.SessionID
	fx.draft = makeChatbot(t, app, "Matrix draft", fx.sender.ID, greeter())
	fx.doomed = makeChatbot(t, app, "Matrix doomed", fx.sender.ID, greeter())
	for _, h := range []*store.WebhookEndpoint{&fx.hook, &fx.doomedHook} {
		u, ev := "https://hooks.example.com/in", []string{"chatbot.*"}
		if *h, err = app.Webhooks.Create(ctx, sys, webhooks.Input{URL: &u, Events: &ev}); err != nil {
			t.Fatal(err)
		}
	}
	return fx
}

// makeChatbot creates an inactive chatbot with def.
func makeChatbot(t testing.TB, app *webtest.App, name string, sender int64, def *chatbot.Definition) store.Chatbot {
	t.Helper()
	ctx := context.Background()
	c, err := app.Chatbots.Create(ctx, who.System(), chatbots.Settings{Name: name, Channel: "livechat", SenderID: sender})
	if err != nil {
		t.Fatal(err)
	}
	c, err = app.Chatbots.Update(ctx, who.System(), c.ID, chatbots.Edit{Version: c.Version, Apply: chatbots.ReplaceDefinition(def)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// path fills a route pattern's parameters with the fixture's ids.
func (fx fixture) path(pattern string) string {
	return fx.methodPath("", pattern)
}

// methodPath is path for a route whose method matters (DELETE deletes).
func (fx fixture) methodPath(method, pattern string) string {
	if strings.HasPrefix(pattern, "/webhooks/") || strings.HasPrefix(pattern, "/api/v1/webhooks/") {
		id := fx.hook.ID
		if method == "DELETE" || strings.HasSuffix(pattern, "/delete") {
			id = fx.doomedHook.ID
		}
		return strings.NewReplacer(":id", strconv.FormatInt(id, 10), ":delivery", "1").Replace(pattern)
	}
	if method == "DELETE" && !strings.HasPrefix(pattern, "/api/v1/senders/") {
		return strings.Replace(pattern, ":id", strconv.FormatInt(fx.doomed.ID, 10), 1)
	}
	id := strconv.FormatInt(fx.user.ID, 10)
	switch {
	case strings.HasPrefix(pattern, "/chatbots/"), strings.HasPrefix(pattern, "/api/v1/chatbots/"):
		id = strconv.FormatInt(fx.draft.ID, 10)
		if strings.Contains(pattern, "sessions") || strings.HasSuffix(pattern, "deactivate") || strings.HasSuffix(pattern, "-grace") || strings.HasSuffix(pattern, "rollback") ||
			strings.Contains(pattern, "/releases/") {
			id = strconv.FormatInt(fx.active.ID, 10)
		}
		if strings.HasSuffix(pattern, "/delete") && !strings.Contains(pattern, "/dialogs/") && !strings.Contains(pattern, "/attributes/") {
			id = strconv.FormatInt(fx.doomed.ID, 10)
		}
	case strings.HasPrefix(pattern, "/senders/"), strings.HasPrefix(pattern, "/api/v1/senders/"):
		id = strconv.FormatInt(fx.sender.ID, 10)
	case strings.HasPrefix(pattern, "/api/v1/sessions/"), strings.HasPrefix(pattern, "/conversations/"):
		id = strconv.FormatInt(fx.session, 10)
	}
	r := strings.NewReplacer(":id", id, ":session", strconv.FormatInt(fx.session, 10), ":dialog", "start",
		":idx", "0", ":token", "0", ":name", "name", ":address", fx.sender.Address, ":format", "csv", "*", "css/app.css", ":number", "1")
	if strings.HasSuffix(pattern, "/diff") || strings.HasSuffix(pattern, "/compare") {
		// A comparison needs the other side: the live chatbot.
		return r.Replace(pattern) + "?against=" + strconv.FormatInt(fx.active.ID, 10)
	}
	return r.Replace(pattern)
}
