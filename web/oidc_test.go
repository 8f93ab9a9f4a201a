package web_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/sso"
	"github.com/answers-console/answers/internal/sso/ssotest"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/web"
	"github.com/answers-console/answers/web/webtest"
)

const testRules = "groups: answers-admins=admin, support-leads=manager, bot-builders=designer, support=supervisor, analysts=analyzer; realm_access.roles: bots=designer"

// ssoAccounts are the people at the test provider, in the groups the
// rules read (and one in Keycloak's shape: realm_access.roles).
func ssoAccounts() map[string]ssotest.Account {
	acct := func(email, name string, claims map[string]any) ssotest.Account {
		c := map[string]any{"email": email, "email_verified": true, "name": name}
		for k, v := range claims {
			c[k] = v
		}
		return ssotest.Account{Password: "pw-" + name, Claims: c}
	}
	return map[string]ssotest.Account{
		"ada":  acct("ada@corp.test", "Ada", map[string]any{"groups": []string{"support", "answers-admins"}}),
		"lea":  acct("lea@corp.test", "Lea", map[string]any{"groups": []string{"support-leads"}}),
		"bob":  acct("bob@corp.test", "Bob", map[string]any{"groups": []string{"bot-builders"}}),
		"sue":  acct("sue@corp.test", "Sue", map[string]any{"groups": []string{"support"}}),
		"ana":  acct("ana@corp.test", "Ana", map[string]any{"groups": []string{"analysts"}}),
		"kc":   acct("kc@corp.test", "Kay", map[string]any{"realm_access": map[string]any{"roles": []string{"bots"}}}),
		"nog":  acct("nog@corp.test", "Nog", map[string]any{"groups": []string{"marketing"}}),
		"dup":  acct(testkit.Email(rbac.Analyzer), "Dup", map[string]any{"groups": []string{"analysts"}}),
		"mia":  acct("mia@corp.test", "Mia", map[string]any{"groups": []string{"answers-admins"}}),
		"noem": ssotest.Account{Password: "pw-noem", Claims: map[string]any{"name": "No Email", "groups": []string{"support"}}},
	}
}

// ssoConsole is a console whose sign-in page offers the test provider,
// which knows accounts.
type ssoConsole struct {
	*webtest.App
	srv   *httptest.Server
	other *httptest.Server // another replica
	idp   *ssotest.IdP
}

func newSSOConsole(t *testing.T, accounts map[string]ssotest.Account) *ssoConsole {
	t.Helper()
	a := webtest.New(t)
	// Two replicas over one database: the provider sends people back to
	// the first and its back-channel logout tokens to the second.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	callback := "http://" + ln.Addr().String() + "/auth/oidc/callback"
	idp := ssotest.Start(t, ssotest.Options{ClientID: "answers", ClientSecret: "s3cret-of-the-tests", RedirectURI: callback,
		PostLogoutURI: "http://" + ln.Addr().String() + "/login", BackchannelLogoutURI: "http://" + ln2.Addr().String() + "/auth/oidc/backchannel-logout", Accounts: accounts})
	rules, err := sso.ParseRules(testRules)
	if err != nil {
		t.Fatal(err)
	}
	s := &ssoConsole{App: a, idp: idp}
	for i, l := range []net.Listener{ln, ln2} {
		p, err := sso.New(context.Background(), sso.Config{Issuer: idp.Issuer, ClientID: "answers", ClientSecret: "s3cret-of-the-tests",
			RedirectURL: callback, Name: "Corp ID", Scopes: []string{"profile", "email", "groups"}, Rules: rules}, a.Store, a.Accounts)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewUnstartedServer(a.Web(nil, web.Options{SSO: p}))
		srv.Listener.Close()
		srv.Listener = l
		srv.Start()
		t.Cleanup(srv.Close)
		if i == 0 {
			s.srv = srv
		} else {
			s.other = srv
		}
	}
	return s
}

// begin opens the console's "Sign in with" link and returns the
// provider's URL it redirects to.
func (s *ssoConsole) begin(t *testing.T, c *client) string {
	t.Helper()
	r := c.get("/auth/oidc/login")
	loc := r.Header.Get("Location")
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(loc, s.idp.Issuer+"/") {
		t.Fatalf("GET /auth/oidc/login = %d to %q, want a redirect to the provider", r.Status, loc)
	}
	return loc
}

// finish follows the provider's redirect back into the console.
func finish(t *testing.T, c *client, back string) response {
	t.Helper()
	u, err := url.Parse(back)
	if err != nil {
		t.Fatal(err)
	}
	return c.get(u.RequestURI())
}

// signIn goes through the whole flow as login and returns the console's
// last answer.
func (s *ssoConsole) signIn(t *testing.T, login string) (*client, response) {
	t.Helper()
	c := newClient(t, s.srv)
	back := s.idp.Authorize(t, s.begin(t, c), login, "pw-"+ssoName(login))
	return c, finish(t, c, back)
}

func ssoName(login string) string {
	if login == "noem" {
		return "noem"
	}
	return ssoAccounts()[login].Claims["name"].(string)
}

func (s *ssoConsole) user(t *testing.T, email string) store.User {
	t.Helper()
	u, err := s.Store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return u
}

func ssoAudit(t *testing.T, st *store.Store, action string) []audit.Entry {
	t.Helper()
	page, err := st.FilterAudit(context.Background(), store.AuditFilter{Action: action, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return page.Entries
}

func wantSignedIn(t *testing.T, c *client, r response, email string) {
	t.Helper()
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("callback = %d to %q, want 303 to /:\n%s", r.Status, r.Header.Get("Location"), r.Body)
	}
	if home := c.get("/"); home.Status != http.StatusOK || !strings.Contains(home.Body, email) {
		t.Fatalf("home after signing in = %d, want the page of %s", home.Status, email)
	}
}

// TestSSORoleRules: each rule gives its role, the highest of several wins,
// a claim path into nested claims works, and the account is made at the
// first sign-in with the provider's name and email, audited.
func TestSSORoleRules(t *testing.T) {
	t.Parallel()
	s := newSSOConsole(t, ssoAccounts())
	for _, tt := range []struct {
		login, email string
		want         rbac.Role
	}{
		{"ada", "ada@corp.test", rbac.Admin}, // support and answers-admins: the highest wins
		{"lea", "lea@corp.test", rbac.Manager},
		{"bob", "bob@corp.test", rbac.Designer},
		{"sue", "sue@corp.test", rbac.Supervisor},
		{"ana", "ana@corp.test", rbac.Analyzer},
		{"kc", "kc@corp.test", rbac.Designer}, // realm_access.roles
	} {
		t.Run(tt.login, func(t *testing.T) {
			if _, err := s.Store.UserByEmail(context.Background(), tt.email); err == nil {
				t.Fatalf("%s exists before signing in", tt.email)
			}
			c, r := s.signIn(t, tt.login)
			wantSignedIn(t, c, r, tt.email)
			u := s.user(t, tt.email)
			if u.Role != tt.want || u.Provider != "Corp ID" || u.Name != ssoName(tt.login) || u.PasswordHash != "" {
				t.Errorf("user = role %s provider %q name %q password hash %q, want %s from Corp ID, no password", u.Role, u.Provider, u.Name, u.PasswordHash, tt.want)
			}
		})
	}
	prov := ssoAudit(t, s.Store, audit.ActionSSOProvisioned)
	if len(prov) != 6 {
		t.Errorf("%d user.sso_provisioned entries, want 6", len(prov))
	}
	signIns := 0
	for _, e := range ssoAudit(t, s.Store, audit.ActionSignIn) {
		if e.Details["method"] == "sso" {
			signIns++
		}
	}
	if signIns != 6 {
		t.Errorf("%d auth.sign_in entries with method sso, want 6", signIns)
	}
	// A password sign-in with no password cannot open such an account.
	if _, err := s.Accounts.SignIn(context.Background(), "ada@corp.test", "", "192.0.2.1"); err == nil {
		t.Error("an SSO account signed in with an empty password")
	}
}

// TestSSORefusals: no rule matching, an email a password account holds,
// no email: a page that says why, audited with the claims seen, and no
// account made.
func TestSSORefusals(t *testing.T) {
	t.Parallel()
	s := newSSOConsole(t, ssoAccounts())
	for _, tt := range []struct {
		login, say, reason string
	}{
		{"nog", "in no group that gives a role", "sso_no_role"},
		{"dup", "already has an account with the email", "sso_email_taken"},
		{"noem", "no usable email address", "sso_no_email"},
	} {
		t.Run(tt.login, func(t *testing.T) {
			c, r := s.signIn(t, tt.login)
			if r.Status != http.StatusForbidden && r.Status != http.StatusConflict || !strings.Contains(r.Body, tt.say) || !strings.Contains(r.Body, "Corp ID") {
				t.Fatalf("callback = %d, want a refusal page saying %q:\n%s", r.Status, tt.say, r.Body)
			}
			if home := c.get("/"); home.Status != http.StatusSeeOther {
				t.Errorf("home after a refusal = %d, want a redirect to sign in", home.Status)
			}
			var found bool
			for _, e := range ssoAudit(t, s.Store, audit.ActionSSORefused) {
				if e.Details["reason"] == tt.reason {
					found = true
					if _, ok := e.Details["claims"].(map[string]any)["groups"]; !ok {
						t.Errorf("refusal %s does not show the groups seen: %v", tt.reason, e.Details)
					}
				}
			}
			if !found {
				t.Errorf("no auth.sso_refused entry with reason %s", tt.reason)
			}
		})
	}
	if _, err := s.Store.UserByEmail(context.Background(), "nog@corp.test"); err == nil {
		t.Error("a refused sign-in made an account")
	}
	if u := s.user(t, testkit.Email(rbac.Analyzer)); u.Provider != "" || u.Name == "Dup" {
		t.Errorf("the password account was changed by a refused sign-in: %+v", u)
	}
}
