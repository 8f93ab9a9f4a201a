//go:build e2e

package e2e

import (
	"context"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/routing"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// A manager redeploys with the grace the dialog preselects (the replaced
// chatbot's session timeout): nothing to choose, and the end user's open
// conversation goes on with the old version.
func TestRedeployWithPreselectedGraceKeepsTheConversation(t *testing.T) {
	app, base := startConsole(t)
	v1 := liveFAQ(t, app, "shop")
	userA := newPage(t)
	_, err := userA.Goto(base + "/chat/shop")
	must(t, err)
	send(t, userA, "hello")
	expectVisible(t, userA.GetByText("Hello! Ask me about hours."))

	v2, err := app.Chatbots.Duplicate(context.Background(), who.System(), v1.ID)
	must(t, err)
	manager := newPage(t)
	signIn(t, manager, base, testkit.Email(rbac.Manager), testkit.Password(rbac.Manager))
	_, err = manager.Goto(base + "/chatbots/" + itoa(v2.ID))
	must(t, err)
	must(t, manager.GetByText("Activate…").Click())
	dialog := manager.Locator("#activate-dialog")
	expectText(t, dialog, "FAQ is active on livechat shop with 1 open session")
	expectText(t, dialog, "It protects 1 open conversation")
	preset := dialog.GetByLabel("Grace period for FAQ")
	must(t, expect.Locator(preset).ToHaveValue("900s"))
	expectText(t, preset.Locator("option:checked"), "15 minutes (its session timeout)")
	expectText(t, dialog.Locator("[data-grace-end]"), "The grace would end")
	// No warnings, so no override controls; the tick is for "None" only.
	must(t, expect.Locator(dialog.GetByText("Activate anyway")).ToHaveCount(0))
	must(t, expect.Locator(dialog.GetByText("Close 1 live conversation now")).Not().ToBeVisible())
	// A custom grace in words shows its end; back to the preset.
	must(t, dialog.GetByLabel("Custom grace period").Fill("1 hour 30 minutes"))
	must(t, expect.Locator(preset).ToHaveValue("custom"))
	must(t, dialog.GetByLabel("Custom grace period").Fill(""))
	_, err = preset.SelectOption(playwright.SelectOptionValues{Values: playwright.StringSlice("900s")})
	must(t, err)
	must(t, byRole(manager, "button", "Activate").Click())
	must(t, expect.Locator(manager.Locator(".editor-head .status-badge")).ToHaveText("active"))

	// The end user's conversation continues on v1.
	send(t, userA, "opening hours?")
	expectVisible(t, userA.GetByText("We are open 9 to 5."))
	must(t, expect.Locator(userA.Locator("[data-system]")).ToHaveCount(0))
	if bot, _ := app.Store.ChatbotByID(context.Background(), v1.ID); bot.Status != "deactivated" {
		t.Errorf("v1 is %s, want deactivated (in grace)", bot.Status)
	}
}

// Choosing "None" needs the explicit "close N live conversations now"
// tick; once closed, the end user is told on their next message.
func TestNoneNeedsTheTickAndTheEndUserIsTold(t *testing.T) {
	app, base := startConsole(t)
	v1 := liveFAQ(t, app, "shop")
	userA := newPage(t)
	_, err := userA.Goto(base + "/chat/shop")
	must(t, err)
	send(t, userA, "hello")
	expectVisible(t, userA.GetByText("Hello! Ask me about hours."))

	manager := newPage(t)
	signIn(t, manager, base, testkit.Email(rbac.Manager), testkit.Password(rbac.Manager))
	_, err = manager.Goto(base + "/chatbots/" + itoa(v1.ID))
	must(t, err)
	must(t, manager.GetByText("Deactivate…").Click())
	dialog := manager.Locator("#deactivate-dialog")
	expectText(t, dialog, "FAQ stops taking new conversations on livechat shop")
	_, err = dialog.GetByLabel("Grace period for FAQ").SelectOption(playwright.SelectOptionValues{Values: playwright.StringSlice("none")})
	must(t, err)
	tick := dialog.GetByLabel("Close 1 live conversation now")
	expectVisible(t, tick)
	// Without the tick the server refuses and nothing closes.
	must(t, byRole(manager, "button", "Deactivate").Click())
	expectText(t, manager.Locator("#lifecycle [role=alert]"), "FAQ has 1 open session.")
	if bot, _ := app.Store.ChatbotByID(context.Background(), v1.ID); bot.Status != "active" {
		t.Fatalf("refused, yet v1 is %s", bot.Status)
	}
	dialog = manager.Locator("#deactivate-dialog")
	_, err = dialog.GetByLabel("Grace period for FAQ").SelectOption(playwright.SelectOptionValues{Values: playwright.StringSlice("none")})
	must(t, err)
	must(t, dialog.GetByLabel("Close 1 live conversation now").Check())
	must(t, byRole(manager, "button", "Deactivate").Click())
	must(t, expect.Locator(manager.Locator(".editor-head .status-badge")).ToHaveText("inactive"))

	// A successor goes live; the end user's next message is told first.
	v2, err := app.Chatbots.Duplicate(context.Background(), who.System(), v1.ID)
	must(t, err)
	_, err = app.Lifecycle.Activate(context.Background(), who.System(), v2.ID, lifecycle.ActivateOptions{})
	must(t, err)
	send(t, userA, "hours")
	expectText(t, userA.Locator("[data-system]"), routing.DefaultClosedNotice)
	expectVisible(t, userA.GetByText("Hello! Ask me about hours.").Nth(1))
}
