//go:build e2e

package e2e

import (
	"context"
	"regexp"
	"strconv"
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

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func byRole(page playwright.Page, role playwright.AriaRole, name string) playwright.Locator {
	return page.GetByRole(role, playwright.PageGetByRoleOptions{Name: name, Exact: playwright.Bool(true)})
}

func TestDesignerBuildsChatbotAndFixesValidationError(t *testing.T) {
	app, base := startConsole(t)
	if _, err := app.Senders.Create(context.Background(), who.System(), "livechat", "pizza"); err != nil {
		t.Fatal(err)
	}
	page := newPage(t)
	signIn(t, page, base, testkit.Email(rbac.Designer), testkit.Password(rbac.Designer))
	must(t, navLink(page, "Chatbots").Click())
	expectVisible(t, page.GetByText("No chatbots yet"))

	// Create it.
	// A disclosure (<summary>), drawn as a button.
	must(t, page.Locator("summary", playwright.PageLocatorOptions{HasText: "New chatbot"}).Click())
	must(t, page.GetByLabel("Name", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).Fill("Pizza bot"))
	must(t, page.GetByLabel("Sender (optional)").Fill("livechat pizza"))
	must(t, byRole(page, "button", "Create and open the editor").Click())
	expectText(t, page.GetByRole("heading", playwright.PageGetByRoleOptions{Level: playwright.Int(1)}), "Pizza bot")

	// An attribute, a question and a dialog.
	must(t, page.GetByLabel("Attribute name").Fill("size"))
	must(t, byRole(page, "button", "Add attribute").Click())
	expectVisible(t, page.Locator("#attributes").GetByText("size", playwright.LocatorGetByTextOptions{Exact: playwright.Bool(true)}))

	start := page.Locator("#dialog-start")
	must(t, start.Locator(".add-element summary", playwright.LocatorLocatorOptions{HasText: "Question"}).Click())
	addQuestion := start.GetByRole("form", playwright.LocatorGetByRoleOptions{Name: "Add Question to Start"})
	must(t, addQuestion.GetByLabel("Question").Fill("Which size would you like?"))
	_, err := addQuestion.GetByLabel("Store the answer in").SelectOption(playwright.SelectOptionValues{Values: playwright.StringSlice("size")})
	must(t, err)
	must(t, addQuestion.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Add Question"}).Click())
	expectVisible(t, page.Locator("#el-start-1"))

	must(t, page.GetByLabel("New dialog name").Fill("Menu"))
	must(t, byRole(page, "button", "Add dialog").Click())
	expectVisible(t, page.Locator("#dialog-menu"))
	menu := page.Locator("#dialog-menu")
	must(t, menu.Locator(".add-element summary", playwright.LocatorLocatorOptions{HasText: "Message"}).Click())
	addMsg := menu.GetByRole("form", playwright.LocatorGetByRoleOptions{Name: "Add Message to Menu"})
	must(t, addMsg.GetByLabel("Text").Fill("Margherita, funghi or diavola?"))
	must(t, addMsg.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Add Message"}).Click())
	expectVisible(t, page.Locator("#el-menu-0"))

	// Keywords whose branch leads to Menu, chosen by its name.
	start = page.Locator("#dialog-start")
	must(t, start.Locator(".add-element summary", playwright.LocatorLocatorOptions{HasText: "Keywords"}).Click())
	addKw := start.GetByRole("form", playwright.LocatorGetByRoleOptions{Name: "Add Keywords to Start"})
	must(t, addKw.GetByLabel("Keywords of branch 1").Fill("pizza, pie"))
	_, err = addKw.GetByLabel("Dialog of branch 1").SelectOption(playwright.SelectOptionValues{Labels: playwright.StringSlice("Menu")})
	must(t, err)
	must(t, addKw.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Add Keywords"}).Click())
	expectVisible(t, page.Locator("#el-start-2"))

	// Menu is deleted: the branch now leads nowhere.
	menu = page.Locator("#dialog-menu")
	must(t, menu.Locator("summary", playwright.LocatorLocatorOptions{HasText: "Dialog settings"}).Click())
	page.OnDialog(func(d playwright.Dialog) { _ = d.Accept() })
	must(t, menu.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Delete dialog"}).Click())
	must(t, expect.Locator(page.Locator("#dialog-menu")).ToHaveCount(0))

	// Validation points at the broken element.
	must(t, byRole(page, "button", "Validate").Click())
	finding := page.Locator("#validation li[data-severity=error]")
	expectText(t, finding, `goes to dialog "menu", which does not exist`)
	must(t, finding.GetByRole("link").Click())
	must(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`#el-start-2$`)))

	// Fix it where it is: "New dialog…" named Menu makes the dialog and
	// points the branch at it in one save. Validate again: no errors left.
	kw := page.Locator("#el-start-2")
	_, err = kw.GetByLabel("Dialog of branch 1").SelectOption(playwright.SelectOptionValues{Labels: playwright.StringSlice("New dialog…")})
	must(t, err)
	must(t, kw.GetByLabel("Name of the new dialog for branch 1").Fill("Menu"))
	must(t, kw.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Save element"}).Click())
	expectVisible(t, page.Locator("#dialog-menu"))
	if err := expect.Locator(page.Locator("#el-start-2").GetByLabel("Dialog of branch 1")).ToHaveValue("menu"); err != nil {
		t.Fatal(err)
	}
	must(t, byRole(page, "button", "Validate").Click())
	expectText(t, page.Locator("#validation"), "0 errors")
	must(t, expect.Locator(page.Locator("#validation li[data-severity=error]")).ToHaveCount(0))
}

// liveFAQ puts a small keyword chatbot live on a livechat sender.
func liveFAQ(t *testing.T, app *webtest.App, address string) store.Chatbot {
	t.Helper()
	return liveFAQNamed(t, app, address, "FAQ")
}

// liveFAQNamed is liveFAQ with another name.
func liveFAQNamed(t *testing.T, app *webtest.App, address, name string) store.Chatbot {
	t.Helper()
	ctx := context.Background()
	sys := who.System()
	snd, err := app.Senders.Create(ctx, sys, "livechat", address)
	must(t, err)
	bot, err := app.Chatbots.Create(ctx, sys, chatbots.Settings{Name: name, Channel: "livechat", SenderID: snd.ID})
	must(t, err)
	def := &chatbot.Definition{
		Entry: "start", Fallback: "fallback",
		Dialogs: []chatbot.Dialog{
			{ID: "start", Name: "Start", Elements: []chatbot.Element{
				{Type: chatbot.ElementMessage, Text: "Hello! Ask me about hours."}, {Type: chatbot.ElementGoto, Dialog: "menu"}}},
			{ID: "menu", Name: "Menu", Elements: []chatbot.Element{{Type: chatbot.ElementKeywords, Branches: []chatbot.Branch{
				{Keywords: []string{"hours", "opening"}, Dialog: "hours"}, {Keywords: []string{"bye"}, Dialog: "bye"}}}}},
			{ID: "hours", Name: "Hours", Elements: []chatbot.Element{
				{Type: chatbot.ElementMessage, Text: "We are open 9 to 5."}, {Type: chatbot.ElementGoto, Dialog: "menu"}}},
			{ID: "bye", Name: "Bye", Elements: []chatbot.Element{{Type: chatbot.ElementClose, Text: "Goodbye!"}}},
			{ID: "fallback", Name: "Fallback", Elements: []chatbot.Element{
				{Type: chatbot.ElementMessage, Text: "Sorry, ask me about hours."}, {Type: chatbot.ElementGoto, Dialog: "menu"}}},
		},
		// A test that survives the journeys' edits of the hours answer.
		Tests: []chatbot.Test{{Name: "greets", Turns: []chatbot.TestTurn{
			{Say: "hi", Expect: []string{"Hello! Ask me about hours."}},
		}}},
	}
	bot, err = app.Chatbots.Update(ctx, sys, bot.ID, chatbots.Edit{Version: bot.Version, Apply: chatbots.ReplaceDefinition(def)})
	must(t, err)
	bot, err = app.Lifecycle.Activate(ctx, sys, bot.ID, lifecycle.ActivateOptions{})
	must(t, err)
	return bot
}

func send(t *testing.T, page playwright.Page, text string) {
	t.Helper()
	must(t, page.GetByLabel("Your message").Fill(text))
	must(t, byRole(page, "button", "Send").Click())
}

func TestEndUserChatsAndSupervisorReadsTranscript(t *testing.T) {
	app, base := startConsole(t)
	bot := liveFAQ(t, app, "help")

	chat := newPage(t)
	_, err := chat.Goto(base + "/chat/help")
	must(t, err)
	expectVisible(t, chat.GetByText("Write a message to start the conversation."))
	send(t, chat, "hi there")
	expectVisible(t, chat.GetByText("Hello! Ask me about hours."))
	send(t, chat, "What are your OPENING hours?")
	expectVisible(t, chat.GetByText("We are open 9 to 5."))
	send(t, chat, "bye")
	expectVisible(t, chat.GetByText("Goodbye!"))
	expectVisible(t, chat.GetByText("The conversation has ended."))
	// The message box is empty again after each message.
	must(t, expect.Locator(chat.GetByLabel("Your message")).ToHaveValue(""))

	sup := newPage(t)
	signIn(t, sup, base, testkit.Email(rbac.Supervisor), testkit.Password(rbac.Supervisor))
	must(t, navLink(sup, "Chatbots").Click())
	must(t, byRole(sup, "link", bot.Name).Click())
	must(t, byRole(sup, "button", "Sessions").Click())
	expectVisible(t, sup.Locator("#sessions-list").GetByText("Completed"))
	must(t, sup.Locator("table").GetByRole("link").First().Click())
	transcript := sup.Locator("#transcript")
	expectText(t, transcript, "What are your OPENING hours?")
	expectText(t, transcript, "We are open 9 to 5.")
	expectText(t, transcript, "Goodbye!")
	// A supervisor reads but does not edit.
	_, err = sup.Goto(base + "/chatbots/" + itoa(bot.ID))
	must(t, err)
	must(t, expect.Locator(byRole(sup, "button", "Save settings")).ToHaveCount(0))
}

func gotoElement(dialog string) chatbot.Element {
	return chatbot.Element{Type: chatbot.ElementGoto, Dialog: dialog}
}

func regexpMust(s string) *regexp.Regexp { return regexp.MustCompile(s) }
