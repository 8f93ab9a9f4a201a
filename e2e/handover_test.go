//go:build e2e

package e2e

import (
	"context"
	"os"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
	"github.com/answers-console/answers/web/webtest"
)

// deskChatbot puts live on sender senderID a chatbot that greets, answers
// "hours", and hands the conversation to people (queue "support") when
// asked for a person.
func deskChatbot(t *testing.T, app *webtest.App, senderID int64) store.Chatbot {
	t.Helper()
	ctx := context.Background()
	sys := who.System()
	bot, err := app.Chatbots.Create(ctx, sys, chatbots.Settings{Name: "Help desk", Channel: "livechat", SenderID: senderID})
	must(t, err)
	def := &chatbot.Definition{
		Entry: "start", Fallback: "fallback",
		Dialogs: []chatbot.Dialog{
			{ID: "start", Name: "Start", Elements: []chatbot.Element{
				{Type: chatbot.ElementMessage, Text: "Hello! Ask me about hours, or ask for a person."}, {Type: chatbot.ElementGoto, Dialog: "menu"}}},
			{ID: "menu", Name: "Menu", Elements: []chatbot.Element{{Type: chatbot.ElementKeywords, Branches: []chatbot.Branch{
				{Keywords: []string{"hours"}, Dialog: "hours"}, {Keywords: []string{"person", "human"}, Dialog: "person"}}}}},
			{ID: "hours", Name: "Hours", Elements: []chatbot.Element{
				{Type: chatbot.ElementMessage, Text: "We are open 9 to 5."}, {Type: chatbot.ElementGoto, Dialog: "menu"}}},
			{ID: "person", Name: "A person", Elements: []chatbot.Element{
				{Type: chatbot.ElementHandover, Text: "A person will write to you here shortly.", Queue: "support", Note: "Asked for a person"}}},
			{ID: "fallback", Name: "Fallback", Elements: []chatbot.Element{
				{Type: chatbot.ElementMessage, Text: "Sorry, ask me about hours."}, {Type: chatbot.ElementGoto, Dialog: "menu"}}},
		},
		Tests: []chatbot.Test{{Name: "hands over", Turns: []chatbot.TestTurn{
			{Say: "hi", Expect: []string{"Hello! Ask me about hours, or ask for a person."}},
			{Say: "a person please", Expect: []string{"A person will write to you here shortly."}, Handover: true},
		}}},
	}
	bot, err = app.Chatbots.Update(ctx, sys, bot.ID, chatbots.Edit{Version: bot.Version, Apply: chatbots.ReplaceDefinition(def)})
	must(t, err)
	bot, err = app.Lifecycle.Activate(ctx, sys, bot.ID, lifecycle.ActivateOptions{OverrideWarnings: true})
	must(t, err)
	return bot
}

// TestPersonTakesOverAWebChat is SPEC §11's journey: a visitor on the web
// chat asks for a person; a supervisor sees it appear in the inbox
// without reloading, takes it and replies; the visitor sees the reply
// live; the bot stays silent meanwhile; the supervisor hands it back and
// the bot answers the next message.
func TestPersonTakesOverAWebChat(t *testing.T) {
	app, base := startConsole(t)
	ctx := context.Background()
	desk, err := app.Senders.Create(ctx, who.System(), "livechat", "desk")
	must(t, err)
	deskChatbot(t, app, desk.ID)
	axe, err := os.ReadFile(axePath)
	must(t, err)

	sup := newPage(t)
	signIn(t, sup, base, testkit.Email(rbac.Supervisor), testkit.Password(rbac.Supervisor))
	must(t, navLink(sup, "Conversations").Click())
	expectVisible(t, sup.GetByText("No conversation waits for a person."))

	visitor := newPage(t)
	_, err = visitor.Goto(base + "/chat/desk")
	must(t, err)
	send(t, visitor, "hi")
	expectVisible(t, visitor.GetByText("Hello! Ask me about hours, or ask for a person."))
	send(t, visitor, "I need a person")
	expectVisible(t, visitor.GetByText("A person will write to you here shortly."))

	// The inbox shows it without a reload, with the count in the navigation.
	row := sup.Locator("#inbox tr", playwright.PageLocatorOptions{HasText: "support"})
	expectVisible(t, row)
	expectText(t, row, "I need a person")
	expectText(t, mainNav(sup), "1 waiting")
	if n := runAxe(t, sup, axe, "the inbox with a waiting conversation"); n > 0 {
		t.Errorf("axe: %d violations on the inbox", n)
	}
	must(t, row.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Take the conversation"}).Click())
	expectVisible(t, sup.GetByText("you hold it"))
	expectVisible(t, sup.GetByText("Asked for a person"))

	// The visitor writes: the bot is silent, the supervisor sees it live.
	send(t, visitor, "are you there?")
	live := sup.Locator("#conversation-live")
	expectText(t, live, "are you there?")
	must(t, sup.GetByLabel("Your reply").Fill("Hi, Sam here. How can I help?"))
	must(t, byRole(sup, "button", "Send").Click())
	expectText(t, live, "Hi, Sam here. How can I help?")
	must(t, expect.Locator(sup.GetByLabel("Your reply")).ToHaveValue(""))
	if n := runAxe(t, sup, axe, "a conversation a supervisor holds"); n > 0 {
		t.Errorf("axe: %d violations on the conversation", n)
	}

	bubbles := visitor.Locator("#transcript .bubble")
	expectVisible(t, visitor.Locator("#transcript .bubble", playwright.PageLocatorOptions{HasText: "Hi, Sam here. How can I help?"}))
	// hi, Hello, I need a person, handover text, are you there?, Sam: the
	// bot said nothing to "are you there?".
	must(t, expect.Locator(bubbles).ToHaveCount(6))
	must(t, expect.Locator(bubbles.Last()).ToContainText("Hi, Sam here."))

	// Back to the bot: it greets at its entry, and answers the next message.
	must(t, byRole(sup, "button", "Hand back").Click())
	expectVisible(t, sup.GetByText("with the chatbot"))
	must(t, expect.Locator(bubbles).ToHaveCount(7))
	must(t, expect.Locator(bubbles.Last()).ToContainText("Hello! Ask me about hours"))
	send(t, visitor, "hours?")
	expectVisible(t, visitor.GetByText("We are open 9 to 5."))

	// The inbox is empty again, live.
	must(t, navLink(sup, "Conversations").Click())
	expectVisible(t, sup.GetByText("No conversation waits for a person."))
}
