//go:build e2e

package e2e

import (
	"context"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// Activation is blocked by a validation error, allowed after the fix with
// warnings overridden and a reason; the release and the audit log keep the
// reason. Then deactivation names the chatbot in grace it ends too.
func TestActivationValidationOverrideAndDeactivationCascade(t *testing.T) {
	app, base := startConsole(t)
	ctx := context.Background()
	sys := who.System()
	snd, err := app.Senders.Create(ctx, sys, "livechat", "desk")
	must(t, err)
	// A draft with a broken jump (error) and no fallback (warning).
	bot, err := app.Chatbots.Create(ctx, sys, chatbots.Settings{Name: "Desk bot", Channel: "livechat", SenderID: snd.ID})
	must(t, err)
	bot, err = app.Chatbots.Update(ctx, sys, bot.ID, chatbots.Edit{Version: bot.Version, Apply: chatbots.AddElement("start", gotoElement("nowhere"))})
	must(t, err)

	manager := newPage(t)
	signIn(t, manager, base, testkit.Email(rbac.Manager), testkit.Password(rbac.Manager))
	_, err = manager.Goto(base + "/chatbots/" + itoa(bot.ID))
	must(t, err)
	must(t, manager.GetByText("Activate…").Click())
	expectVisible(t, manager.GetByText("Nothing is active on livechat desk"))
	// The plan lists the validation error before anything is confirmed.
	expectText(t, manager.Locator("#activate-dialog .plan-findings"), `"nowhere", which does not exist`)
	must(t, byRole(manager, "button", "Activate").Click())
	expectText(t, manager.Locator("#lifecycle [role=alert]"), "has 1 validation error; fix it before activating")
	expectText(t, manager.Locator("#validation li[data-severity=error]"), `"nowhere", which does not exist`)

	// The dialog stays open with the reason; close it with Escape.
	expectVisible(t, manager.Locator("#activate-dialog:modal"))
	must(t, manager.Keyboard().Press("Escape"))
	must(t, expect.Locator(manager.Locator("#activate-dialog")).Not().ToBeVisible())

	// Fix: remove the broken element (as a designer would; the manager may edit too).
	must(t, manager.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Remove element 2"}).Click())
	must(t, expect.Locator(manager.Locator("#el-start-1")).ToHaveCount(0))

	// Warnings need the tick.
	must(t, manager.GetByText("Activate…").Click())
	must(t, byRole(manager, "button", "Activate").Click())
	expectText(t, manager.Locator("#lifecycle [role=alert]"), "tick \"Activate anyway\"")
	// The refusal keeps the dialog open, with the warnings listed.
	must(t, manager.GetByLabel("Activate anyway if validation finds only warnings").Check())
	must(t, manager.GetByLabel("Reason for overriding warnings").Fill("fallback comes next week"))
	must(t, byRole(manager, "button", "Activate").Click())
	must(t, expect.Locator(manager.Locator(".editor-head .status-badge")).ToHaveText("active"))
	expectText(t, manager.Locator("#releases"), "overridden: fallback comes next week")

	// A second chatbot takes over with a grace; then deactivating it names
	// the first, still in grace, with its open sessions.
	if _, err := app.Routing.Route(ctx, snd, "visitor-1", "hello"); err != nil {
		t.Fatal(err)
	}
	next, err := app.Chatbots.Duplicate(ctx, sys, bot.ID)
	must(t, err)
	_, err = app.Lifecycle.Activate(ctx, sys, next.ID, lifecycle.ActivateOptions{OverrideWarnings: true, PreviousGrace: lifecycle.GraceOf(3600e9)})
	must(t, err)
	_, err = manager.Goto(base + "/chatbots/" + itoa(next.ID))
	must(t, err)
	must(t, manager.GetByText("Deactivate…").Click())
	expectText(t, manager.Locator(".deactivate-form [role=alert]"), "Desk bot is still in grace on this sender with 1 open session:")
	must(t, byRole(manager, "button", "Deactivate").Click())
	must(t, expect.Locator(manager.Locator(".editor-head .status-badge")).ToHaveText("inactive"))

	// The audit log has the override with its reason.
	admin := newPage(t)
	signIn(t, admin, base, testkit.Email(rbac.Admin), testkit.Password(rbac.Admin))
	_, err = admin.Goto(base + "/audit")
	must(t, err)
	override := admin.Locator("table.audit tbody tr", playwright.PageLocatorOptions{HasText: "chatbot.validation_overridden"}).
		Filter(playwright.LocatorFilterOptions{HasText: testkit.Email(rbac.Manager)})
	must(t, override.GetByText("Details").Click())
	expectText(t, override, "fallback comes next week")
}
