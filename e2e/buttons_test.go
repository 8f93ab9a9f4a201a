//go:build e2e

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// buttonsMenu offers two buttons and comes back to them after hours.
func buttonsMenu() *chatbot.Definition {
	return &chatbot.Definition{
		Entry: "start", Fallback: "start",
		Dialogs: []chatbot.Dialog{
			{ID: "start", Name: "Start", Elements: []chatbot.Element{
				{Type: chatbot.ElementButtons, Text: "What would you like?", Options: []chatbot.Option{
					{Label: "Prices", Dialog: "prices"}, {Label: "Opening hours", Dialog: "hours"}}}}},
			{ID: "prices", Name: "Prices", Elements: []chatbot.Element{{Type: chatbot.ElementClose, Text: "From 5 euros."}}},
			{ID: "hours", Name: "Hours", Elements: []chatbot.Element{
				{Type: chatbot.ElementMessage, Text: "We are open 9 to 5."}, {Type: chatbot.ElementGoto, Dialog: "start"}}},
		},
		Tests: []chatbot.Test{{Name: "prices by number", Turns: []chatbot.TestTurn{
			{Say: "hi", Expect: []string{"What would you like?"}}, {Say: "1", Expect: []string{"From 5 euros."}}}}},
	}
}

// TestEndUserChoosesWithButtons: an end user clicks the buttons of the web
// chat and types a number; a designer clicks them in the test chat and
// edits the element. The pages with buttons are clean under axe-core and
// the Nu HTML Checker.
func TestEndUserChoosesWithButtons(t *testing.T) {
	app, base := startConsole(t)
	ctx := context.Background()
	sys := who.System()
	snd, err := app.Senders.Create(ctx, sys, "livechat", "menu")
	must(t, err)
	bot, err := app.Chatbots.Create(ctx, sys, chatbots.Settings{Name: "Menu", Channel: "livechat", SenderID: snd.ID})
	must(t, err)
	bot, err = app.Chatbots.Update(ctx, sys, bot.ID, chatbots.Edit{Version: bot.Version, Apply: chatbots.ReplaceDefinition(buttonsMenu())})
	must(t, err)
	draft, err := app.Chatbots.Duplicate(ctx, sys, bot.ID)
	must(t, err)
	_, err = app.Lifecycle.Activate(ctx, sys, bot.ID, lifecycle.ActivateOptions{OverrideWarnings: true, Reason: "test"})
	must(t, err)
	axe, err := os.ReadFile(axePath)
	must(t, err)
	htmlDir := t.TempDir()
	saved := map[string]string{}
	check := func(page playwright.Page, path, name string) {
		t.Helper()
		res, err := page.Goto(base + path)
		must(t, err)
		body, err := res.Body()
		must(t, err)
		must(t, os.WriteFile(filepath.Join(htmlDir, name+".html"), body, 0o644))
		saved[name+".html"] = path
		for _, scheme := range []*playwright.ColorScheme{playwright.ColorSchemeLight, playwright.ColorSchemeDark} {
			must(t, page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: scheme, ReducedMotion: playwright.ReducedMotionReduce}))
			_, err := page.Evaluate(`() => document.querySelectorAll("details").forEach(d => d.open = true)`)
			must(t, err)
			runAxe(t, page, axe, path+" ("+string(*scheme)+")")
		}
	}

	chat := newPage(t)
	_, err = chat.Goto(base + "/chat/menu")
	must(t, err)
	send(t, chat, "hi")
	choices := chat.GetByRole("group", playwright.PageGetByRoleOptions{Name: "Choose an answer"})
	expectVisible(t, choices.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Opening hours"}))
	must(t, choices.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Opening hours"}).Click())
	expectVisible(t, chat.GetByText("We are open 9 to 5."))
	// The buttons are shown again with the menu's reply; a reload keeps them.
	must(t, expect.Locator(chat.Locator("#transcript li.bubble")).ToHaveCount(5))
	check(chat, "/chat/menu", "chat-with-buttons")
	expectVisible(t, choices.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Prices"}))
	send(t, chat, "1")
	expectVisible(t, chat.GetByText("From 5 euros."))
	must(t, expect.Locator(choices).ToHaveCount(0))

	page := newPage(t)
	signIn(t, page, base, testkit.Email(rbac.Designer), testkit.Password(rbac.Designer))
	check(page, "/chatbots/"+itoa(draft.ID), "editor-with-buttons")
	must(t, page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: playwright.ColorSchemeLight}))
	_, err = page.Goto(base + "/chatbots/" + itoa(draft.ID))
	must(t, err)
	tc := page.Locator("#test-chat")
	must(t, tc.GetByLabel("Test message").Fill("hi"))
	must(t, tc.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Send", Exact: playwright.Bool(true)}).Click())
	log := page.Locator("#test-chat-log")
	opts := log.GetByRole("group", playwright.LocatorGetByRoleOptions{Name: "Options of the last reply"})
	must(t, opts.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Opening hours"}).Click())
	expectText(t, log, "We are open 9 to 5.")
	must(t, log.Locator("summary").Last().Click())
	expectText(t, log, "option 2 “Opening hours” by its label chosen")

	// The element's form: rename an option and save.
	el := page.Locator("#el-start-0")
	must(t, el.GetByLabel("Label of option 2").Fill("Hours"))
	must(t, el.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Save element"}).Click())
	must(t, expect.Locator(page.Locator("#el-start-0").GetByLabel("Label of option 2")).ToHaveValue("Hours"))
	_, def, err := app.Chatbots.Get(ctx, sys, draft.ID)
	must(t, err)
	if got := def.Dialogs[0].Elements[0].Options[1]; got.Label != "Hours" || got.Dialog != "hours" {
		t.Errorf("option 2 after the save: %+v", got)
	}
	runVNU(t, htmlDir, saved)
}
