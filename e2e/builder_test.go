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

// TestDesignerBuildsAChatbotWithButtons is #23's "Done when": a designer
// creates a chatbot from a template, adds a dialog with buttons from the
// Dialogs column under the map, picks every target by name (one option's
// dialog made right there with "New dialog…", after a refused name), talks
// to it in the test chat docked beside the editor (a typo matches a
// typo-tolerant keyword, a button click goes where it should and the
// buttons of that turn stop sending), saves a conversation test of it and
// the tests pass. axe-core (light and dark) and the Nu HTML Checker pass
// on each page it visits, in the states it sees them.
func TestDesignerBuildsAChatbotWithButtons(t *testing.T) {
	app, base := startConsole(t)
	if _, err := app.Senders.Create(context.Background(), who.System(), "livechat", "bikes"); err != nil {
		t.Fatal(err)
	}
	axe, err := os.ReadFile(axePath)
	must(t, err)
	htmlDir := t.TempDir()
	saved := map[string]string{}
	// standards checks the page as it is now: axe in light and dark with
	// every <details> open (closed again after), and the Nu checker on
	// the document as the browser holds it.
	standards := func(page playwright.Page, name string) {
		t.Helper()
		html, err := page.Content()
		must(t, err)
		must(t, os.WriteFile(filepath.Join(htmlDir, name+".html"), []byte(html), 0o644))
		saved[name+".html"] = name
		_, err = page.Evaluate(`() => document.querySelectorAll("details:not([open])").forEach(d => { d.open = true; d.dataset.standardsOpened = "" })`)
		must(t, err)
		for _, scheme := range []*playwright.ColorScheme{playwright.ColorSchemeLight, playwright.ColorSchemeDark} {
			must(t, page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: scheme, ReducedMotion: playwright.ReducedMotionReduce}))
			runAxe(t, page, axe, name+" ("+string(*scheme)+")")
		}
		must(t, page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: playwright.ColorSchemeLight}))
		_, err = page.Evaluate(`() => document.querySelectorAll("details[data-standards-opened]").forEach(d => { d.open = false; delete d.dataset.standardsOpened })`)
		must(t, err)
	}

	// A chatbot from the FAQ template.
	page := newPage(t)
	signIn(t, page, base, testkit.Email(rbac.Designer), testkit.Password(rbac.Designer))
	must(t, navLink(page, "Chatbots").Click())
	must(t, page.Locator("summary", playwright.PageLocatorOptions{HasText: "New chatbot"}).Click())
	must(t, page.GetByLabel("Name", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).Fill("Bike shop"))
	must(t, page.GetByRole("radio", playwright.PageGetByRoleOptions{Name: "FAQ with contact details"}).Check())
	standards(page, "new-chatbot")
	must(t, byRole(page, "button", "Create and open the editor").Click())
	expectText(t, page.GetByRole("heading", playwright.PageGetByRoleOptions{Level: playwright.Int(1)}), "Bike shop")

	// Add a dialog from the Dialogs column, right under the map: it comes
	// into view, focused.
	dialogs := page.Locator("#dialogs")
	expectVisible(t, dialogs.Locator(".editor-map svg"))
	must(t, dialogs.GetByLabel("New dialog name").Fill("Main menu"))
	must(t, dialogs.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Add dialog"}).Click())
	menu := page.Locator("#dialog-main_menu")
	must(t, expect.Locator(menu).ToBeFocused())
	must(t, expect.Locator(menu).ToBeInViewport())
	expectVisible(t, dialogs.Locator(".editor-map a.map-node", playwright.LocatorLocatorOptions{HasText: "Main menu"}))

	// Its buttons: each option's dialog chosen by name; the third made with
	// "New dialog…". A name another dialog has is refused beside the
	// options and stays in its field.
	must(t, menu.Locator(".add-element summary", playwright.LocatorLocatorOptions{HasText: "Buttons"}).Click())
	addButtons := func() playwright.Locator {
		return page.Locator("#dialog-main_menu").GetByRole("form", playwright.LocatorGetByRoleOptions{Name: "Add Buttons to Main menu"})
	}
	form := addButtons()
	pick := func(form playwright.Locator, label, option string) {
		t.Helper()
		_, err := form.GetByLabel(label).SelectOption(playwright.SelectOptionValues{Labels: playwright.StringSlice(option)})
		must(t, err)
	}
	must(t, form.GetByLabel("Text shown above the buttons").Fill("What can I help you with?"))
	must(t, form.GetByLabel("Label of option 1").Fill("Prices"))
	pick(form, "Dialog option 1 leads to", "Prices")
	must(t, form.GetByLabel("Label of option 2").Fill("Opening hours"))
	pick(form, "Dialog option 2 leads to", "Opening hours")
	must(t, form.GetByLabel("Label of option 3").Fill("Repairs"))
	pick(form, "Dialog option 3 leads to", "New dialog…")
	newName := form.GetByLabel("Name of the new dialog for option 3")
	must(t, expect.Locator(newName).ToBeFocused())
	must(t, newName.Fill("delivery"))
	must(t, form.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Add Buttons"}).Click())
	form = addButtons()
	expectText(t, form.Locator(".field-error"), "Option 3: There is already a dialog named Delivery: choose it in the list.")
	if err := expect.Locator(form.GetByLabel("Name of the new dialog for option 3")).ToHaveValue("delivery"); err != nil {
		t.Fatal(err)
	}
	if err := expect.Locator(form.GetByLabel("Label of option 3")).ToHaveValue("Repairs"); err != nil {
		t.Fatal(err)
	}
	must(t, form.ScrollIntoViewIfNeeded())
	shots(t, page, "buttons-refused-1280")
	standards(page, "editor-buttons-refused")
	settled(t, page)
	must(t, form.GetByLabel("Name of the new dialog for option 3").Fill("Repairs"))
	must(t, form.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Add Buttons"}).Click())
	repairs := page.Locator("#dialog-repairs")
	expectVisible(t, repairs)
	buttons := page.Locator("#el-main_menu-0")
	if err := expect.Locator(buttons.GetByLabel("Dialog option 3 leads to")).ToHaveValue("repairs"); err != nil {
		t.Fatal(err)
	}
	expectText(t, buttons.GetByLabel("Dialog option 3 leads to").Locator("option:checked"), "Repairs")
	expectText(t, repairs.Locator(".doc-from"), "Reached from Main menu")

	// What Repairs says.
	must(t, repairs.Locator(".add-element summary", playwright.LocatorLocatorOptions{HasText: "Message"}).Click())
	addMsg := repairs.GetByRole("form", playwright.LocatorGetByRoleOptions{Name: "Add Message to Repairs"})
	must(t, addMsg.GetByLabel("Text").Fill("We repair bikes within two days."))
	must(t, addMsg.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Add Message"}).Click())
	expectVisible(t, page.Locator("#el-repairs-0"))

	// Topics leads to the menu (chosen by name) and forgives typos.
	topics := page.Locator("#el-menu-0")
	must(t, topics.GetByLabel("Keywords of branch 6").Fill("menu, options"))
	pick(topics, "Dialog of branch 6", "Main menu")
	must(t, topics.GetByLabel("Typo-tolerant").Check())
	must(t, topics.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Save element"}).Click())
	expectText(t, page.Locator("#dialog-main_menu .doc-from"), "Reached from Topics")
	if err := expect.Locator(page.Locator("#el-menu-0").GetByLabel("Typo-tolerant")).ToBeChecked(); err != nil {
		t.Fatal(err)
	}

	// The test chat is docked beside the editor: talk to the draft as saved.
	chat := page.Locator("#test-chat")
	editorBox, err := page.Locator("#editor").BoundingBox()
	must(t, err)
	chatBox, err := chat.BoundingBox()
	must(t, err)
	if chatBox.X < editorBox.X+editorBox.Width-1 {
		t.Errorf("the test chat is not beside the editor: editor %+v, chat %+v", editorBox, chatBox)
	}
	log := page.Locator("#test-chat-log")
	say := func(text string) {
		t.Helper()
		must(t, chat.GetByLabel("Test message").Fill(text))
		must(t, chat.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Send", Exact: playwright.Bool(true)}).Click())
	}
	say("hi")
	expectText(t, log, "Hello! You can ask about opening hours")
	say("what are your pirces?") // a typo
	expectText(t, log.Locator("li.bubble").Last(), "[prices]")
	must(t, log.Locator("summary").Last().Click())
	expectText(t, log.Locator(".test-chat-trace").Last(), "matched 'pirces' as 'prices'")
	say("menu")
	expectText(t, log.Locator("li.bubble").Last(), "What can I help you with?")
	offered := log.GetByRole("group", playwright.LocatorGetByRoleOptions{Name: "Options of the last reply"})
	must(t, expect.Locator(offered).ToHaveCount(1))
	must(t, offered.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Repairs"}).Click())
	expectText(t, log.Locator("li.bubble").Last(), "We repair bikes within two days.")
	must(t, log.Locator("summary").Last().Click())
	expectText(t, log.Locator(".test-chat-trace").Last(), "option 3 “Repairs” by its label chosen")
	// The buttons of the answered turn stay as a record, but send nothing.
	for _, label := range []string{"Prices", "Opening hours", "Repairs"} {
		if err := expect.Locator(offered.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: label})).ToBeDisabled(); err != nil {
			t.Fatalf("the answered %q button: %v", label, err)
		}
	}
	// Repairs ended the dialog: the next message starts from the entry.
	// The menu again: its new buttons send, the old ones still do not.
	say("hello")
	expectText(t, log.Locator("li.bubble").Last(), "Hello! You can ask about opening hours")
	say("options")
	must(t, expect.Locator(offered).ToHaveCount(2))
	if err := expect.Locator(offered.Last().GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Prices"})).ToBeEnabled(); err != nil {
		t.Fatal(err)
	}
	// At the top of the page the docked panel fits the screen below the
	// header, its log at the latest turn, its message box in view.
	_, err = page.Evaluate(`() => window.scrollTo(0, 0)`)
	must(t, err)
	_, err = page.WaitForFunction(`() => { const l = document.getElementById("test-chat-log"); return l.scrollTop + l.clientHeight >= l.scrollHeight - 4 }`, nil)
	must(t, err)
	must(t, expect.Locator(offered.Last().GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Repairs"})).ToBeInViewport())
	must(t, expect.Locator(chat.GetByLabel("Test message")).ToBeInViewport())
	shots(t, page, "builder-1280")
	standards(page, "editor-test-chat")

	// Save a conversation test of it; the tests pass.
	newTest := page.GetByRole("form", playwright.PageGetByRoleOptions{Name: "New test"})
	must(t, newTest.GetByLabel("Test name").Fill("menu leads to repairs"))
	must(t, newTest.GetByLabel("Script").Fill("> hi\n~ Hello!\n> pirces\n[prices]\n> menu\nWhat can I help you with?\n> 3\nWe repair bikes within two days."))
	must(t, newTest.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Add test"}).Click())
	expectVisible(t, page.GetByRole("form", playwright.PageGetByRoleOptions{Name: "Test menu leads to repairs"}))
	must(t, page.Locator("#tests").GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Run tests", Exact: playwright.Bool(true)}).Click())
	expectText(t, page.Locator("#test-results"), "4 tests passed, 0 failed.")
	// The stored definition is what was built, targets by id.
	_, def, err := app.Chatbots.Get(context.Background(), who.System(), chatbotID(t, page))
	must(t, err)
	mm, _ := def.DialogByID("main_menu")
	if mm == nil || len(mm.Elements) != 1 || len(mm.Elements[0].Options) != 3 || mm.Elements[0].Options[2].Dialog != "repairs" {
		t.Fatalf("the stored menu: %+v", mm)
	}

	// On a phone: the buttons editing, and the test chat as a drawer.
	must(t, page.SetViewportSize(390, 844))
	must(t, page.Locator("#el-main_menu-0").ScrollIntoViewIfNeeded())
	shots(t, page, "buttons-390")
	toggle := page.Locator("[data-test-chat-toggle]")
	must(t, toggle.Click())
	expectVisible(t, chat.GetByLabel("Test message"))
	shots(t, page, "builder-390")
	standards(page, "editor-test-chat-390")
	runVNU(t, htmlDir, saved)
}

// chatbotID is the id of the chatbot whose page is open.
func chatbotID(t *testing.T, page playwright.Page) int64 {
	t.Helper()
	var id int64
	u := page.URL()
	i := len(u)
	for i > 0 && u[i-1] != '/' {
		i--
	}
	for _, r := range u[i:] {
		if r < '0' || r > '9' {
			break
		}
		id = id*10 + int64(r-'0')
	}
	if id == 0 {
		t.Fatalf("no chatbot id in %s", u)
	}
	return id
}
