//go:build e2e

package e2e

import (
	"regexp"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
)

// The redeploy journey: v1 is live and end user A is mid-conversation; a
// designer changes a copy, a manager puts it live with a short grace; A
// keeps talking to v1 while B gets v2; after the grace A gets v2 too, and
// v1 is inactive and cannot be deleted.
func TestRedeployWithGracePeriod(t *testing.T) {
	app, base := startConsole(t)
	// The grace runs on a test clock: a loaded machine may take longer
	// than the grace between two steps, and the draining view is then
	// gone before the test looks at it.
	clock := testkit.NewClock(time.Now())
	app.SetClock(clock.Now)
	v1 := liveFAQ(t, app, "shop")

	// End user A starts on v1.
	userA := newPage(t)
	_, err := userA.Goto(base + "/chat/shop")
	must(t, err)
	send(t, userA, "hello")
	expectVisible(t, userA.GetByText("Hello! Ask me about hours."))

	// A designer duplicates v1 and changes the opening hours answer.
	designer := newPage(t)
	signIn(t, designer, base, testkit.Email(rbac.Designer), testkit.Password(rbac.Designer))
	_, err = designer.Goto(base + "/chatbots/" + itoa(v1.ID))
	must(t, err)
	expectVisible(t, designer.GetByText("This chatbot is active, so it is read-only."))
	must(t, byRole(designer, "button", "Duplicate to edit").Click())
	expectText(t, designer.GetByRole("heading", playwright.PageGetByRoleOptions{Level: playwright.Int(1)}), "FAQ (copy)")
	hours := designer.Locator("#el-hours-0")
	must(t, hours.GetByLabel("Text").Fill("New hours: 8 to 8."))
	must(t, hours.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Save element"}).Click())
	expectText(t, designer.Locator("#el-hours-0 textarea"), "New hours: 8 to 8.")
	v2URL := designer.URL()

	// A manager activates the copy with a short grace for v1.
	manager := newPage(t)
	signIn(t, manager, base, testkit.Email(rbac.Manager), testkit.Password(rbac.Manager))
	_, err = manager.Goto(v2URL)
	must(t, err)
	must(t, manager.GetByText("Activate…").Click())
	expectVisible(t, manager.GetByText("This is a redeploy: FAQ is active on livechat shop with 1 open session"))
	must(t, manager.GetByLabel("Custom grace period").Fill("4s"))
	must(t, byRole(manager, "button", "Activate").Click())
	must(t, expect.Locator(manager.Locator(".editor-head .status-badge")).ToHaveText("active"))

	// A is still answered by v1; a new end user B gets v2.
	send(t, userA, "opening hours?")
	expectVisible(t, userA.GetByText("We are open 9 to 5."))
	userB := newPage(t)
	_, err = userB.Goto(base + "/chat/shop")
	must(t, err)
	send(t, userB, "hi")
	send(t, userB, "hours")
	expectVisible(t, userB.GetByText("New hours: 8 to 8."))

	// v1's page shows it draining A's session.
	_, err = manager.Goto(base + "/chatbots/" + itoa(v1.ID))
	must(t, err)
	expectText(t, manager.Locator("#draining"), "1 open session")

	// After the grace, A's next message starts a new session on v2.
	clock.Advance(5 * time.Second)
	send(t, userA, "hours")
	expectVisible(t, userA.GetByText("Hello! Ask me about hours.").Nth(1))
	send(t, userA, "hours")
	expectVisible(t, userA.GetByText("New hours: 8 to 8."))

	// v1's draining view notices the end of the grace by itself: v1 is
	// inactive now, and cannot be deleted, as it was activated before.
	must(t, expect.Locator(manager.Locator(".editor-head .status-badge")).ToHaveText("inactive"))
	must(t, expect.Locator(byRole(manager, "button", "Delete draft")).ToHaveCount(0))

	// The audit log tells the story.
	admin := newPage(t)
	signIn(t, admin, base, testkit.Email(rbac.Admin), testkit.Password(rbac.Admin))
	must(t, navLink(admin, "Audit log").Click())
	rows := admin.Locator("table.audit tbody")
	expectText(t, rows, "chatbot.duplicated")
	expectText(t, rows, "chatbot.edited")
	expectText(t, rows, "chatbot.activated")
	expectText(t, rows, "chatbot.deactivated")
	must(t, expect.Locator(rows.GetByText(regexp.MustCompile(`^chatbot\.grace_ended$`))).ToHaveCount(1))
}
