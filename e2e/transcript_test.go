//go:build e2e

package e2e

import (
	"context"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
)

// A supervisor filters a chatbot's sessions by end user and close reason,
// pages to older ones with the filters kept, opens a transcript and reads
// per message the dialogs entered, the keyword and the fallback.
func TestSupervisorFiltersSessionsAndReadsTheTrace(t *testing.T) {
	app, base := startConsole(t)
	bot := liveFAQ(t, app, "help")
	ctx := context.Background()
	snd, err := app.Store.SenderByID(ctx, bot.SenderID)
	must(t, err)
	route := func(user string, texts ...string) {
		for _, text := range texts {
			_, err := app.Routing.Route(ctx, snd, user, text)
			must(t, err)
		}
	}
	// Ann's first conversation is the one to debug; 52 short ones follow,
	// so hers is on the second page. Bob's stays open.
	route("ann", "hi", "the weather?", "what are your opening hours?", "bye")
	for range 52 {
		route("ann", "hi", "bye")
	}
	route("bob", "hi", "bye")
	route("bob", "hi")

	page := newPage(t)
	signIn(t, page, base, testkit.Email(rbac.Supervisor), testkit.Password(rbac.Supervisor))
	_, err = page.Goto(base + "/chatbots/" + itoa(bot.ID))
	must(t, err)
	must(t, byRole(page, "button", "Sessions").Click())
	rows := page.Locator("#sessions-list tbody tr")
	must(t, expect.Locator(rows).ToHaveCount(50))
	settled(t, page)

	must(t, page.GetByLabel("End user").Fill("ann"))
	_, err = page.GetByLabel("Close reason").SelectOption(playwright.SelectOptionValues{Labels: playwright.StringSlice("Completed")})
	must(t, err)
	settled(t, page)
	must(t, byRole(page, "button", "Filter").Click())
	must(t, expect.Page(page).ToHaveURL(regexpMust(`end_user=ann.*reason=completed|reason=completed.*end_user=ann`)))
	settled(t, page)
	must(t, expect.Locator(rows).ToHaveCount(50))
	must(t, expect.Locator(page.Locator("#sessions-list").GetByText("bob")).ToHaveCount(0))

	must(t, byRole(page, "link", "Older sessions").Click())
	must(t, expect.Locator(rows).ToHaveCount(3))
	must(t, expect.Page(page).ToHaveURL(regexpMust(`before=\d+`)))
	must(t, expect.Page(page).ToHaveURL(regexpMust(`end_user=ann`)))
	// The form still shows the filters the page was reached with.
	must(t, expect.Locator(page.GetByLabel("End user")).ToHaveValue("ann"))
	must(t, expect.Locator(page.GetByLabel("Close reason")).ToHaveValue("completed"))

	must(t, rows.Last().GetByRole("link").Click())
	must(t, expect.Page(page).ToHaveTitle(regexpMust(`Transcript`)))
	weather := page.Locator(".bubble", playwright.PageLocatorOptions{HasText: "the weather?"})
	expectText(t, weather.Locator(".trace-fallback"), "Fallback")
	expectText(t, weather.Locator(".trace-dialogs"), "Fallback → Menu")
	hours := page.Locator(".bubble", playwright.PageLocatorOptions{HasText: "what are your opening hours?"})
	expectText(t, hours.Locator(".trace-branch"), "Keyword")
	expectText(t, hours.Locator(".trace-branch"), "hours")
	expectText(t, hours.Locator(".trace-dialogs"), "Hours → Menu")
	must(t, expect.Locator(hours.Locator(".trace-fallback")).ToHaveCount(0))
	expectText(t, page.Locator(".session-facts"), "#1")
	// The date once for the day, the time on each message.
	must(t, expect.Locator(page.Locator(".day-heading")).ToHaveCount(1))
	expectText(t, page.Locator(".day-heading"), "Today")
	title, err := hours.Locator("time").GetAttribute("title")
	must(t, err)
	if len(title) < 10 {
		t.Errorf("the exact time is not on hover: %q", title)
	}
}
