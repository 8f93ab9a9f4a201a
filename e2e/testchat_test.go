//go:build e2e

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// TestDesignerChatsWithDraftInTestChat: a designer talks to a draft in the
// test chat, reads what the engine did, changes the draft in the editor
// (the conversation stays on screen) and sees the change in the next
// reply; Restart clears the chat. Nothing reaches the transcripts.
func TestDesignerChatsWithDraftInTestChat(t *testing.T) {
	app, base := startConsole(t)
	bot := liveFAQ(t, app, "testchat")
	ctx := context.Background()
	// A draft to play with: a duplicate of the live FAQ.
	draft, err := app.Chatbots.Duplicate(ctx, who.System(), bot.ID)
	must(t, err)

	page := newPage(t)
	signIn(t, page, base, testkit.Email(rbac.Designer), testkit.Password(rbac.Designer))
	_, err = page.Goto(base + "/chatbots/" + itoa(draft.ID))
	must(t, err)

	chat := page.Locator("#test-chat")
	say := func(text string) {
		t.Helper()
		must(t, chat.GetByLabel("Test message").Fill(text))
		must(t, chat.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Send", Exact: playwright.Bool(true)}).Click())
	}
	log := page.Locator("#test-chat-log")
	say("hi")
	expectText(t, log, "Hello! Ask me about hours.")
	say("what are your opening hours?")
	expectText(t, log, "We are open 9 to 5.")
	// The trace of that turn says which keyword took which branch.
	must(t, log.Locator("summary").Last().Click())
	expectText(t, log, "keyword “hours” matched")
	expectText(t, log, "entered dialog Hours")

	// Edit the draft: the editor swaps, the test chat keeps its log.
	hours := page.Locator("#el-hours-0")
	must(t, hours.GetByLabel("Text").Fill("We are open 8 to 6."))
	must(t, hours.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Save element"}).Click())
	expectText(t, page.Locator("#el-hours-0 textarea"), "We are open 8 to 6.")
	expectText(t, log, "We are open 9 to 5.")
	say("hours")
	expectText(t, log.Locator("li.bubble").Last(), "We are open 8 to 6.")

	if dir := os.Getenv("ANSWERS_SCREENSHOTS"); dir != "" {
		_, err := page.Screenshot(playwright.PageScreenshotOptions{Path: playwright.String(filepath.Join(dir, "testchat.png")), FullPage: playwright.Bool(true), Caret: playwright.ScreenshotCaretInitial})
		must(t, err)
	}

	// Restart clears it.
	must(t, chat.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Restart"}).Click())
	must(t, expect.Locator(log.Locator("li.bubble")).ToHaveCount(0))
	say("bye")
	expectText(t, log, "Hello! Ask me about hours.")

	var n int
	must(t, app.Store.R.QueryRowContext(ctx, `SELECT count(*) FROM messages`).Scan(&n))
	if n != 0 {
		t.Fatalf("the test chat wrote %d transcript lines", n)
	}
}

// TestDesignerWritesFailingConversationTestAndFixesTheBot: a designer
// chats with the draft, writes a conversation test of what the bot should
// say, runs it and sees it fail with what came instead; she fixes the bot
// and the test passes.
func TestDesignerWritesFailingConversationTestAndFixesTheBot(t *testing.T) {
	app, base := startConsole(t)
	bot := liveFAQ(t, app, "tests")
	draft, err := app.Chatbots.Duplicate(context.Background(), who.System(), bot.ID)
	must(t, err)

	page := newPage(t)
	signIn(t, page, base, testkit.Email(rbac.Designer), testkit.Password(rbac.Designer))
	_, err = page.Goto(base + "/chatbots/" + itoa(draft.ID))
	must(t, err)

	chat := page.Locator("#test-chat")
	must(t, chat.GetByLabel("Test message").Fill("hi"))
	must(t, chat.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Send", Exact: playwright.Bool(true)}).Click())
	must(t, chat.GetByLabel("Test message").Fill("hours"))
	must(t, chat.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Send", Exact: playwright.Bool(true)}).Click())
	expectText(t, page.Locator("#test-chat-log"), "We are open 9 to 5.")

	// The hours should mention the weekend: write that as a test.
	newTest := page.GetByRole("form", playwright.PageGetByRoleOptions{Name: "New test"})
	must(t, newTest.GetByLabel("Test name").Fill("weekend hours"))
	must(t, newTest.GetByLabel("Script").Fill("> hi\nHello! Ask me about hours.\n> hours\n~ Saturday"))
	must(t, newTest.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Add test"}).Click())
	expectVisible(t, page.GetByRole("form", playwright.PageGetByRoleOptions{Name: "Test weekend hours"}))
	must(t, byRole(page, "button", "Run tests").Click())
	results := page.Locator("#test-results")
	expectText(t, results, "1 test passed, 1 failed.")
	expectText(t, results, `weekend hours: at turn 2 ("hours") expected replies containing "Saturday", got "We are open 9 to 5."`)

	// Fix the bot.
	hours := page.Locator("#el-hours-0")
	must(t, hours.GetByLabel("Text").Fill("We are open 9 to 5, and Saturday 10 to 2."))
	must(t, hours.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Save element"}).Click())
	expectText(t, page.Locator("#el-hours-0 textarea"), "Saturday 10 to 2")
	must(t, byRole(page, "button", "Run tests").Click())
	expectText(t, page.Locator("#test-results"), "2 tests passed, 0 failed.")
	if dir := os.Getenv("ANSWERS_SCREENSHOTS"); dir != "" {
		_, err := page.Screenshot(playwright.PageScreenshotOptions{Path: playwright.String(filepath.Join(dir, "tests.png")), FullPage: playwright.Bool(true), Caret: playwright.ScreenshotCaretInitial})
		must(t, err)
	}
}
