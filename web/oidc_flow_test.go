package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/sso"
	"github.com/answers-console/answers/internal/sso/ssotest"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

func inGroups(email, name string, groups ...string) ssotest.Account {
	return ssotest.Account{Password: "pw-" + name, Claims: map[string]any{"email": email, "email_verified": true, "name": name, "groups": groups}}
}

// wantRefused checks the console's refusal page.
func wantRefused(t *testing.T, r response, say string) {
	t.Helper()
	if r.Status < 400 || r.Status >= 500 || !strings.Contains(r.Body, say) {
		t.Fatalf("callback = %d, want a refusal page saying %q:\n%s", r.Status, say, r.Body)
	}
}

// TestSSORoleFollowsProvider: a second sign-in after the provider moved
// the person to another group changes their role, audited as
// user.role_synced; the Users page shows it "from Corp ID" without a role
// picker, and a manager cannot change it.
func TestSSORoleFollowsProvider(t *testing.T) {
	t.Parallel()
	s := newSSOConsole(t, ssoAccounts())
	c, r := s.signIn(t, "sue")
	wantSignedIn(t, c, r, "sue@corp.test")
	if u := s.user(t, "sue@corp.test"); u.Role != rbac.Supervisor {
		t.Fatalf("first sign-in: role %s, want supervisor", u.Role)
	}
	s.idp.SetAccount(t, "sue", inGroups("sue@corp.test", "Sue", "support-leads"))
	c, r = s.signIn(t, "sue")
	wantSignedIn(t, c, r, "sue@corp.test")
	u := s.user(t, "sue@corp.test")
	if u.Role != rbac.Manager {
		t.Fatalf("second sign-in: role %s, want manager", u.Role)
	}
	synced := ssoAudit(t, s.Store, audit.ActionRoleSynced)
	if len(synced) != 1 || synced[0].TargetName != "sue@corp.test" {
		t.Fatalf("user.role_synced entries = %+v, want one for sue", synced)
	}
	if before := synced[0].Details["before"].(map[string]any)["role"]; before != "supervisor" {
		t.Errorf("role_synced before = %v", before)
	}
	if n := len(ssoAudit(t, s.Store, audit.ActionSSOProvisioned)); n != 1 {
		t.Errorf("%d accounts made for two sign-ins of one person, want 1", n)
	}

	admin := newClient(t, s.srv)
	admin.loginAs(rbac.Admin)
	page := admin.get("/users")
	row := page.Body[strings.Index(page.Body, "sue@corp.test"):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, "from Corp ID") || strings.Contains(row, `name="role"`) {
		t.Errorf("Users page row of sue: want \"from Corp ID\" and no role picker:\n%s", row)
	}
	_, err := s.Accounts.ChangeRole(context.Background(), who.Actor{User: s.Users[rbac.Admin]}, u.ID, "analyzer")
	if p, ok := problem.As(err); !ok || p.Code != accounts.CodeRoleFromProvider {
		t.Errorf("ChangeRole of a provider's user = %v, want role_from_provider", err)
	}
}

// TestSSOLastAdminAndDisabled: the provider cannot demote the last active
// admin (refused with a page, role kept), and an account an admin disabled
// stays disabled whatever the provider says.
func TestSSOLastAdminAndDisabled(t *testing.T) {
	t.Parallel()
	s := newSSOConsole(t, ssoAccounts())
	ctx := context.Background()
	c, r := s.signIn(t, "mia")
	wantSignedIn(t, c, r, "mia@corp.test")
	mia := s.user(t, "mia@corp.test")
	// Mia disables the password admin: she is now the last active admin.
	if _, err := s.Accounts.SetDisabled(ctx, who.Actor{User: mia}, s.Users[rbac.Admin].ID, true); err != nil {
		t.Fatal(err)
	}
	s.idp.SetAccount(t, "mia", inGroups("mia@corp.test", "Mia", "support"))
	_, r = s.signIn(t, "mia")
	wantRefused(t, r, "last active admin")
	if u := s.user(t, "mia@corp.test"); u.Role != rbac.Admin {
		t.Errorf("the last admin's role became %s", u.Role)
	}
	if n := len(ssoAudit(t, s.Store, audit.ActionRoleSynced)); n != 0 {
		t.Errorf("%d role_synced entries for a refused change", n)
	}

	c, r = s.signIn(t, "bob")
	wantSignedIn(t, c, r, "bob@corp.test")
	bob := s.user(t, "bob@corp.test")
	if _, err := s.Accounts.SetDisabled(ctx, who.Actor{User: mia}, bob.ID, true); err != nil {
		t.Fatal(err)
	}
	if home := c.get("/"); home.Status != http.StatusSeeOther {
		t.Errorf("bob's session after he was disabled: %d, want a redirect to sign in", home.Status)
	}
	_, r = s.signIn(t, "bob")
	wantRefused(t, r, "disabled")
	if u := s.user(t, "bob@corp.test"); u.Active() {
		t.Error("signing in through the provider enabled a disabled account")
	}
}

// TestSSOFlowChecks: the console sends PKCE S256, state and nonce; a
// missing or wrong state, a callback in another browser, a replayed
// callback, a wrong nonce, a wrong PKCE verifier and a request without
// PKCE are all refused; a provider whose issuer differs is not accepted.
func TestSSOFlowChecks(t *testing.T) {
	t.Parallel()
	s := newSSOConsole(t, ssoAccounts())
	ctx := context.Background()

	c := newClient(t, s.srv)
	authURL := s.begin(t, c)
	q := mustURL(t, authURL).Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" || q.Get("nonce") == "" {
		t.Fatalf("the authorization request lacks PKCE S256, state or nonce: %s", authURL)
	}

	t.Run("wrong state", func(t *testing.T) {
		c := newClient(t, s.srv)
		back := mustURL(t, s.idp.Authorize(t, s.begin(t, c), "ana", "pw-Ana"))
		q := back.Query()
		q.Set("state", "x"+q.Get("state"))
		back.RawQuery = q.Encode()
		wantRefused(t, finish(t, c, back.String()), "not valid")
		q.Del("state")
		back.RawQuery = q.Encode()
		wantRefused(t, finish(t, c, back.String()), "not valid")
	})
	t.Run("another browser, then a replay", func(t *testing.T) {
		c := newClient(t, s.srv)
		back := s.idp.Authorize(t, s.begin(t, c), "ana", "pw-Ana")
		wantRefused(t, finish(t, newClient(t, s.srv), back), "not valid")
		// The flow was taken: even the right browser cannot use it again.
		wantRefused(t, finish(t, c, back), "not valid")
	})
	t.Run("wrong nonce", func(t *testing.T) {
		c := newClient(t, s.srv)
		back := s.idp.Authorize(t, s.begin(t, c), "ana", "pw-Ana")
		if _, err := s.Store.W.ExecContext(ctx, `UPDATE oidc_flows SET nonce = ?`, "not-the-nonce"); err != nil {
			t.Fatal(err)
		}
		wantRefused(t, finish(t, c, back), "nonce")
	})
	t.Run("wrong PKCE verifier", func(t *testing.T) {
		c := newClient(t, s.srv)
		back := s.idp.Authorize(t, s.begin(t, c), "ana", "pw-Ana")
		if _, err := s.Store.W.ExecContext(ctx, `UPDATE oidc_flows SET verifier = ?`, strings.Repeat("v", 50)); err != nil {
			t.Fatal(err)
		}
		wantRefused(t, finish(t, c, back), "did not accept the sign-in code")
	})
	t.Run("no PKCE", func(t *testing.T) {
		c := newClient(t, s.srv)
		u := mustURL(t, s.begin(t, c))
		q := u.Query()
		q.Del("code_challenge")
		q.Del("code_challenge_method")
		u.RawQuery = q.Encode()
		wantRefused(t, finish(t, c, s.idp.Authorize(t, u.String(), "ana", "pw-Ana")), "refused the sign-in")
	})
	if _, err := s.Store.UserByEmail(ctx, "ana@corp.test"); err == nil {
		t.Error("a refused flow made an account")
	}
	t.Run("wrong issuer", func(t *testing.T) {
		other := strings.Replace(s.idp.Issuer, "127.0.0.1", "localhost", 1)
		_, err := sso.New(ctx, sso.Config{Issuer: other, ClientID: "answers", RedirectURL: s.srv.URL + "/auth/oidc/callback",
			Rules: sso.Rules{{Path: "groups", Value: "x", Role: rbac.Admin}}}, s.Store, s.Accounts)
		if err == nil || !strings.Contains(err.Error(), "issuer") {
			t.Errorf("a provider at %s claiming issuer %s was accepted: %v", other, s.idp.Issuer, err)
		}
	})
	var flows int
	if err := s.Store.R.QueryRowContext(ctx, `SELECT count(*) FROM oidc_flows`).Scan(&flows); err != nil {
		t.Fatal(err)
	}
	if flows != 2 { // the first one, never finished, and the one a wrong state could not reach
		t.Errorf("%d flows left, want 2", flows)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestSSOBackchannelLogout: the provider's signed logout token, received
// by one replica, ends the person's session held on another (sessions
// live in the database); their next sign-in works again. A forged token
// changes nothing.
func TestSSOBackchannelLogout(t *testing.T) {
	t.Parallel()
	s := newSSOConsole(t, ssoAccounts())
	ada, r := s.signIn(t, "ada")
	wantSignedIn(t, ada, r, "ada@corp.test")
	bob, r := s.signIn(t, "bob")
	wantSignedIn(t, bob, r, "bob@corp.test")

	// Garbage and an unsigned token are refused with 400, and end nothing.
	forger := newClient(t, s.other)
	for _, tok := range []string{"garbage", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZGEifQ."} {
		if r := forger.postRaw("/auth/oidc/backchannel-logout", url.Values{"logout_token": {tok}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "invalid_request") {
			t.Errorf("logout token %q: %d %s, want 400 invalid_request", tok, r.Status, r.Body)
		}
	}
	if home := ada.get("/"); home.Status != http.StatusOK {
		t.Fatalf("a forged logout token ended ada's session: %d", home.Status)
	}

	s.idp.BackchannelLogout(t, "ada")
	if home := ada.get("/"); home.Status != http.StatusSeeOther {
		t.Errorf("ada's session after the provider's logout: %d, want a redirect to sign in", home.Status)
	}
	if home := bob.get("/"); home.Status != http.StatusOK {
		t.Errorf("bob's session ended with ada's: %d", home.Status)
	}
	out := ssoAudit(t, s.Store, audit.ActionSSOLoggedOut)
	if len(out) != 1 || out[0].TargetName != "ada@corp.test" {
		t.Errorf("auth.sso_logged_out entries = %+v, want one for ada", out)
	}
	ada, r = s.signIn(t, "ada")
	wantSignedIn(t, ada, r, "ada@corp.test")
}

// TestSSOSignOutAtProvider: signing out of a session that came from the
// provider ends the console session and sends the browser to the
// provider's end-session page (RP-initiated logout), which accepts the
// hint and the way back; a password session signs out as before.
func TestSSOSignOutAtProvider(t *testing.T) {
	t.Parallel()
	s := newSSOConsole(t, ssoAccounts())
	c, r := s.signIn(t, "ada")
	wantSignedIn(t, c, r, "ada@corp.test")
	r = c.post("/logout", url.Values{})
	to := mustURL(t, r.Header.Get("Location"))
	q := to.Query()
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(to.String(), s.idp.Issuer+"/") || q.Get("id_token_hint") == "" ||
		q.Get("post_logout_redirect_uri") != s.srv.URL+"/login" {
		t.Fatalf("sign-out = %d to %s, want the provider's end-session page with a hint and the way back", r.Status, to)
	}
	if home := c.get("/"); home.Status != http.StatusSeeOther {
		t.Errorf("the console session lived on after sign-out: %d", home.Status)
	}
	resp, err := http.Get(to.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the provider's end-session page answered %d, want 200 (its sign-out confirmation)", resp.StatusCode)
	}

	pw := newClient(t, s.srv)
	pw.loginAs(rbac.Manager)
	if r := pw.post("/logout", url.Values{}); r.Header.Get("Location") != "/login" {
		t.Errorf("a password session's sign-out went to %q, want /login", r.Header.Get("Location"))
	}
}

// TestSSOPasswordSignInOff: with password sign-in off the sign-in page
// leads with the provider and keeps the password form for break-glass
// accounts; an ordinary account's password is refused with a reason,
// while the provider still signs people in.
func TestSSOPasswordSignInOff(t *testing.T) {
	t.Parallel()
	s := newSSOConsole(t, ssoAccounts())
	s.Accounts.PasswordSignIn = false
	c := newClient(t, s.srv)
	page := c.get("/login")
	link := strings.Index(page.Body, "Sign in with Corp ID")
	glass := strings.Index(page.Body, "Break-glass account")
	if page.Status != http.StatusOK || link < 0 || glass < link {
		t.Fatalf("sign-in page: want the provider's link, then the break-glass form:\n%s", page.Body)
	}
	r := c.login(testkit.Email(rbac.Manager), testkit.Password(rbac.Manager))
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "Password sign-in is turned off") {
		t.Errorf("password sign-in when off: %d, want 403 saying so", r.Status)
	}
	c, r = s.signIn(t, "lea")
	wantSignedIn(t, c, r, "lea@corp.test")
}

// TestSSOAccountHasNoPassword: a person from the provider has no password
// here, and nothing pretends otherwise: no reset (the service refuses it),
// no change-password form, no token form that asks for a password.
func TestSSOAccountHasNoPassword(t *testing.T) {
	t.Parallel()
	s := newSSOConsole(t, ssoAccounts())
	c, r := s.signIn(t, "lea")
	wantSignedIn(t, c, r, "lea@corp.test")
	lea := s.user(t, "lea@corp.test")
	_, _, err := s.Accounts.ResetPassword(context.Background(), who.Actor{User: s.Users[rbac.Admin]}, lea.ID)
	if p, ok := problem.As(err); !ok || p.Code != accounts.CodePasswordFromProvider {
		t.Errorf("ResetPassword of a provider's user = %v, want %s", err, accounts.CodePasswordFromProvider)
	}
	profile := c.get("/profile")
	if !strings.Contains(profile.Body, "You sign in through Corp ID") || strings.Contains(profile.Body, `action="/profile/password"`) ||
		strings.Contains(profile.Body, `action="/profile/tokens"`) {
		t.Errorf("profile of a provider's user offers password forms:\n%s", profile.Body)
	}
	admin := newClient(t, s.srv)
	admin.loginAs(rbac.Admin)
	if r := admin.post("/users/"+itoa(lea.ID)+"/reset-password", url.Values{}); r.Status != http.StatusConflict {
		t.Errorf("reset-password of a provider's user: %d, want 409", r.Status)
	}
	page := admin.get("/users")
	row := page.Body[strings.Index(page.Body, "lea@corp.test"):]
	row = row[:strings.Index(row, "</tbody>")]
	if strings.Contains(row, "reset-password") || !strings.Contains(row, "/disable") {
		t.Errorf("Users row of a provider's user: want Disable and no Reset password:\n%s", row)
	}
}

// TestSSOStartsAreBounded: starting a sign-in stores a flow, so one
// network cannot start them without end: past the burst it gets 429 and
// nothing more is written.
func TestSSOStartsAreBounded(t *testing.T) {
	t.Parallel()
	s := newSSOConsole(t, ssoAccounts())
	c := newClient(t, s.srv)
	limited := 0
	for range 40 {
		switch r := c.get("/auth/oidc/login"); r.Status {
		case http.StatusSeeOther:
		case http.StatusTooManyRequests:
			limited++
		default:
			t.Fatalf("GET /auth/oidc/login = %d", r.Status)
		}
	}
	var flows int
	if err := s.Store.R.QueryRowContext(context.Background(), `SELECT count(*) FROM oidc_flows`).Scan(&flows); err != nil {
		t.Fatal(err)
	}
	if limited == 0 || flows+limited != 40 {
		t.Errorf("%d starts limited, %d flows stored: want some limited and none of those stored", limited, flows)
	}
}
