package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
	"github.com/answers-console/answers/web/webtest"
)

// menu greets and offers two buttons.
func menu() *chatbot.Definition {
	return &chatbot.Definition{
		Attributes: []chatbot.Attribute{},
		Entry:      "start", Fallback: "start",
		Dialogs: []chatbot.Dialog{
			{ID: "start", Name: "Start", Elements: []chatbot.Element{
				{Type: chatbot.ElementButtons, Text: "What would you like?", Options: []chatbot.Option{
					{Label: "Prices", Dialog: "prices"}, {Label: "Opening hours", Dialog: "hours"}}}}},
			{ID: "prices", Name: "Prices", Elements: []chatbot.Element{{Type: chatbot.ElementClose, Text: "From 5 €."}}},
			{ID: "hours", Name: "Hours", Elements: []chatbot.Element{{Type: chatbot.ElementClose, Text: "9 to 5."}}},
		},
		Tests: []chatbot.Test{{Name: "hours by number", Turns: []chatbot.TestTurn{
			{Say: "hi", Expect: []string{"What would you like?"}},
			{Say: "2", Expect: []string{"9 to 5."}},
		}}},
	}
}

// liveMenu makes a sender on channel with the menu chatbot active on it.
func liveMenu(t *testing.T, app *webtest.App, channel, address string) store.Sender {
	t.Helper()
	ctx := context.Background()
	snd, err := app.Senders.Create(ctx, who.System(), channel, address)
	if err != nil {
		t.Fatal(err)
	}
	c, err := app.Chatbots.Create(ctx, who.System(), chatbots.Settings{Name: "Menu " + channel, Channel: channel, SenderID: snd.ID})
	if err != nil {
		t.Fatal(err)
	}
	if c, err = app.Chatbots.Update(ctx, who.System(), c.ID, chatbots.Edit{Version: c.Version, Apply: chatbots.ReplaceDefinition(menu())}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Lifecycle.Activate(ctx, who.System(), c.ID, lifecycle.ActivateOptions{OverrideWarnings: true, Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	return snd
}

// TestAPIMessagesChoices: the inbound API's answer carries the last
// reply's options as "choices" ([] when there are none), a gateway may
// answer with a label or a number, and an SMS gets them as a numbered
// list in the text.
func TestAPIMessagesChoices(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	wa := liveMenu(t, e.app, "whatsapp", "+15550100")
	sms := liveMenu(t, e.app, "sms", "+15550199")
	type answer struct {
		Replies []string `json:"replies"`
		Choices []string `json:"choices"`
	}
	send := func(snd store.Sender, text string) (answer, map[string]json.RawMessage) {
		t.Helper()
		b, _ := json.Marshal(map[string]string{"channel": snd.Channel, "sender": snd.Address, "from": "+4915112345", "text": text})
		res := e.message(string(b), "X-Inbound-Key", snd.InboundKey)
		if res.Status != http.StatusOK {
			t.Fatalf("%s %q: %d %s", snd.Channel, text, res.Status, res.Body)
		}
		var a answer
		var raw map[string]json.RawMessage
		apiDecode(t, res, &a)
		apiDecode(t, res, &raw)
		return a, raw
	}
	a, _ := send(wa, "hi")
	if !slices.Equal(a.Replies, []string{"What would you like?"}) || !slices.Equal(a.Choices, []string{"Prices", "Opening hours"}) {
		t.Errorf("whatsapp, first: %+v", a)
	}
	a, raw := send(wa, "opening hours")
	if !slices.Equal(a.Replies, []string{"9 to 5."}) || string(raw["choices"]) != "[]" {
		t.Errorf("whatsapp, a label typed: %+v, choices %s (want [])", a, raw["choices"])
	}

	a, _ = send(sms, "hi")
	if !slices.Equal(a.Replies, []string{"What would you like?\n1. Prices\n2. Opening hours"}) || !slices.Equal(a.Choices, []string{"Prices", "Opening hours"}) {
		t.Errorf("sms, first: %+v", a)
	}
	if a, _ = send(sms, "1"); !slices.Equal(a.Replies, []string{"From 5 €."}) || len(a.Choices) != 0 {
		t.Errorf("sms, a number: %+v", a)
	}
	// The test chat's API answers the choices too.
	draft := makeChatbot(t, e.app, "Menu draft", e.fx.sender.ID, menu())
	sim := e.c.send(http.MethodPost, "/api/v1/chatbots/"+itoa(draft.ID)+"/simulate", `{"text": "hi"}`, e.as(rbac.Designer)...)
	apiDecode(t, sim, &raw)
	if string(raw["choices"]) != `["Prices","Opening hours"]` {
		t.Errorf("simulate: choices %s", raw["choices"])
	}
	// A message with no buttons: "choices" is [] too.
	res := e.message(`{"channel": "livechat", "sender": "matrix", "from": "web-9", "text": "hi"}`, e.key()...)
	apiDecode(t, res, &raw)
	if string(raw["choices"]) != "[]" {
		t.Errorf("choices %s, want []", raw["choices"])
	}
}

// TestWebChatButtons: the web chat shows the last reply's options as
// buttons that post their label, on the page (no JavaScript) and in an
// htmx answer (out of band); choosing one answers it.
func TestWebChatButtons(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	liveMenu(t, app, "livechat", "shop")
	c := newClient(t, srv)
	page := c.get("/chat/shop")
	m := csrfField.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatal("no CSRF field on the chat page")
	}
	if strings.Contains(page.Body, `name="text" value="Prices"`) {
		t.Error("buttons before the conversation started")
	}
	// htmx: the reply, and the buttons out of band.
	res := c.postRaw("/chat/shop", url.Values{"_csrf": {m[1]}, "text": {"hi"}}, "HX-Request", "true")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "What would you like?") ||
		!strings.Contains(res.Body, `id="chat-choices" class="chat-choices" data-hx-swap-oob="true"`) ||
		!strings.Contains(res.Body, `<button type="submit" name="text" value="Opening hours" class="outline">Opening hours</button>`) {
		t.Fatalf("htmx answer: %d\n%s", res.Status, excerpt(res.Body))
	}
	// The page, reloaded, shows them too: a plain form post of the label.
	page = c.get("/chat/shop")
	i := strings.Index(page.Body, `id="chat-choices"`)
	if i < 0 || !strings.Contains(page.Body[i:], `<form method="post" action="/chat/shop"`) ||
		!strings.Contains(page.Body[i:], `name="text" value="Prices"`) || strings.Contains(page.Body, "data-hx-swap-oob") {
		t.Fatalf("page with buttons:\n%s", excerpt(page.Body))
	}
	// A click without JavaScript: the label posted, then the page again.
	res = c.postRaw("/chat/shop", url.Values{"_csrf": {m[1]}, "text": {"Prices"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("plain post: %d", res.Status)
	}
	page = c.get("/chat/shop")
	if strings.Contains(page.Body, `name="text" value="Prices"`) {
		t.Errorf("buttons after the choice:\n%s", excerpt(page.Body))
	}
	// htmx, a conversation without buttons: the block is emptied.
	res = c.postRaw("/chat/shop", url.Values{"_csrf": {m[1]}, "text": {"hi"}}, "HX-Request", "true")
	res = c.postRaw("/chat/shop", url.Values{"_csrf": {m[1]}, "text": {"2"}}, "HX-Request", "true")
	if !strings.Contains(res.Body, "9 to 5.") || !strings.Contains(res.Body, `data-hx-swap-oob="true"></div>`) {
		t.Errorf("after a choice by number:\n%s", excerpt(res.Body))
	}
}

// TestTestChatButtons: the test chat shows the options as buttons of its
// form, a button sends its label, and the trace says which option.
func TestTestChatButtons(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	bot := makeChatbot(t, app, "Menu draft", fx.sender.ID, menu())
	base := "/chatbots/" + itoa(bot.ID)
	c := newClient(t, srv)
	c.loginAs(rbac.Designer)
	res := c.post(base+"/test-chat", url.Values{"text": {"hi"}, "conversation": {""}}, "HX-Request", "true")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, `form="test-chat-form" name="choice" value="Opening hours" formnovalidate`) ||
		!strings.Contains(res.Body, "showed the options Prices | Opening hours and waits") {
		t.Fatalf("first turn: %d\n%s", res.Status, excerpt(res.Body))
	}
	tok := tokenInput.FindStringSubmatch(res.Body)
	if tok == nil {
		t.Fatal("no token")
	}
	res = c.post(base+"/test-chat", url.Values{"choice": {"Opening hours"}, "text": {""}, "conversation": {tok[1]}}, "HX-Request", "true")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "9 to 5.") || !strings.Contains(res.Body, "option 2 “Opening hours” by its label chosen") ||
		strings.Contains(res.Body, `name="choice"`) {
		t.Fatalf("a button: %d\n%s", res.Status, excerpt(res.Body))
	}
	// The page's test chat form has the id the buttons name.
	if page := c.get(base); !strings.Contains(page.Body, `id="test-chat-form"`) {
		t.Error("no test-chat-form on the page")
	}
}

// TestEditorButtons: the editor offers a buttons element; its form's rows
// make the options (an empty label is no option), a refused one keeps
// what was typed beside the message, and a keywords element's
// "typo-tolerant" box sets fuzzy. The read-only document shows the
// options and where they lead.
func TestEditorButtons(t *testing.T) {
	t.Parallel()
	e := newDocEnv(t)
	c := e.clients[rbac.Designer]
	path := "/chatbots/" + itoa(e.draft.ID)
	page := c.get(path)
	if !strings.Contains(page.Body, `<summary>Buttons</summary>`) || !strings.Contains(page.Body, `aria-label="Label of option 1"`) ||
		!strings.Contains(page.Body, `name="fuzzy" value="1"`) {
		t.Fatalf("the editor offers no buttons element or typo-tolerant box\n%s", excerpt(page.Body))
	}
	forms := loadedForms(t, page.Body)
	form := url.Values{"version": {forms["ask"][0]}, "revision": {forms["ask"][1]}, "type": {"buttons"}, "text": {"Anything else?"},
		"option_label": {"Opening hours", "", "Start over"}, "option_dialog": {"hours", "ask", ""}}
	res := c.post(path+"/dialogs/ask/elements", form)
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="add-ask-buttons-options-3-error"`) ||
		!strings.Contains(res.Body, "Choose the dialog option 3 leads to.") || !strings.Contains(res.Body, `value="Start over"`) ||
		!strings.Contains(res.Body, ">Anything else?</textarea>") {
		t.Fatalf("an option without a dialog: %d\n%s", res.Status, excerpt(res.Body))
	}
	form["option_dialog"] = []string{"hours", "ask", "start"}
	if res = c.post(path+"/dialogs/ask/elements", form); res.Status != http.StatusSeeOther {
		t.Fatalf("buttons: %d\n%s", res.Status, excerpt(res.Body))
	}
	_, def, err := e.app.Chatbots.Get(t.Context(), who.System(), e.draft.ID)
	if err != nil {
		t.Fatal(err)
	}
	ask, _ := def.DialogByID("ask")
	last := ask.Elements[len(ask.Elements)-1]
	if want := []chatbot.Option{{Label: "Opening hours", Dialog: "hours"}, {Label: "Start over", Dialog: "start"}}; last.Type != "buttons" || !slices.Equal(last.Options, want) {
		t.Fatalf("element %+v", last)
	}
	// The keywords element of "start" (element 1), made typo-tolerant.
	forms = loadedForms(t, c.get(path).Body)
	res = c.post(path+"/dialogs/start/elements/1", url.Values{"version": {forms["start"][0]}, "revision": {forms["start"][1]}, "type": {"keywords"},
		"branch_keywords": {"hours, open", "name"}, "branch_dialog": {"hours", "ask"}, "fuzzy": {"1"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("fuzzy: %d\n%s", res.Status, excerpt(res.Body))
	}
	if _, def, _ = e.app.Chatbots.Get(t.Context(), who.System(), e.draft.ID); !def.Dialogs[0].Elements[1].Fuzzy {
		t.Fatalf("not fuzzy: %+v", def.Dialogs[0].Elements[1])
	}
	// The document of the live chatbot is read-only; a viewer of the
	// draft's document sees the options.
	doc := e.clients[rbac.Supervisor].get(path)
	if !strings.Contains(doc.Body, "Offers buttons") || !strings.Contains(doc.Body, `<span class="doc-keywords">Start over</span>`) || !strings.Contains(doc.Body, "(typo-tolerant)") {
		t.Errorf("document:\n%s", excerpt(doc.Body))
	}
}
