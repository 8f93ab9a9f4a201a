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
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// TestManagerComparesNewVersionWithLiveBeforeActivating: a designer's new
// version changes the opening hours and adds a dialog; the manager opens
// it, compares it with what is live, reads the changes, then activates.
func TestManagerComparesNewVersionWithLiveBeforeActivating(t *testing.T) {
	app, base := startConsole(t)
	ctx := context.Background()
	live := liveFAQ(t, app, "compare")
	next, err := app.Chatbots.Duplicate(ctx, who.System(), live.ID)
	must(t, err)
	_, err = app.Chatbots.Update(ctx, who.System(), next.ID, chatbots.Edit{Version: next.Version,
		Apply: func(_ *chatbots.Settings, d *chatbot.Definition) (string, error) {
			hours, _ := d.DialogByID("hours")
			hours.Elements[0].Text = "We are open 8 to 8."
			d.Dialogs = append(d.Dialogs, chatbot.Dialog{ID: "prices", Name: "Prices", Elements: []chatbot.Element{{Type: chatbot.ElementMessage, Text: "From 5 €."}}})
			return "new hours", nil
		}})
	must(t, err)

	page := newPage(t)
	signIn(t, page, base, testkit.Email(rbac.Manager), testkit.Password(rbac.Manager))
	_, err = page.Goto(base + "/chatbots/" + itoa(next.ID))
	must(t, err)
	must(t, byRole(page, "button", "Compare").Click())
	expectText(t, page.GetByRole("heading", playwright.PageGetByRoleOptions{Level: playwright.Int(2)}), "From FAQ to FAQ (copy)")
	row := page.Locator("tr", playwright.PageLocatorOptions{HasText: "element 1 · text"})
	expectText(t, row, "We are open 9 to 5.")
	expectText(t, row, "We are open 8 to 8.")
	expectText(t, page.Locator("tr[data-kind=added]"), "Prices (1 element)")
	if dir := os.Getenv("ANSWERS_SCREENSHOTS"); dir != "" {
		_, err := page.Screenshot(playwright.PageScreenshotOptions{Path: playwright.String(filepath.Join(dir, "compare.png")), FullPage: playwright.Bool(true), Caret: playwright.ScreenshotCaretInitial})
		must(t, err)
	}

	// Back to the new version, and live with it.
	must(t, page.GetByRole("link", playwright.PageGetByRoleOptions{Name: "FAQ (copy)"}).Click())
	must(t, page.GetByText("Activate…").Click())
	must(t, page.GetByLabel("Activate anyway if validation finds only warnings").Check())
	must(t, page.GetByLabel("Reason for overriding warnings").Fill("prices dialog unreachable for now"))
	must(t, byRole(page, "button", "Activate").Click())
	must(t, expect.Locator(page.Locator(".editor-head .status-badge")).ToHaveText("active"))
}
