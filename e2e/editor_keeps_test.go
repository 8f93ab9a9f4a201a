//go:build e2e

package e2e

import (
	"context"
	"slices"
	"strings"
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

// TestEditorKeepsAddedRows: branch rows added with "Add branch", a row
// removed and a ticked "typo-tolerant" box are kept, marked as not saved,
// when another form on the page saves (the editor swaps as a whole), and
// then save. A row added after a refused save is not marked invalid.
func TestEditorKeepsAddedRows(t *testing.T) {
	app, base := startConsole(t)
	live := liveFAQ(t, app, "rows")
	draft, err := app.Chatbots.Duplicate(context.Background(), who.System(), live.ID)
	must(t, err)
	page := newPage(t)
	signIn(t, page, base, testkit.Email(rbac.Designer), testkit.Password(rbac.Designer))
	_, err = page.Goto(base + "/chatbots/" + itoa(draft.ID))
	must(t, err)
	pick := func(loc playwright.Locator, label, option string) {
		t.Helper()
		_, err := loc.GetByLabel(label).SelectOption(playwright.SelectOptionValues{Labels: playwright.StringSlice(option)})
		must(t, err)
	}
	save := func(loc playwright.Locator) {
		t.Helper()
		must(t, loc.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Save element"}).Click())
	}

	// Menu's rows: hours, bye and an empty one. Remove bye, fill the empty
	// row, add two rows (one to a new dialog), tick typo-tolerant.
	menu := page.Locator("#el-menu-0")
	// The rows are named by their numbers, counted again after a removal.
	must(t, menu.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Remove branch 2"}).Click())
	must(t, menu.GetByLabel("Keywords of branch 2").Fill("goodbye, ciao"))
	pick(menu, "Dialog of branch 2", "Bye")
	must(t, menu.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Add branch"}).Click())
	must(t, menu.GetByLabel("Keywords of branch 3").Fill("prices"))
	pick(menu, "Dialog of branch 3", "New dialog…")
	must(t, menu.GetByLabel("Name of the new dialog for branch 3").Fill("Prices"))
	must(t, menu.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Add branch"}).Click())
	must(t, menu.GetByLabel("Keywords of branch 4").Fill("hello"))
	pick(menu, "Dialog of branch 4", "Start")
	must(t, menu.GetByLabel("Typo-tolerant").Check())
	rows := func() []string {
		t.Helper()
		out, err := page.Locator("#el-menu-0 input[name=branch_keywords]").EvaluateAll(`els => els.map(e => e.value)`)
		must(t, err)
		var vals []string
		for _, v := range out.([]any) {
			vals = append(vals, v.(string))
		}
		return vals
	}
	want := []string{"hours, opening", "goodbye, ciao", "prices", "hello"}
	if got := rows(); !slices.Equal(got, want) {
		t.Fatalf("rows before the other save: %q, want %q", got, want)
	}

	// Another form saves: the rows, their dialogs and the box stay.
	hours := page.Locator("#el-hours-0")
	must(t, hours.GetByLabel("Text").Fill("We are open 8 to 8."))
	save(hours)
	expectText(t, page.Locator("#el-hours-0 textarea"), "We are open 8 to 8.")
	menu = page.Locator("#el-menu-0")
	expectVisible(t, menu.GetByText("Not saved yet"))
	if got := rows(); !slices.Equal(got, want) {
		t.Fatalf("rows after the other save: %q, want %q", got, want)
	}
	if err := expect.Locator(menu.GetByLabel("Dialog of branch 3")).ToHaveValue("+new"); err != nil {
		t.Fatal(err)
	}
	if err := expect.Locator(menu.GetByLabel("Name of the new dialog for branch 3")).ToHaveValue("Prices"); err != nil {
		t.Fatal(err)
	}
	if err := expect.Locator(menu.GetByLabel("Typo-tolerant")).ToBeChecked(); err != nil {
		t.Fatal(err)
	}
	// Leaving now would ask first: the form still counts as edited.
	dirty, err := page.Evaluate(`() => document.querySelector("#el-menu-0 form:has([data-branch-rows])").hasAttribute("data-rows-changed")`)
	must(t, err)
	if dirty != true {
		t.Error("the kept rows do not count as an unsaved edit")
	}

	// A refused save (a row without its dialog) marks that row's dialog,
	// with the message under it; not the other rows, nor one added after.
	settled(t, page)
	must(t, menu.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Add branch"}).Click())
	must(t, menu.GetByLabel("Keywords of branch 5").Fill("lonely"))
	save(menu)
	menu = page.Locator("#el-menu-0")
	expectText(t, menu.Locator(".form-error").First(), "Branch 5: choose the dialog it leads to")
	settled(t, page)
	must(t, menu.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Add branch"}).Click())
	added := menu.GetByLabel("Keywords of branch 6")
	must(t, expect.Locator(added).ToBeFocused())
	must(t, expect.Locator(added).Not().ToHaveAttribute("aria-invalid", "true"))
	must(t, expect.Locator(menu.GetByLabel("Dialog of branch 5")).ToHaveAttribute("aria-invalid", "true"))
	must(t, expect.Locator(menu.GetByLabel("Keywords of branch 1")).Not().ToHaveAttribute("aria-invalid", "true"))
	expectText(t, menu.Locator("li.branch-row").Nth(4).Locator(".field-error"), "Branch 5: choose the dialog it leads to")

	// Drop the lonely row and save: every kept row is saved.
	must(t, menu.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Remove branch 5"}).Click())
	save(menu)
	must(t, expect.Locator(page.Locator("#el-menu-0 .unsaved-marker")).ToHaveCount(0))
	expectVisible(t, page.Locator("#dialog-prices"))
	_, def, err := app.Chatbots.Get(context.Background(), who.System(), draft.ID)
	must(t, err)
	m, _ := def.DialogByID("menu")
	var got []string
	for _, b := range m.Elements[0].Branches {
		got = append(got, strings.Join(b.Keywords, ", ")+" → "+b.Dialog)
	}
	if w := []string{"hours, opening → hours", "goodbye, ciao → bye", "prices → prices", "hello → start"}; !slices.Equal(got, w) || !m.Elements[0].Fuzzy {
		t.Fatalf("saved branches %q (fuzzy %v), want %q, fuzzy", got, m.Elements[0].Fuzzy, w)
	}
}
