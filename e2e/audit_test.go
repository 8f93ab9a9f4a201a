//go:build e2e

package e2e

import (
	"encoding/csv"
	"os"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
)

// An admin filters the audit log down to one chatbot's activations and
// exports them.
func TestAdminFiltersAuditLogAndExports(t *testing.T) {
	app, base := startConsole(t)
	liveFAQ(t, app, "faq")                     // activates "FAQ"
	liveFAQNamed(t, app, "other", "Other bot") // and another one

	admin := newPage(t)
	signIn(t, admin, base, testkit.Email(rbac.Admin), testkit.Password(rbac.Admin))
	must(t, navLink(admin, "Audit log").Click())
	_, err := admin.GetByLabel("Action").SelectOption(playwright.SelectOptionValues{Values: playwright.StringSlice("chatbot.activated")})
	must(t, err)
	must(t, admin.GetByLabel("Target", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).Fill("FAQ"))
	rows := admin.Locator("table.audit tbody tr")
	must(t, expect.Locator(rows).ToHaveCount(1))
	expectText(t, rows, "chatbot.activated")
	// The filter is in the address, so the view can be bookmarked.
	must(t, expect.Page(admin).ToHaveURL(regexpMust(`action=chatbot.activated`)))

	dl, err := admin.ExpectDownload(func() error {
		return admin.GetByRole("link", playwright.PageGetByRoleOptions{Name: "CSV"}).Click()
	})
	must(t, err)
	path, err := dl.Path()
	must(t, err)
	data, err := os.ReadFile(path)
	must(t, err)
	records, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	must(t, err)
	if len(records) != 2 || records[1][3] != "chatbot.activated" || records[1][6] != "FAQ" {
		t.Fatalf("exported %v", records)
	}
}
