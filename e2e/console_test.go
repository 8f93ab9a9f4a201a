//go:build e2e

package e2e

import (
	"context"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/web/webtest"
)

// startConsole runs the real console handler on a fresh database with one
// user per role.
func startConsole(t *testing.T) (*webtest.App, string) {
	t.Helper()
	app := webtest.New(t)
	srv := httptest.NewServer(app.Server)
	t.Cleanup(srv.Close)
	// The sweeper runs as in the real server: timeouts and grace ends.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go app.RunSweeper(ctx)
	return app, srv.URL
}

// signIn fills in the sign-in form as a person does.
func signIn(t *testing.T, page playwright.Page, base, email, password string) {
	t.Helper()
	_, err := page.Goto(base + "/login")
	must(t, err)
	must(t, page.GetByLabel("Email").Fill(email))
	must(t, page.GetByLabel("Password").Fill(password))
	must(t, page.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Sign in"}).Click())
}

func mainNav(page playwright.Page) playwright.Locator {
	return page.GetByRole("navigation", playwright.PageGetByRoleOptions{Name: "Main"})
}

func navLink(page playwright.Page, name string) playwright.Locator {
	return mainNav(page).GetByRole("link", playwright.LocatorGetByRoleOptions{Name: name, Exact: playwright.Bool(true)})
}

func TestEachRoleSeesExactlyItsNavigation(t *testing.T) {
	_, base := startConsole(t)
	want := map[rbac.Role][]string{
		rbac.Analyzer:   {"Home", "Chatbots", "Senders", "Analytics", "Roles"},
		rbac.Supervisor: {"Home", "Chatbots", "Senders", "Conversations", "Analytics", "Roles"},
		rbac.Designer:   {"Home", "Chatbots", "Senders", "Conversations", "Analytics", "Roles"},
		rbac.Manager:    {"Home", "Chatbots", "Senders", "Conversations", "Analytics", "Users", "Roles"},
		rbac.Admin:      {"Home", "Chatbots", "Senders", "Conversations", "Analytics", "Users", "Audit log", "Webhooks", "Roles"},
	}
	for _, r := range rbac.Roles() {
		t.Run(r.String(), func(t *testing.T) {
			page := newPage(t)
			signIn(t, page, base, testkit.Email(r), testkit.Password(r))
			expectText(t, page.GetByRole("heading", playwright.PageGetByRoleOptions{Level: playwright.Int(1)}), "Hello, Test "+r.Title())
			links := mainNav(page).Locator("ul.nav-links").GetByRole("link")
			must(t, expect.Locator(links).ToHaveText(want[r]))
		})
	}
}

func TestWrongPasswordShowsClearError(t *testing.T) {
	_, base := startConsole(t)
	page := newPage(t)
	signIn(t, page, base, testkit.Email(rbac.Admin), "this is not it")
	expectText(t, page.GetByRole("alert"), "Wrong email or password.")
	// The email stays filled in; the password does not.
	must(t, expect.Locator(page.GetByLabel("Email")).ToHaveValue(testkit.Email(rbac.Admin)))
	must(t, expect.Locator(page.GetByLabel("Password")).ToHaveValue(""))
}

func TestManagerAssignsRoleAndUsersNextPageReflectsIt(t *testing.T) {
	_, base := startConsole(t)

	// The analyzer is signed in, in their own browser.
	analyzer := newPage(t)
	signIn(t, analyzer, base, testkit.Email(rbac.Analyzer), testkit.Password(rbac.Analyzer))
	expectVisible(t, navLink(analyzer, "Roles"))
	must(t, expect.Locator(navLink(analyzer, "Users")).ToHaveCount(0))

	// A manager makes them a supervisor, then a manager.
	manager := newPage(t)
	signIn(t, manager, base, testkit.Email(rbac.Manager), testkit.Password(rbac.Manager))
	must(t, navLink(manager, "Users").Click())
	role := manager.GetByLabel("Role of " + testkit.Email(rbac.Analyzer))
	_, err := role.SelectOption(playwright.SelectOptionValues{Values: playwright.StringSlice("manager")})
	must(t, err)
	row := manager.Locator("tbody", playwright.PageLocatorOptions{Has: role})
	must(t, row.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Save role"}).Click())
	expectText(t, row.GetByRole("status"), testkit.Email(rbac.Analyzer)+" is now manager.")

	// The promoted user's very next page shows the Users link.
	_, err = analyzer.Reload()
	must(t, err)
	expectVisible(t, navLink(analyzer, "Users"))
	must(t, navLink(analyzer, "Users").Click())
	expectText(t, analyzer.GetByRole("heading", playwright.PageGetByRoleOptions{Level: playwright.Int(1)}), "Users")
}

func TestFirstRunSetupCreatesAdmin(t *testing.T) {
	app := webtest.Empty(t)
	srv := httptest.NewServer(app.Server)
	t.Cleanup(srv.Close)
	token, err := app.Accounts.PrepareSetup(context.Background())
	must(t, err)

	page := newPage(t)
	_, err = page.Goto(srv.URL + "/setup?token=" + token)
	must(t, err)
	must(t, page.GetByLabel("Name").Fill("Ada Lovelace"))
	must(t, page.GetByLabel("Email").Fill("ada@example.com"))
	must(t, page.GetByLabel("Password (at least 10 characters)").Fill("analytical engine"))
	must(t, page.GetByLabel("Repeat the password").Fill("analytical engine"))
	must(t, page.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Create admin account"}).Click())
	expectText(t, page.GetByRole("heading", playwright.PageGetByRoleOptions{Level: playwright.Int(1)}), "Hello, Ada Lovelace")
	expectVisible(t, navLink(page, "Audit log"))

	// The audit log records the setup.
	must(t, navLink(page, "Audit log").Click())
	expectVisible(t, page.Locator("table.audit").GetByText("auth.setup"))

	// The link is spent.
	other := newPage(t)
	_, err = other.Goto(srv.URL + "/setup?token=" + token)
	must(t, err)
	expectText(t, other.GetByRole("heading", playwright.PageGetByRoleOptions{Level: playwright.Int(1)}), "Not Found")
	expectVisible(t, other.GetByText(regexp.MustCompile("already set up")))
}
