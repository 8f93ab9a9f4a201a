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

// A designer starts a chatbot from a template, as a person clicks it: the
// New chatbot form offers the templates with their placeholders, the
// editor opens on the template's dialogs, and its conversation tests pass.
func TestDesignerStartsFromATemplate(t *testing.T) {
	app, base := startConsole(t)
	if _, err := app.Senders.Create(context.Background(), who.System(), "livechat", "shop"); err != nil {
		t.Fatal(err)
	}
	page := newPage(t)
	signIn(t, page, base, testkit.Email(rbac.Designer), testkit.Password(rbac.Designer))
	must(t, navLink(page, "Chatbots").Click())
	must(t, page.Locator("summary", playwright.PageLocatorOptions{HasText: "New chatbot"}).Click())
	must(t, page.GetByLabel("Name", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).Fill("Shop orders"))
	must(t, page.GetByRole("radio", playwright.PageGetByRoleOptions{Name: "Order status"}).Check())
	must(t, byRole(page, "button", "Create and open the editor").Click())
	expectText(t, page.GetByRole("heading", playwright.PageGetByRoleOptions{Level: playwright.Int(1)}), "Shop orders")
	// The template's own dialogs and questions, not a blank chatbot's.
	expectVisible(t, page.Locator("#dialog-fallback"))
	expectText(t, page.Locator("#el-start-0 textarea"), "Hello! What is your order number?")

	must(t, page.Locator("#tests").GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Run tests", Exact: playwright.Bool(true)}).Click())
	expectText(t, page.Locator("#test-results"), "pass")
}
