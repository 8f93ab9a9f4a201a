//go:build e2e

package e2e

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/web/webtest"
)

// An analyzer opens analytics, narrows the date range and the chatbot,
// sees the numbers and the chart follow, and downloads the CSV.
func TestAnalyzerReadsAnalytics(t *testing.T) {
	app := webtest.New(t)
	ctx := context.Background()
	// Traffic twenty days ago and today, through the real runtime.
	past := time.Now().AddDate(0, 0, -20)
	app.SetClock(func() time.Time { return past })
	faq := liveFAQ(t, app, "faq")
	talk := func(bot store.Chatbot, users ...string) {
		snd, err := app.Store.SenderByID(ctx, bot.SenderID)
		must(t, err)
		for _, u := range users {
			for _, text := range []string{"hi", "hours", "bye"} {
				_, err := app.Routing.Route(ctx, snd, u, text)
				must(t, err)
			}
		}
	}
	talk(faq, "ann", "bea", "cid")
	app.SetClock(time.Now)
	other := liveFAQNamed(t, app, "other", "Other bot")
	talk(other, "dan", "eve")
	talk(faq, "ann")
	srv := httptest.NewServer(app.Server)
	t.Cleanup(srv.Close)

	page := newPage(t)
	signIn(t, page, srv.URL, testkit.Email(rbac.Analyzer), testkit.Password(rbac.Analyzer))
	must(t, navLink(page, "Analytics").Click())
	sessions := page.Locator(`article.headline:has(h2:text-is("Sessions")) .value`)
	bars := page.Locator("#chart-sessions rect")
	expectText(t, sessions, "6")
	must(t, expect.Locator(bars).ToHaveCount(2)) // two days with sessions
	settled(t, page)

	_, err := page.GetByLabel("Range").SelectOption(playwright.SelectOptionValues{Values: playwright.StringSlice("7d")})
	must(t, err)
	expectText(t, sessions, "3")
	must(t, expect.Locator(bars).ToHaveCount(1))
	must(t, expect.Page(page).ToHaveURL(regexpMust(`range=7d`)))
	settled(t, page)

	_, err = page.GetByLabel("Chatbot").SelectOption(playwright.SelectOptionValues{Labels: playwright.StringSlice("Other bot")})
	must(t, err)
	expectText(t, sessions, "2")
	expectText(t, page.Locator(".report-scope"), "Other bot")
	expectVisible(t, page.GetByRole("table", playwright.PageGetByRoleOptions{Name: "Entries per dialog"}))
	must(t, expect.Page(page).ToHaveURL(regexpMust(fmt.Sprintf(`chatbot=%d`, other.ID))))

	dl, err := page.ExpectDownload(func() error {
		return page.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Download CSV"}).First().Click()
	})
	must(t, err)
	path, err := dl.Path()
	must(t, err)
	data, err := os.ReadFile(path)
	must(t, err)
	rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	must(t, err)
	total := 0
	for _, r := range rows[1:] {
		n, err := strconv.Atoi(r[1])
		must(t, err)
		total += n
	}
	if len(rows) != 8 || rows[0][1] != "Sessions" || total != 2 {
		t.Fatalf("CSV of the last 7 days for Other bot: %v", rows)
	}
}
