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
)

// TestDesignerMakesNewVersionAndReadsTheLiveRelease: a designer makes a new
// version of the live FAQ, edits it, sees the dashboard keep the family on
// one row (the live one, the new version one click away), then opens the
// live release's page and reads its hash and its test results.
func TestDesignerMakesNewVersionAndReadsTheLiveRelease(t *testing.T) {
	app, base := startConsole(t)
	live := liveFAQ(t, app, "family")
	rel, err := app.Store.LatestRelease(context.Background(), live.ID)
	must(t, err)
	page := newPage(t)
	signIn(t, page, base, testkit.Email(rbac.Designer), testkit.Password(rbac.Designer))
	_, err = page.Goto(base + "/chatbots/" + itoa(live.ID))
	must(t, err)

	// New version: the editor of "FAQ v2" opens.
	must(t, byRole(page, "button", "New version").Click())
	must(t, expect.Locator(page.GetByRole("heading", playwright.PageGetByRoleOptions{Level: playwright.Int(1)})).ToHaveText("FAQ v2"))
	expectVisible(t, page.GetByText("FAQ v2 is the new version"))
	hours := page.Locator("#el-hours-0")
	must(t, hours.GetByLabel("Text").Fill("We are open 8 to 8."))
	must(t, hours.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Save element"}).Click())
	expectVisible(t, page.GetByText("Saved.").First())
	expectText(t, page.Locator("#versions"), "FAQ")

	// The dashboard: one row for the family, the live one first.
	must(t, navLink(page, "Chatbots").Click())
	rows := page.Locator("table.chatbots tbody > tr")
	must(t, expect.Locator(rows).ToHaveCount(1))
	expectVisible(t, rows.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "FAQ", Exact: playwright.Bool(true)}))
	expectText(t, rows.Locator("td:nth-child(2) .status-badge"), "active")
	v2 := rows.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "FAQ v2", Exact: playwright.Bool(true)})
	must(t, expect.Locator(v2).ToBeHidden())
	must(t, rows.GetByText("1 other version").Click())
	expectVisible(t, v2)
	// A search still finds the version itself.
	must(t, page.GetByLabel("Search by name").Fill("v2"))
	must(t, expect.Locator(rows).ToHaveCount(1))
	expectVisible(t, rows.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "FAQ v2", Exact: playwright.Bool(true)}).First())
	settled(t, page)

	// The live chatbot's release page, from its releases table.
	_, err = page.Goto(base + "/chatbots/" + itoa(live.ID))
	must(t, err)
	must(t, page.Locator("#releases").GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Release 1", Exact: playwright.Bool(true)}).Click())
	must(t, expect.Locator(page.GetByRole("heading", playwright.PageGetByRoleOptions{Level: playwright.Int(1)})).ToHaveText("FAQ: release 1"))
	expectText(t, page.Locator("[data-hash]"), rel.DefinitionHash)
	expectText(t, page.Locator("#release-tests"), "1 test passed, 0 failed.")
	expectText(t, page.Locator("#release-tests [data-result=passed]"), "greets")
	expectText(t, page.Locator("#release-doc"), "We are open 9 to 5.")
	if dir := os.Getenv("ANSWERS_SCREENSHOTS"); dir != "" {
		_, err := page.Screenshot(playwright.PageScreenshotOptions{Path: playwright.String(filepath.Join(dir, "release.png")), FullPage: playwright.Bool(true)})
		must(t, err)
	}
}
