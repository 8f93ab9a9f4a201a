//go:build e2e

package e2e

import (
	"context"
	"net"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/sso"
	"github.com/answers-console/answers/internal/sso/ssotest"
	"github.com/answers-console/answers/web"
	"github.com/answers-console/answers/web/webtest"
)

// TestSignInWithProvider: on a console with no users at all, a person in
// answers-admins at the organisation's provider clicks "Sign in with Corp
// ID", signs in on the provider's own page and lands in the console as an
// admin, their account made on the way; the Users page says their role
// comes from Corp ID.
func TestSignInWithProvider(t *testing.T) {
	app := webtest.Empty(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	base := "http://" + ln.Addr().String()
	idp := ssotest.Start(t, ssotest.Options{ClientID: "answers", ClientSecret: "e2e-secret", RedirectURI: base + "/auth/oidc/callback",
		Accounts: map[string]ssotest.Account{"grace": {Password: "grace-at-corp", Claims: map[string]any{
			"email": "grace@corp.test", "email_verified": true, "name": "Grace Hopper", "groups": []string{"support", "answers-admins"}}},
			"nora": {Password: "nora-at-corp", Claims: map[string]any{
				"email": "nora@corp.test", "email_verified": true, "name": "Nora", "groups": []string{"marketing"}}}}})
	rules, err := sso.ParseRules("groups: answers-admins=admin, support=supervisor")
	must(t, err)
	p, err := sso.New(context.Background(), sso.Config{Issuer: idp.Issuer, ClientID: "answers", ClientSecret: "e2e-secret",
		RedirectURL: base + "/auth/oidc/callback", Name: "Corp ID", Scopes: []string{"profile", "email", "groups"}, Rules: rules}, app.Store, app.Accounts)
	must(t, err)
	srv := httptest.NewUnstartedServer(app.Web(nil, web.Options{SSO: p}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)

	axe, err := os.ReadFile(axePath)
	must(t, err)
	page := newPage(t)
	_, err = page.Goto(base + "/login")
	must(t, err)
	if n := runAxe(t, page, axe, "sign-in page with a provider"); n != 0 {
		t.Errorf("%d accessibility violations on the sign-in page", n)
	}
	must(t, page.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Sign in with Corp ID"}).Click())
	// The provider's own sign-in page.
	expectVisible(t, page.GetByRole("heading", playwright.PageGetByRoleOptions{Name: "Test provider sign-in"}))
	must(t, page.GetByLabel("Login").Fill("grace"))
	must(t, page.GetByLabel("Password").Fill("grace-at-corp"))
	must(t, page.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Sign in"}).Click())

	// Back in the console, as an admin: the audit log is theirs to see.
	expectVisible(t, navLink(page, "Audit log"))
	expectText(t, mainNav(page), "Grace Hopper")
	_, err = page.Goto(base + "/users")
	must(t, err)
	row := page.Locator("#users tbody").Filter(playwright.LocatorFilterOptions{HasText: "grace@corp.test"})
	expectText(t, row, "admin")
	expectText(t, row, "from Corp ID")
	must(t, expect.Locator(row.Locator("select[name=role]")).ToHaveCount(0))
	if n := runAxe(t, page, axe, "users page with a provider's user"); n != 0 {
		t.Errorf("%d accessibility violations on the users page", n)
	}
	u, err := app.Store.UserByEmail(context.Background(), "grace@corp.test")
	must(t, err)
	if u.Role != rbac.Admin || u.Provider != "Corp ID" {
		t.Errorf("grace is %s from %q, want admin from Corp ID", u.Role, u.Provider)
	}

	// Someone in no mapped group is told why, on a page of its own.
	refused := newPage(t)
	_, err = refused.Goto(base + "/login")
	must(t, err)
	must(t, refused.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Sign in with Corp ID"}).Click())
	must(t, refused.GetByLabel("Login").Fill("nora"))
	must(t, refused.GetByLabel("Password").Fill("nora-at-corp"))
	must(t, refused.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Sign in"}).Click())
	expectText(t, refused.GetByRole("alert"), "in no group that gives a role")
	if n := runAxe(t, refused, axe, "refused sign-in page"); n != 0 {
		t.Errorf("%d accessibility violations on the refused page", n)
	}
}
