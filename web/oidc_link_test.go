package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/sso/ssotest"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// person is someone at the test provider with the password "pw-"+login.
func person(login, email, name string, verified bool, groups ...string) ssotest.Account {
	return ssotest.Account{Password: "pw-" + login, Claims: map[string]any{"email": email, "email_verified": verified, "name": name, "groups": groups}}
}

// signInAs goes through the whole flow as a person made by person.
func (s *ssoConsole) signInAs(t *testing.T, login string) (*client, response) {
	t.Helper()
	c := newClient(t, s.srv)
	back := s.idp.Authorize(t, s.begin(t, c), login, "pw-"+login)
	return c, finish(t, c, back)
}

func wantReason(t *testing.T, st *store.Store, reason string) {
	t.Helper()
	for _, e := range ssoAudit(t, st, audit.ActionSSORefused) {
		if e.Details["reason"] == reason {
			return
		}
	}
	t.Errorf("no auth.sso_refused entry with reason %s", reason)
}

// TestSSOLinking: a first sign-in whose email a password account has is
// refused while linking is off (the page says an admin can turn it on),
// refused when the provider does not say the email is verified, never
// links a disabled account, and with linking on and a verified email
// links the account (audited user.sso_linked) and signs in with the role
// the rules give.
func TestSSOLinking(t *testing.T) {
	t.Parallel()
	analyzer, supervisor, designer := testkit.Email(rbac.Analyzer), testkit.Email(rbac.Supervisor), testkit.Email(rbac.Designer)
	s := newSSOConsole(t, map[string]ssotest.Account{
		"ann": person("ann", analyzer, "Ann Linked", true, "bot-builders"),
		"sam": person("sam", supervisor, "Sam", false, "support"),
		"des": person("des", designer, "Des", true, "bot-builders"),
	})
	ctx := context.Background()
	admin := who.Actor{User: s.Users[rbac.Admin]}

	// Off (the default): refused as before, saying an admin can turn it on.
	_, r := s.signInAs(t, "ann")
	wantRefused(t, r, "an admin can turn on linking")
	wantReason(t, s.Store, "sso_email_taken")

	if err := s.Accounts.SetSSOLinking(ctx, who.Actor{User: s.Users[rbac.Manager]}, true); err == nil {
		t.Fatal("a manager turned linking on")
	}
	if err := s.Accounts.SetSSOLinking(ctx, admin, true); err != nil {
		t.Fatal(err)
	}
	if on, err := s.Accounts.SSOLinking(ctx); err != nil || !on {
		t.Fatalf("SSOLinking = %v, %v after turning it on", on, err)
	}
	if n := len(ssoAudit(t, s.Store, audit.ActionSettingChanged)); n != 1 {
		t.Errorf("%d setting.changed entries, want 1", n)
	}

	// On, but the email is not verified: refused.
	_, r = s.signInAs(t, "sam")
	wantRefused(t, r, "does not say that this email is verified")
	wantReason(t, s.Store, "sso_email_unverified")
	if u := s.user(t, supervisor); u.Provider != "" {
		t.Errorf("an unverified email linked %s", supervisor)
	}

	// A disabled account is never linked.
	if _, err := s.Accounts.SetDisabled(ctx, admin, s.Users[rbac.Designer].ID, true); err != nil {
		t.Fatal(err)
	}
	_, r = s.signInAs(t, "des")
	wantRefused(t, r, "disabled")
	if u := s.user(t, designer); u.Provider != "" || u.Active() {
		t.Errorf("a disabled account was linked or enabled: %+v", u)
	}

	// On and verified: linked, audited, signed in with the rules' role.
	c, r := s.signInAs(t, "ann")
	wantSignedIn(t, c, r, analyzer)
	u := s.user(t, analyzer)
	if u.ID != s.Users[rbac.Analyzer].ID || u.Provider != "Corp ID" || u.Role != rbac.Designer {
		t.Errorf("after linking: %+v, want the same account, from Corp ID, designer", u)
	}
	linked := ssoAudit(t, s.Store, audit.ActionSSOLinked)
	if len(linked) != 1 || linked[0].TargetName != analyzer || linked[0].Details["issuer"] != s.idp.Issuer || linked[0].Details["subject"] != "ann" {
		t.Fatalf("user.sso_linked entries = %+v, want one for %s with issuer and subject", linked, analyzer)
	}
	if n := len(ssoAudit(t, s.Store, audit.ActionSSOProvisioned)); n != 0 {
		t.Errorf("%d accounts made, want none (linked)", n)
	}
	// The next sign-in finds it by issuer and subject.
	c, r = s.signInAs(t, "ann")
	wantSignedIn(t, c, r, analyzer)
	if n := len(ssoAudit(t, s.Store, audit.ActionSSOLinked)); n != 1 {
		t.Errorf("%d user.sso_linked entries after a second sign-in, want 1", n)
	}
}

// TestSSOProfileFollowsProvider: a later sign-in takes the name and the
// verified email from the claims, audited; an unverified email or one
// another account has is not taken.
func TestSSOProfileFollowsProvider(t *testing.T) {
	t.Parallel()
	s := newSSOConsole(t, map[string]ssotest.Account{"sue": person("sue", "sue@corp.test", "Sue", true, "support")})
	c, r := s.signInAs(t, "sue")
	wantSignedIn(t, c, r, "sue@corp.test")
	id := s.user(t, "sue@corp.test").ID

	s.idp.SetAccount(t, "sue", person("sue", "sue@corp.test", "Susan Calvin", true, "support"))
	c, r = s.signInAs(t, "sue")
	wantSignedIn(t, c, r, "sue@corp.test")
	if u := s.user(t, "sue@corp.test"); u.Name != "Susan Calvin" {
		t.Errorf("name after the provider changed it: %q", u.Name)
	}
	synced := ssoAudit(t, s.Store, audit.ActionProfileSynced)
	if len(synced) != 1 || synced[0].Details["before"].(map[string]any)["name"] != "Sue" {
		t.Fatalf("user.profile_synced entries = %+v, want one from Sue", synced)
	}

	// Unverified, then taken by another account: the old email stays.
	for _, email := range []string{"susan@corp.test", testkit.Email(rbac.Analyzer)} {
		s.idp.SetAccount(t, "sue", person("sue", email, "Susan Calvin", email != "susan@corp.test", "support"))
		c, r = s.signInAs(t, "sue")
		wantSignedIn(t, c, r, "sue@corp.test")
	}
	if n := len(ssoAudit(t, s.Store, audit.ActionProfileSynced)); n != 1 {
		t.Errorf("%d user.profile_synced entries, want still 1", n)
	}

	s.idp.SetAccount(t, "sue", person("sue", "susan@corp.test", "Susan Calvin", true, "support"))
	c, r = s.signInAs(t, "sue")
	wantSignedIn(t, c, r, "susan@corp.test")
	if u := s.user(t, "susan@corp.test"); u.ID != id {
		t.Errorf("the new email is on account %d, want %d", u.ID, id)
	}
	if n := len(ssoAudit(t, s.Store, audit.ActionProfileSynced)); n != 2 {
		t.Errorf("%d user.profile_synced entries, want 2", n)
	}
	if home := c.get("/"); home.Status != http.StatusOK || !strings.Contains(home.Body, "Susan Calvin") && !strings.Contains(home.Body, "susan@corp.test") {
		t.Errorf("home after the email changed = %d", home.Status)
	}
}

// TestSSOLinkingSetting: only admins see and change the setting on the
// Users page (a plain form post and an htmx fragment), audited.
func TestSSOLinkingSetting(t *testing.T) {
	t.Parallel()
	s := newSSOConsole(t, ssoAccounts())
	const label = "Link provider sign-ins to existing accounts with the same verified email"
	for _, role := range rbac.Roles() {
		c := newClient(t, s.srv)
		c.loginAs(role)
		if !rbac.Can(role, rbac.ManageUsers) {
			continue
		}
		page := c.get("/users")
		if shown := strings.Contains(page.Body, label); shown != (role == rbac.Admin) {
			t.Errorf("Users page as %s shows the linking setting: %v", role, shown)
		}
		if role == rbac.Admin {
			continue
		}
		for _, htmx := range [][]string{nil, {"HX-Request", "true"}} {
			if r := c.post("/users/sso-linking", url.Values{"link": {"on"}}, htmx...); r.Status != http.StatusForbidden {
				t.Errorf("POST /users/sso-linking as %s (htmx %v) = %d, want 403", role, htmx != nil, r.Status)
			}
		}
	}
	ctx := context.Background()
	if on, _ := s.Accounts.SSOLinking(ctx); on {
		t.Fatal("a refused change turned linking on")
	}
	admin := newClient(t, s.srv)
	admin.loginAs(rbac.Admin)
	r := admin.post("/users/sso-linking", url.Values{"link": {"on"}}, "HX-Request", "true")
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Body, `<section id="sso-linking">`) || !strings.Contains(r.Body, "checked") || !strings.Contains(r.Body, "now link") {
		t.Fatalf("htmx POST as admin = %d, want the setting's fragment, on:\n%s", r.Status, r.Body)
	}
	if on, _ := s.Accounts.SSOLinking(ctx); !on {
		t.Error("linking is off after the admin turned it on")
	}
	if page := admin.get("/users"); !strings.Contains(page.Body, `name="link" value="on" checked`) {
		t.Error("the Users page does not show the setting on")
	}
	r = admin.post("/users/sso-linking", nil)
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/users" {
		t.Fatalf("plain POST as admin = %d to %q, want 303 to /users", r.Status, r.Header.Get("Location"))
	}
	if on, _ := s.Accounts.SSOLinking(ctx); on {
		t.Error("linking is on after the admin turned it off")
	}
	changed := ssoAudit(t, s.Store, audit.ActionSettingChanged)
	if len(changed) != 2 || changed[0].ActorID != s.Users[rbac.Admin].ID || changed[0].TargetName != store.SettingSSOLinkVerifiedEmail {
		t.Errorf("setting.changed entries = %+v, want two by the admin", changed)
	}
}
