//go:build e2e

package e2e

import (
	"context"
	"testing"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
)

// TestAddressesStayOnOneLine: a sender's address or an end user's id in a
// table cell is one line at 1280 and 390 px ("+1555010 / 0" and "suppor /
// t" broke inside the chip), and "1 other version" keeps its chevron.
func TestAddressesStayOnOneLine(t *testing.T) {
	app, base := startConsole(t)
	bot := liveFAQ(t, app, "support")
	snd, err := app.Store.SenderByAddress(context.Background(), "livechat", "support")
	must(t, err)
	_, err = app.Routing.Route(context.Background(), snd, "+15550100", "hello")
	must(t, err)
	pages := []string{"/", "/chatbots", "/senders", "/chatbots/" + itoa(bot.ID) + "/sessions"}
	for _, width := range []int{390, 1280} {
		page := newPage(t)
		must(t, page.SetViewportSize(width, 900))
		signIn(t, page, base, testkit.Email(rbac.Admin), testkit.Password(rbac.Admin))
		for _, p := range pages {
			_, err := page.Goto(base + p)
			must(t, err)
			v, err := page.Evaluate(`() => [...document.querySelectorAll("td code:not(.secret):not(.masked-key)")]
				.filter(e => e.getBoundingClientRect().height > 2.4 * parseFloat(getComputedStyle(e).fontSize))
				.map(e => e.textContent)`)
			must(t, err)
			if broken := v.([]any); len(broken) > 0 {
				t.Errorf("%s at %d px: %v break across lines", p, width, broken)
			}
			n, err := page.Locator("td code").Count()
			must(t, err)
			if n == 0 && p != "/" {
				t.Errorf("%s shows no address to check", p)
			}
		}
	}
}
