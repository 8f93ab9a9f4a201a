//go:build e2e

package e2e

import (
	"context"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// TestManagerAddsUserWhoSignsIn: a manager adds a user, copies the
// one-time password from the new row; that user signs in with it and must
// choose their own password before anything else.
func TestManagerAddsUserWhoSignsIn(t *testing.T) {
	_, base := startConsole(t)
	manager := newPage(t)
	must(t, manager.Context().GrantPermissions([]string{"clipboard-read", "clipboard-write"}))
	signIn(t, manager, base, testkit.Email(rbac.Manager), testkit.Password(rbac.Manager))
	_, err := manager.Goto(base + "/users")
	must(t, err)
	form := manager.Locator("#add-user")
	must(t, form.GetByLabel("Name").Fill("Grace Hopper"))
	must(t, form.GetByLabel("Email").Fill("grace@example.com"))
	_, err = form.GetByLabel("Role").SelectOption(playwright.SelectOptionValues{Values: playwright.StringSlice("designer")})
	must(t, err)
	// A manager cannot hand out the admin role: it is not offered.
	must(t, expect.Locator(form.GetByLabel("Role").Locator("option[value=admin]")).ToHaveCount(0))
	must(t, form.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Add user"}).Click())

	// The new row, with its one-time password under it, in the table.
	row := manager.Locator("#users tbody").Filter(playwright.LocatorFilterOptions{HasText: "grace@example.com"})
	expectVisible(t, row)
	secret := row.Locator("code.secret")
	expectVisible(t, secret)
	password, err := secret.TextContent()
	must(t, err)
	expectText(t, form, "Their one-time password is under their row.")
	settled(t, manager)
	must(t, row.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Copy"}).Click())
	expectText(t, manager.Locator("#toasts"), "Copied: One-time password of grace@example.com.")
	copied, err := manager.Evaluate(`() => navigator.clipboard.readText()`)
	must(t, err)
	if copied != password {
		t.Fatalf("clipboard holds %q, the row shows %q", copied, password)
	}
	// The next action takes it away.
	must(t, manager.GetByLabel("Search users").Fill("grace"))
	must(t, expect.Locator(manager.Locator("code.secret")).ToHaveCount(0))
	expectVisible(t, manager.Locator("#users").GetByText("grace@example.com", playwright.LocatorGetByTextOptions{Exact: playwright.Bool(true)}))
	must(t, expect.Locator(manager.Locator("#users").GetByText("designer@test.local")).ToHaveCount(0))

	grace := newPage(t)
	signIn(t, grace, base, "grace@example.com", password)
	h1 := grace.GetByRole("heading", playwright.PageGetByRoleOptions{Level: playwright.Int(1)})
	expectText(t, h1, "Choose your password")
	// Nothing else opens until then.
	_, err = grace.Goto(base + "/chatbots")
	must(t, err)
	expectText(t, h1, "Choose your password")
	must(t, grace.GetByLabel("The password you were given").Fill(password))
	must(t, grace.GetByLabel("New password (at least 10 characters)").Fill("hopper's own 1906"))
	must(t, grace.GetByLabel("Repeat the new password").Fill("hopper's own 1906"))
	must(t, grace.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Save and continue"}).Click())
	expectText(t, h1, "Hello, Grace Hopper")
	expectVisible(t, navLink(grace, "Chatbots"))
}

// TestAdminEditsAndDeletesSenders: an admin corrects a sender's address
// (a refused one first, with the message beside the field) and deletes a
// sender no chatbot uses; a used one offers no delete.
func TestAdminEditsAndDeletesSenders(t *testing.T) {
	app, base := startConsole(t)
	ctx := context.Background()
	sys := who.System()
	used, err := app.Senders.Create(ctx, sys, "sms", "+15550100")
	must(t, err)
	_, err = app.Senders.Create(ctx, sys, "livechat", "old-desk")
	must(t, err)
	_, err = app.Chatbots.Create(ctx, sys, chatbots.Settings{Name: "Texts", Channel: "sms", SenderID: used.ID})
	must(t, err)

	page := newPage(t)
	page.OnDialog(func(d playwright.Dialog) { _ = d.Accept() })
	signIn(t, page, base, testkit.Email(rbac.Admin), testkit.Password(rbac.Admin))
	_, err = page.Goto(base + "/senders")
	must(t, err)

	edit := page.Locator("#sender-" + itoa(used.ID))
	must(t, edit.GetByText("Edit", playwright.LocatorGetByTextOptions{Exact: playwright.Bool(true)}).Click())
	field := edit.GetByLabel("New address")
	must(t, field.Fill("555 0199"))
	must(t, edit.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Save address"}).Click())
	edit = page.Locator("#sender-" + itoa(used.ID))
	expectText(t, edit.Locator(".field-error"), "in international form")
	must(t, expect.Locator(edit.GetByLabel("New address")).ToHaveValue("555 0199"))
	settled(t, page)
	must(t, edit.GetByLabel("New address").Fill("+1 555 0199"))
	must(t, edit.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Save address"}).Click())
	expectText(t, page.Locator("#toasts"), "Saved the address of the sms sender: +15550199.")
	expectText(t, page.Locator("#sender-"+itoa(used.ID)), "+15550199")
	must(t, expect.Locator(page.Locator("#sender-"+itoa(used.ID)).GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Delete sms +15550199"})).ToHaveCount(0))
	expectText(t, page.Locator("#sender-"+itoa(used.ID)), "In use")

	settled(t, page)
	must(t, page.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Delete livechat old-desk"}).Click())
	expectText(t, page.Locator("#toasts"), "Deleted the sender livechat old-desk.")
	must(t, expect.Locator(page.Locator("#senders").GetByText("old-desk")).ToHaveCount(0))
	_, err = page.Reload()
	must(t, err)
	must(t, expect.Locator(page.Locator("#senders").GetByText("old-desk")).ToHaveCount(0))
}
