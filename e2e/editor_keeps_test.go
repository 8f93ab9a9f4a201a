//go:build e2e

package e2e

import (
	"context"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// TestEditorKeepsWhatWasTyped: a designer types in two elements and saves
// one; the other keeps its text, marked as not saved. A refused keywords
// line stays in the field with the message beside it, and can be fixed.
func TestEditorKeepsWhatWasTyped(t *testing.T) {
	app, base := startConsole(t)
	live := liveFAQ(t, app, "keeps")
	draft, err := app.Chatbots.Duplicate(context.Background(), who.System(), live.ID)
	must(t, err)
	page := newPage(t)
	signIn(t, page, base, testkit.Email(rbac.Designer), testkit.Password(rbac.Designer))
	_, err = page.Goto(base + "/chatbots/" + itoa(draft.ID))
	must(t, err)

	save := func(loc playwright.Locator) {
		t.Helper()
		must(t, loc.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Save element"}).Click())
	}
	hours, fallback := page.Locator("#el-hours-0"), page.Locator("#el-fallback-0")
	must(t, hours.GetByLabel("Text").Fill("We are open 8 to 8."))
	must(t, fallback.GetByLabel("Text").Fill("Sorry, I only know about hours and prices."))
	save(hours)
	expectVisible(t, page.GetByText("Saved.").First())
	// The saved one shows what was saved; the other still has its text,
	// marked as not saved.
	expectText(t, page.Locator("#el-hours-0 textarea"), "We are open 8 to 8.")
	if err := expect.Locator(page.Locator("#el-fallback-0 textarea")).ToHaveValue("Sorry, I only know about hours and prices."); err != nil {
		t.Fatal(err)
	}
	expectVisible(t, page.Locator("#el-fallback-0").GetByText("Not saved yet"))
	save(page.Locator("#el-fallback-0"))
	expectText(t, page.Locator("#el-fallback-0 textarea"), "Sorry, I only know about hours and prices.")
	must(t, expect.Locator(page.Locator("#el-fallback-0").GetByText("Not saved yet")).ToHaveCount(0))

	// A keywords row without its dialog is refused; the row stays with the
	// message beside the branches.
	menu := page.Locator("#el-menu-0")
	must(t, menu.GetByLabel("Keywords of branch 3").Fill("prices and costs"))
	save(menu)
	expectText(t, page.Locator("#el-menu-0 .form-error").First(), "Branch 3: choose the dialog it leads to")
	if err := expect.Locator(page.Locator("#el-menu-0").GetByLabel("Keywords of branch 3")).ToHaveValue("prices and costs"); err != nil {
		t.Fatal(err)
	}
	// Fixed (the dialog chosen by its name), it saves.
	menu = page.Locator("#el-menu-0")
	must(t, menu.GetByLabel("Keywords of branch 3").Fill("prices, costs"))
	_, err = menu.GetByLabel("Dialog of branch 3").SelectOption(playwright.SelectOptionValues{Labels: playwright.StringSlice("Hours")})
	must(t, err)
	save(menu)
	must(t, expect.Locator(page.Locator("#el-menu-0 .unsaved-marker")).ToHaveCount(0))
	if err := expect.Locator(page.Locator("#el-menu-0").GetByLabel("Keywords of branch 3")).ToHaveValue("prices, costs"); err != nil {
		t.Fatal(err)
	}
}
