//go:build e2e

package e2e

import (
	"context"
	"testing"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// TestTablesKeepEveryColumnAt1280: at 1280 px no table of the main pages
// scrolls inside its box, which is how a column gets cut off: the admin's
// users with every action, the audit log with details, a chatbot's
// releases, the senders with their keys, the analytics day tables with a
// column per close reason.
func TestTablesKeepEveryColumnAt1280(t *testing.T) {
	app, base := startConsole(t)
	bot := liveFAQ(t, app, "shop")
	ctx := context.Background()
	// Traffic, so that analytics draws its day table.
	snd, err := app.Store.SenderByID(ctx, bot.SenderID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Routing.Route(ctx, snd, "+15550199", "hi"); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Senders.Create(ctx, who.System(), "sms", "+15550100"); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Senders.Create(ctx, who.System(), "telegram", "a_rather_long_name_for_a_bot"); err != nil {
		t.Fatal(err)
	}
	pages := []string{"/", "/chatbots", "/chatbots/" + itoa(bot.ID), "/senders", "/users", "/audit", "/roles", "/profile",
		"/analytics", "/analytics?range=30d&chatbot=" + itoa(bot.ID)}
	page := newPage(t)
	must(t, page.SetViewportSize(1280, 900))
	signIn(t, page, base, testkit.Email(rbac.Admin), testkit.Password(rbac.Admin))
	for _, p := range pages {
		_, err := page.Goto(base + p)
		must(t, err)
		// Every <details> open, as when someone reads the audit details.
		_, err = page.Evaluate(`() => document.querySelectorAll("details").forEach(d => d.open = true)`)
		must(t, err)
		v, err := page.Evaluate(`() => [...document.querySelectorAll("table")]
			.filter(t => { const box = t.parentElement; return box.scrollWidth > box.clientWidth + 1 || t.getBoundingClientRect().right > document.documentElement.clientWidth + 1; })
			.map(t => (t.className || "table") + " " + t.parentElement.scrollWidth + ">" + t.parentElement.clientWidth)`)
		must(t, err)
		if cut, _ := v.([]any); len(cut) > 0 {
			t.Errorf("%s at 1280 px: tables wider than their box (a column is cut off): %v", p, cut)
		}
	}
}
