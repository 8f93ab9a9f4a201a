//go:build e2e

package e2e

import (
	"context"
	"os"
	"regexp"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// TestTwoDesignersEditOneChatbot: two designers, each in a browser of
// their own, edit different dialogs of one draft: both saves land. Then
// both edit the same dialog: the one who saves second sees the other's
// version beside theirs, keeps their text, and can save it over.
func TestTwoDesignersEditOneChatbot(t *testing.T) {
	app, base := startConsole(t)
	live := liveFAQ(t, app, "two")
	draft, err := app.Chatbots.Duplicate(context.Background(), who.System(), live.ID)
	must(t, err)
	open := func(role rbac.Role) playwright.Page {
		page := newPage(t) // a browser context of its own
		signIn(t, page, base, testkit.Email(role), testkit.Password(role))
		expectVisible(t, mainNav(page))
		_, err := page.Goto(base + "/chatbots/" + itoa(draft.ID))
		must(t, err)
		return page
	}
	ann, bob := open(rbac.Designer), open(rbac.Manager)
	save := func(page playwright.Page, el string) {
		t.Helper()
		must(t, page.Locator(el).GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Save element"}).Click())
	}

	// Different dialogs: both land.
	must(t, ann.Locator("#el-hours-0").GetByLabel("Text").Fill("Ann: open 8 to 8."))
	save(ann, "#el-hours-0")
	expectVisible(t, ann.GetByText("Saved.").First())
	must(t, bob.Locator("#el-bye-0").GetByLabel("Goodbye text (optional)").Fill("Bob says goodbye."))
	save(bob, "#el-bye-0")
	expectVisible(t, bob.GetByText("Saved.").First())
	settled(t, bob)
	// Bob's editor now shows Ann's change too, and the store has both.
	must(t, expect.Locator(bob.Locator("#el-hours-0 textarea")).ToHaveValue("Ann: open 8 to 8."))
	_, def, err := app.Chatbots.Get(context.Background(), who.System(), draft.ID)
	must(t, err)
	if h, _ := def.DialogByID("hours"); h.Elements[0].Text != "Ann: open 8 to 8." {
		t.Fatalf("hours = %q", h.Elements[0].Text)
	}
	if b, _ := def.DialogByID("bye"); b.Elements[0].Text != "Bob says goodbye." {
		t.Fatalf("bye = %q", b.Elements[0].Text)
	}

	// The same dialog: Bob saves first, Ann's page still has the hours
	// Bob had not changed yet.
	must(t, bob.Locator("#el-hours-0").GetByLabel("Text").Fill("Bob: open 10 to 4."))
	save(bob, "#el-hours-0")
	expectVisible(t, bob.GetByText("Saved.").First())
	must(t, ann.Locator("#el-hours-0").GetByLabel("Text").Fill("Ann: open 7 to 7."))
	save(ann, "#el-hours-0")
	theirs := ann.GetByRole("region", playwright.PageGetByRoleOptions{Name: "Their version, saved"})
	expectText(t, theirs, "Bob: open 10 to 4.")
	expectText(t, ann.Locator("#el-hours-0 .form-error"), "Someone else changed the dialog Hours")
	mine := ann.GetByRole("region", playwright.PageGetByRoleOptions{Name: "Your version, not saved"})
	must(t, expect.Locator(mine.GetByLabel("Text")).ToHaveValue("Ann: open 7 to 7."))
	axe, err := os.ReadFile(axePath)
	must(t, err)
	if n := runAxe(t, ann, axe, "the conflict view"); n > 0 {
		t.Fatalf("%d accessibility violations in the conflict view", n)
	}
	// Saving again replaces theirs.
	settled(t, ann)
	must(t, mine.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Save element"}).Click())
	expectVisible(t, ann.GetByText("Saved.").First())
	must(t, expect.Locator(theirs).ToHaveCount(0))
	must(t, expect.Locator(ann.Locator("#el-hours-0 textarea")).ToHaveValue("Ann: open 7 to 7."))
}

// TestViewerReadsTheDocument: someone who may read a chatbot but not edit
// it reads the live chatbot as a document, and follows the map and a
// branch to the dialog they lead to.
func TestViewerReadsTheDocument(t *testing.T) {
	app, base := startConsole(t)
	live := liveFAQ(t, app, "doc")
	page := newPage(t)
	signIn(t, page, base, testkit.Email(rbac.Supervisor), testkit.Password(rbac.Supervisor))
	expectVisible(t, mainNav(page))
	_, err := page.Goto(base + "/chatbots/" + itoa(live.ID))
	must(t, err)
	// No form fields for the definition: cards to read.
	must(t, expect.Locator(page.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Save element"})).ToHaveCount(0))
	dialogMap := page.GetByRole("group", playwright.PageGetByRoleOptions{Name: "Dialog map"})
	expectVisible(t, dialogMap)
	menu := page.Locator("#dialog-menu")
	expectText(t, menu, "Listens for")
	expectText(t, menu, "hours, opening")

	// The map's box for Bye leads to its card.
	must(t, dialogMap.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Bye", Exact: playwright.Bool(true)}).Click())
	must(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`#dialog-bye$`)))
	must(t, expect.Locator(page.Locator("#dialog-bye")).ToBeInViewport())
	expectText(t, page.Locator("#dialog-bye"), "Closes the conversation")

	// A keyword branch in the Menu card leads to the Hours card.
	must(t, menu.Locator(".doc-branches").GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Hours"}).Click())
	must(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`#dialog-hours$`)))
	hours := page.Locator("#dialog-hours")
	must(t, expect.Locator(hours).ToBeInViewport())
	expectText(t, hours, "We are open 9 to 5.")
	// And back: "Reached from" links the dialogs that lead here.
	must(t, hours.Locator(".doc-from").GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Menu"}).Click())
	must(t, expect.Page(page).ToHaveURL(regexp.MustCompile(`#dialog-menu$`)))
}
