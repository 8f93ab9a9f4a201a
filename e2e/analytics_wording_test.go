//go:build e2e

package e2e

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/web/webtest"
)

// Analytics do not mislead: traffic only today reads "new" against an
// empty previous period, not a percentage; days without messages have no
// fallback rate ("–", not 0.0%); today is marked as under way; a preset
// range leaves no custom dates in the address.
func TestAnalyticsSaysNewAndDashWhereDue(t *testing.T) {
	app := webtest.New(t)
	ctx := context.Background()
	faq := liveFAQ(t, app, "faq")
	snd, err := app.Store.SenderByID(ctx, faq.SenderID)
	must(t, err)
	for _, u := range []string{"ann", "bea"} {
		for _, text := range []string{"hi", "hours", "bye"} {
			_, err := app.Routing.Route(ctx, snd, u, text)
			must(t, err)
		}
	}
	srv := httptest.NewServer(app.Server)
	t.Cleanup(srv.Close)

	page := newPage(t)
	signIn(t, page, srv.URL, testkit.Email(rbac.Analyzer), testkit.Password(rbac.Analyzer))
	_, err = page.Goto(srv.URL + "/analytics?range=7d")
	must(t, err)
	sessions := page.Locator(`article.headline:has(h2:text-is("Sessions"))`)
	expectText(t, sessions.Locator(".value"), "2")
	expectText(t, sessions.Locator(".change"), "new")
	must(t, expect.Locator(page.Locator("article.headline .change", playwright.PageLocatorOptions{HasText: "%"})).ToHaveCount(0))

	days := page.Locator("#analytics-days tbody tr")
	must(t, expect.Locator(days).ToHaveCount(7))
	// Fallback rate is the sixth column; the quiet days have none.
	must(t, expect.Locator(days.First().Locator("td").Nth(4)).ToHaveText("–"))
	must(t, expect.Locator(days.Last().Locator("th")).ToContainText("so far"))
	must(t, expect.Locator(days.Last().Locator("td").Nth(4)).ToHaveText("0.0%"))
	must(t, expect.Locator(page.Locator("#chart-sessions rect.partial")).ToHaveCount(1))
	settled(t, page)

	// Custom dates, then a preset: the address keeps no dates.
	from := time.Now().AddDate(0, 0, -10).Format(time.DateOnly)
	must(t, page.GetByLabel("From").Fill(from))
	must(t, page.GetByLabel("From").DispatchEvent("change", nil))
	must(t, expect.Page(page).ToHaveURL(regexpMust(`range=custom.*from=`+from)))
	settled(t, page)
	_, err = page.Locator("select[name=range]").SelectOption(playwright.SelectOptionValues{Values: playwright.StringSlice("30d")})
	must(t, err)
	must(t, expect.Page(page).ToHaveURL(regexpMust(`range=30d`)))
	settled(t, page)
	if u := page.URL(); regexpMust(`[?&](from|to)=`).MatchString(u) {
		t.Errorf("a preset kept custom dates in the address: %s", u)
	}
}
