//go:build e2e

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// TestDesignerBuildsAsAFlow is the editor as a flow (#23): a designer
// starts from a template, adds a dialog (it comes into view, focused),
// points keyword branches at dialogs by their names (one made right
// there with "New dialog…"), jumps through the map, and talks to the
// draft in the test chat docked beside the editor, whose trace links to
// the element that answered and which says when a save changed the
// draft under the conversation. On a phone the test chat is a drawer.
func TestDesignerBuildsAsAFlow(t *testing.T) {
	app, base := startConsole(t)
	if _, err := app.Senders.Create(context.Background(), who.System(), "livechat", "flow"); err != nil {
		t.Fatal(err)
	}
	page := newPage(t)
	signIn(t, page, base, testkit.Email(rbac.Designer), testkit.Password(rbac.Designer))
	must(t, navLink(page, "Chatbots").Click())
	must(t, page.Locator("summary", playwright.PageLocatorOptions{HasText: "New chatbot"}).Click())
	must(t, page.GetByLabel("Name", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).Fill("Shop FAQ"))
	must(t, page.GetByRole("radio", playwright.PageGetByRoleOptions{Name: "FAQ with contact details"}).Check())
	must(t, byRole(page, "button", "Create and open the editor").Click())
	expectText(t, page.GetByRole("heading", playwright.PageGetByRoleOptions{Level: playwright.Int(1)}), "Shop FAQ")

	// The map sits with the dialogs; the test chat is docked beside the
	// editor at 1280 px, not under it.
	expectVisible(t, page.Locator("#dialogs .dialog-map svg"))
	chat := page.Locator("#test-chat")
	editorBox, err := page.Locator("#editor").BoundingBox()
	must(t, err)
	chatBox, err := chat.BoundingBox()
	must(t, err)
	if chatBox.X < editorBox.X+editorBox.Width-1 || chatBox.Y > editorBox.Y+200 {
		t.Errorf("the test chat is not beside the editor: editor %+v, chat %+v", editorBox, chatBox)
	}

	// Add a dialog: it comes into view, focused.
	must(t, page.GetByLabel("New dialog name").Fill("Returns"))
	must(t, byRole(page, "button", "Add dialog").Click())
	returns := page.Locator("#dialog-returns")
	must(t, expect.Locator(returns).ToBeFocused())
	must(t, expect.Locator(returns).ToBeInViewport())
	must(t, returns.Locator(".add-element summary", playwright.LocatorLocatorOptions{HasText: "Message"}).Click())
	addMsg := returns.GetByRole("form", playwright.LocatorGetByRoleOptions{Name: "Add Message to Returns"})
	must(t, addMsg.GetByLabel("Text").Fill("Returns are free within 30 days."))
	must(t, addMsg.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Add Message"}).Click())
	expectVisible(t, page.Locator("#el-returns-0"))
	expectText(t, page.Locator("#dialog-returns .doc-from"), "Nothing leads to this dialog yet")

	// Topics' keywords: a branch to Returns, chosen by its name, and one
	// to a dialog made in the same save.
	topics := page.Locator("#el-menu-0")
	must(t, topics.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Add branch"}).Click())
	must(t, topics.GetByLabel("Keywords of branch 7").Fill("return, refund"))
	_, err = topics.GetByLabel("Dialog of branch 7").SelectOption(playwright.SelectOptionValues{Labels: playwright.StringSlice("Returns")})
	must(t, err)
	must(t, topics.GetByLabel("Keywords of branch 6").Fill("gift card, voucher"))
	_, err = topics.GetByLabel("Dialog of branch 6").SelectOption(playwright.SelectOptionValues{Labels: playwright.StringSlice("New dialog…")})
	must(t, err)
	newName := topics.GetByLabel("Name of the new dialog for branch 6")
	must(t, expect.Locator(newName).ToBeFocused())
	must(t, newName.Fill("Gift cards"))
	must(t, topics.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Save element"}).Click())
	expectVisible(t, page.Locator("#dialog-gift_cards"))
	if err := expect.Locator(page.Locator("#el-menu-0").GetByLabel("Dialog of branch 6")).ToHaveValue("gift_cards"); err != nil {
		t.Fatal(err)
	}
	expectText(t, page.Locator("#dialog-returns .doc-from"), "Reached from Topics")

	// The map redrew with the new dialogs; a box jumps to its dialog.
	box := page.Locator("#dialogs .dialog-map a.map-node", playwright.PageLocatorOptions{HasText: "Gift cards"})
	expectVisible(t, box)
	must(t, page.Locator("#dialogs .dialog-map a.map-node", playwright.PageLocatorOptions{HasText: "Returns"}).Click())
	must(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`#dialog-returns$`)))
	must(t, expect.Locator(returns).ToBeInViewport())

	// Talk to the draft as saved.
	log := page.Locator("#test-chat-log")
	say := func(text string) {
		t.Helper()
		must(t, chat.GetByLabel("Test message").Fill(text))
		must(t, chat.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Send", Exact: playwright.Bool(true)}).Click())
	}
	say("hi")
	expectText(t, log, "Hello!")
	say("can I get a refund?")
	expectText(t, log.Locator("li.bubble").Last(), "Returns are free within 30 days.")
	// The trace links to the element that answered.
	must(t, log.Locator("summary").Last().Click())
	must(t, log.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "returns #1"}).Click())
	must(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`#el-returns-0$`)))
	must(t, expect.Locator(page.Locator("#el-returns-0")).ToBeInViewport())

	// A save changes the draft under the conversation: it goes on, says so
	// and offers a restart.
	stale := page.Locator("#test-chat-stale")
	must(t, expect.Locator(stale).ToBeHidden())
	must(t, page.Locator("#el-returns-0").GetByLabel("Text").Fill("Returns are free within 60 days."))
	must(t, page.Locator("#el-returns-0").GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Save element"}).Click())
	expectVisible(t, stale)
	say("hello again") // Returns ended: this starts from the entry
	expectText(t, log.Locator("li.bubble").Last(), "Hello!")
	say("refund")
	expectText(t, log.Locator("li.bubble").Last(), "Returns are free within 60 days.")
	shots(t, page, "editor-flow-1280")
	_, err = page.Evaluate(`() => window.scrollTo(0, 0)`)
	must(t, err)
	shots(t, page, "editor-flow-1280-top")
	must(t, page.Locator("#dialog-menu").ScrollIntoViewIfNeeded())
	shots(t, page, "editor-flow-1280-branches")
	must(t, chat.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Restart"}).Click())
	must(t, expect.Locator(log.Locator("li.bubble")).ToHaveCount(0))
	must(t, expect.Locator(stale).ToBeHidden())

	// Validation is clean but for the new dialog's emptiness, and the
	// conversation tests still pass.
	must(t, page.Locator("#tests").GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Run tests", Exact: playwright.Bool(true)}).Click())
	expectText(t, page.Locator("#test-results"), "pass")

	// On a phone the test chat is a drawer its button opens.
	must(t, page.SetViewportSize(390, 844))
	toggle := page.Locator("[data-test-chat-toggle]")
	expectVisible(t, toggle)
	must(t, expect.Locator(chat).ToBeHidden())
	must(t, toggle.Click())
	must(t, expect.Locator(toggle).ToHaveAttribute("aria-expanded", "true"))
	expectVisible(t, chat.GetByLabel("Test message"))
	say("hi")
	expectText(t, log.Locator("li.bubble").Last(), "Hello!")
	say("hours")
	expectText(t, log.Locator("li.bubble").Last(), "We are open")
	shots(t, page, "editor-flow-390")
	must(t, toggle.Click())
	must(t, expect.Locator(chat).ToBeHidden())
}

// shots saves, when ANSWERS_SCREENSHOTS names a folder, the viewport in
// light and dark as <name>-light.png and <name>-dark.png.
func shots(t *testing.T, page playwright.Page, name string) {
	t.Helper()
	dir := os.Getenv("ANSWERS_SCREENSHOTS")
	if dir == "" {
		return
	}
	for _, scheme := range []*playwright.ColorScheme{playwright.ColorSchemeLight, playwright.ColorSchemeDark} {
		// Reduced motion: Pico switches colours without a transition.
		must(t, page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: scheme, ReducedMotion: playwright.ReducedMotionReduce}))
		_, err := page.Screenshot(playwright.PageScreenshotOptions{Path: playwright.String(filepath.Join(dir, name+"-"+string(*scheme)+".png")), Caret: playwright.ScreenshotCaretInitial})
		must(t, err)
	}
	must(t, page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: playwright.ColorSchemeLight}))
}
