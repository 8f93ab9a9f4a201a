//go:build e2e

package e2e

import (
	"context"
	"testing"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
)

// Every main page fits 390 px (a phone) and 1280 px without scrolling
// sideways, and at 1280 px an admin's navigation is one line.
func TestMainPagesFitPhoneAndDesktop(t *testing.T) {
	app, base := startConsole(t)
	bot := liveFAQ(t, app, "shop")
	snd, err := app.Store.SenderByAddress(context.Background(), "livechat", "shop")
	must(t, err)
	out, err := app.Routing.Route(context.Background(), snd, "+15550100", "hello")
	must(t, err)
	pages := []string{"/", "/chatbots", "/chatbots/" + itoa(bot.ID), "/chatbots/" + itoa(bot.ID) + "/sessions",
		"/chatbots/" + itoa(bot.ID) + "/sessions/" + itoa(out.SessionID), "/senders", "/analytics", "/users", "/audit", "/roles", "/profile"}
	for _, width := range []int{390, 1280} {
		page := newPage(t)
		must(t, page.SetViewportSize(width, 900))
		signIn(t, page, base, testkit.Email(rbac.Admin), testkit.Password(rbac.Admin))
		for _, p := range pages {
			_, err := page.Goto(base + p)
			must(t, err)
			v, err := page.Evaluate(`() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]`)
			must(t, err)
			wc := v.([]any)
			if sw, cw := toInt(wc[0]), toInt(wc[1]); sw > cw {
				t.Errorf("%s at %d px scrolls sideways: scrollWidth %d > clientWidth %d", p, width, sw, cw)
				// Name what sticks out, to fix it.
				w, _ := page.Evaluate(`() => [...document.querySelectorAll("body *")]
					.filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
					.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : "")).join(", ")`)
				t.Logf("wider than the page: %v", w)
			}
		}
		if width == 1280 {
			_, err := page.Goto(base + "/")
			must(t, err)
			// One line: every link and Sign out sit at the same height.
			v, err := page.Evaluate(`() => {
				const tops = [...document.querySelectorAll("header.topbar .nav-links a, header.topbar .nav-user button")]
					.map(e => { const r = e.getBoundingClientRect(); return r.top + r.height / 2; });
				return Math.max(...tops) - Math.min(...tops);
			}`)
			must(t, err)
			if toInt(v) > 8 {
				t.Errorf("the admin's navigation wraps at 1280 px: its items' middles differ by %d px", toInt(v))
			}
		} else {
			// On a phone the links hide behind the menu button.
			_, err := page.Goto(base + "/")
			must(t, err)
			links := mainNav(page).Locator("ul.nav-links")
			must(t, expect.Locator(links).Not().ToBeVisible())
			must(t, byRole(page, "button", "Menu").Click())
			must(t, expect.Locator(links).ToBeVisible())
			must(t, expect.Locator(byRole(page, "button", "Menu")).ToHaveAttribute("aria-expanded", "true"))
		}
	}
}

func toInt(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case float64:
		return int(n)
	case int64:
		return int(n)
	}
	return -1
}
