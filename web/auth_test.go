package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
	"github.com/answers-console/answers/web/webtest"
)

func TestLoginRenewsSessionToken(t *testing.T) {
	t.Parallel()
	_, srv := newServer(t)
	c := newClient(t, srv)
	c.loginAs(rbac.Designer)
	first := c.cookie("answers_session")
	// Signing in again, as someone else, must not reuse the session token
	// the browser came with (session fixation).
	c.loginAs(rbac.Admin)
	second := c.cookie("answers_session")
	if first == "" || second == "" || first == second {
		t.Fatalf("session token not renewed at login: %q then %q", first, second)
	}
	// The old token no longer signs anybody in.
	stale := newClient(t, srv)
	u, _ := url.Parse(srv.URL)
	stale.http.Jar.SetCookies(u, []*http.Cookie{{Name: "answers_session", Value: first, Path: "/"}})
	if res := stale.get("/"); res.Status != http.StatusSeeOther {
		t.Fatalf("old session token still works: %d", res.Status)
	}
	if res := c.get("/"); res.Status != http.StatusOK || !strings.Contains(res.Body, "Hello, Test Admin") {
		t.Fatalf("home after the second login: %d", res.Status)
	}
}

func TestLoginErrorsAreClear(t *testing.T) {
	t.Parallel()
	_, srv := newServer(t)
	c := newClient(t, srv)
	res := c.login(testkit.Email(rbac.Admin), "not the password")
	if res.Status != http.StatusUnauthorized {
		t.Fatalf("status %d", res.Status)
	}
	mustContain(t, res.Body, "Wrong email or password.", `value="admin@test.local"`)
	mustNotContain(t, res.Body, "not the password")
}

func TestLoginThrottledPerAccount(t *testing.T) {
	t.Parallel()
	_, srv := newServer(t)
	c := newClient(t, srv)
	for i := 0; i < 5; i++ {
		c.login(testkit.Email(rbac.Manager), "wrong")
	}
	res := c.login(testkit.Email(rbac.Manager), testkit.Password(rbac.Manager))
	if res.Status != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429", res.Status)
	}
	mustContain(t, res.Body, "Too many sign-in attempts. Try again in")
	if res.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After header")
	}
	// Another account is not locked by it.
	c2 := newClient(t, srv)
	c2.loginAs(rbac.Analyzer)
}

func TestPostWithoutCSRFTokenIsRefused(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	c := newClient(t, srv)
	c.loginAs(rbac.Admin)
	target := app.Users[rbac.Analyzer]
	path := "/users/" + itoa(target.ID) + "/role"
	for name, form := range map[string]url.Values{
		"no token":    {"role": {"manager"}},
		"wrong token": {"role": {"manager"}, "_csrf": {"forged"}},
	} {
		res := c.postRaw(path, form)
		if res.Status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, res.Status)
		}
	}
	// A cross-site browser request is refused even with the cookie.
	res := c.postRaw(path, url.Values{"role": {"manager"}}, "Sec-Fetch-Site", "cross-site")
	if res.Status != http.StatusForbidden {
		t.Errorf("cross-site: status %d, want 403", res.Status)
	}
	u, _ := app.Store.UserByID(context.Background(), target.ID)
	if u.Role != rbac.Analyzer {
		t.Fatalf("role changed to %s without a CSRF token", u.Role)
	}
	// The same request with the token works.
	if res := c.post(path, url.Values{"role": {"manager"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("with token: status %d", res.Status)
	}
}

// TestPlantedCSRFCookieIsRefused replays the review's forgery: a sibling
// site plants answers_csrf=x, then posts _csrf=x with the victim's session
// (Sec-Fetch-Site: same-site, or no such header from an older browser).
// The token lives in the session, so a planted cookie proves nothing.
func TestPlantedCSRFCookieIsRefused(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	c := newClient(t, srv)
	c.loginAs(rbac.Admin)
	u, _ := url.Parse(srv.URL)
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "answers_csrf", Value: "x", Path: "/"}})
	target := app.Users[rbac.Analyzer]
	path := "/users/" + itoa(target.ID) + "/role"
	for name, headers := range map[string][]string{
		"same-site": {"Sec-Fetch-Site", "same-site"},
		"no header": nil,
		"htmx":      {"HX-Request", "true", "X-CSRF-Token", "x"},
	} {
		res := c.postRaw(path, url.Values{"role": {"manager"}, "_csrf": {"x"}}, headers...)
		if res.Status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, res.Status)
		}
	}
	if got, _ := app.Store.UserByID(context.Background(), target.ID); got.Role != rbac.Analyzer {
		t.Fatalf("role changed to %s by a forged request", got.Role)
	}
	// A same-origin browser request needs no token.
	if res := c.postRaw(path, url.Values{"role": {"manager"}}, "Sec-Fetch-Site", "same-origin"); res.Status != http.StatusSeeOther {
		t.Fatalf("same-origin: status %d", res.Status)
	}
}

func TestRoleChangeTakesEffectOnNextRequest(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	analyst := newClient(t, srv)
	analyst.loginAs(rbac.Analyzer)
	if res := analyst.get("/users"); res.Status != http.StatusForbidden {
		t.Fatalf("analyzer on /users: %d", res.Status)
	}
	admin := newClient(t, srv)
	admin.loginAs(rbac.Admin)
	res := admin.post("/users/"+itoa(app.Users[rbac.Analyzer].ID)+"/role", url.Values{"role": {"manager"}}, "HX-Request", "true")
	if res.Status != http.StatusOK {
		t.Fatalf("change role: %d %s", res.Status, res.Body)
	}
	mustContain(t, res.Body, "analyzer@test.local is now manager.")
	mustNotContain(t, res.Body, "<html")
	if res := analyst.get("/users"); res.Status != http.StatusOK {
		t.Fatalf("promoted user on /users: %d", res.Status)
	}
}

func TestDisabledUserIsSignedOutOnNextRequest(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	victim := newClient(t, srv)
	victim.loginAs(rbac.Designer)
	tok, _, err := app.Accounts.CreateToken(context.Background(), who.System(), app.Users[rbac.Designer].ID, accounts.NewToken{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	admin := newClient(t, srv)
	admin.loginAs(rbac.Manager)
	if res := admin.post("/users/"+itoa(app.Users[rbac.Designer].ID)+"/disable", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("disable: %d", res.Status)
	}
	res := victim.get("/")
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("disabled user still in: %d %s", res.Status, res.Header.Get("Location"))
	}
	res = victim.get("/login")
	mustContain(t, res.Body, "Your account has been disabled.")
	res = victim.login(testkit.Email(rbac.Designer), testkit.Password(rbac.Designer))
	if res.Status != http.StatusForbidden {
		t.Fatalf("disabled user signs in: %d", res.Status)
	}
	api := newClient(t, srv)
	if res := api.get("/api/v1/me", "Authorization", "Bearer "+tok); res.Status != http.StatusUnauthorized {
		t.Fatalf("disabled user's token: %d", res.Status)
	}
}

func TestPasswordResetEndsSessions(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	victim := newClient(t, srv)
	victim.loginAs(rbac.Supervisor)
	admin := newClient(t, srv)
	admin.loginAs(rbac.Admin)
	res := admin.post("/users/"+itoa(app.Users[rbac.Supervisor].ID)+"/reset-password", nil, "HX-Request", "true")
	mustContain(t, res.Body, "One-time password of")
	if res := victim.get("/"); res.Status != http.StatusSeeOther {
		t.Fatalf("session survived a password reset: %d", res.Status)
	}
}

func TestGuardRulesThroughTheConsole(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	id := func(r rbac.Role) string { return itoa(app.Users[r].ID) }
	tests := []struct {
		name   string
		as     rbac.Role
		path   string
		form   url.Values
		status int
		msg    string
	}{
		{"manager cannot grant admin", rbac.Manager, "/users/" + id(rbac.Analyzer) + "/role", url.Values{"role": {"admin"}}, 422, "You can only give roles up to your own (manager)."},
		{"manager cannot demote an admin", rbac.Manager, "/users/" + id(rbac.Admin) + "/role", url.Values{"role": {"analyzer"}}, 403, "above your own"},
		{"manager cannot disable an admin", rbac.Manager, "/users/" + id(rbac.Admin) + "/disable", nil, 403, "above your own"},
		{"nobody changes their own role", rbac.Admin, "/users/" + id(rbac.Admin) + "/role", url.Values{"role": {"manager"}}, 403, "your own account"},
		{"nobody disables themselves", rbac.Manager, "/users/" + id(rbac.Manager) + "/disable", nil, 403, "your own account"},
		{"unknown user", rbac.Admin, "/users/99999/disable", nil, 404, "No such user."},
		{"malformed id", rbac.Admin, "/users/abc/disable", nil, 404, "nothing with the id"},
		{"unknown role", rbac.Admin, "/users/" + id(rbac.Analyzer) + "/role", url.Values{"role": {"owner"}}, 422, "Choose a role."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, srv)
			c.loginAs(tt.as)
			res := c.post(tt.path, tt.form, "HX-Request", "true")
			if res.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.Status, tt.status, excerpt(res.Body))
			}
			mustContain(t, res.Body+res.Header.Get("HX-Trigger"), tt.msg)
		})
	}
	// Nothing changed.
	for _, r := range rbac.Roles() {
		u, _ := app.Store.UserByID(context.Background(), app.Users[r].ID)
		if u.Role != r || !u.Active() {
			t.Errorf("%s changed: role %s active %v", r, u.Role, u.Active())
		}
	}
}

func TestDemotedAdminLosesPowerAtOnce(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	second, _, err := app.Accounts.AddUser(context.Background(), who.System(), accounts.NewUserInput{
		Email: "second@test.local", Name: "Second Admin", Role: "admin", Password: "second-password"})
	if err != nil {
		t.Fatal(err)
	}
	a := newClient(t, srv)
	a.loginAs(rbac.Admin)
	b := newClient(t, srv)
	if res := b.login("second@test.local", "second-password"); res.Status != http.StatusSeeOther {
		t.Fatalf("second admin login: %d", res.Status)
	}
	// With two admins, one may demote the other.
	if res := a.post("/users/"+itoa(second.ID)+"/role", url.Values{"role": {"manager"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("demote second admin: %d", res.Status)
	}
	// The demoted one, still signed in, can no longer touch the remaining
	// (and now last) admin, nor read the audit log.
	if res := b.post("/users/"+itoa(app.Users[rbac.Admin].ID)+"/role", url.Values{"role": {"manager"}}); res.Status != http.StatusForbidden {
		t.Fatalf("demoted admin demotes the last admin: %d", res.Status)
	}
	if res := b.get("/audit"); res.Status != http.StatusForbidden {
		t.Fatalf("demoted admin reads the audit log: %d", res.Status)
	}
	u, _ := app.Store.UserByID(context.Background(), app.Users[rbac.Admin].ID)
	if u.Role != rbac.Admin || !u.Active() {
		t.Fatalf("last admin changed: %s active=%v", u.Role, u.Active())
	}
}

func TestSetupFlow(t *testing.T) {
	t.Parallel()
	app := webtest.Empty(t)
	srv := newTestServer(t, app)
	token, err := app.Accounts.PrepareSetup(context.Background())
	if err != nil || token == "" {
		t.Fatalf("PrepareSetup: %q %v", token, err)
	}
	c := newClient(t, srv)
	if res := c.get("/setup?token=wrong"); res.Status != http.StatusForbidden {
		t.Fatalf("wrong token: %d", res.Status)
	}
	res := c.get("/setup?token=" + token)
	mustContain(t, res.Body, "Create the first administrator account")
	form := url.Values{"token": {token}, "name": {"Ada"}, "email": {"ada@example.com"}, "password": {"short"}, "confirm": {"short"}}
	res = c.post("/setup", form)
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("short password: %d", res.Status)
	}
	mustContain(t, res.Body, "Password: use at least 10 characters.", `value="ada@example.com"`)
	form.Set("password", "a long passphrase")
	form.Set("confirm", "a long passphrase")
	res = c.post("/setup", form)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("setup: %d %s", res.Status, excerpt(res.Body))
	}
	res = c.get("/")
	mustContain(t, res.Body, "Hello, Ada", `data-role="admin"`)
	// The link works once.
	if res := newClient(t, srv).get("/setup?token=" + token); res.Status != http.StatusNotFound {
		t.Fatalf("second use of the setup link: %d", res.Status)
	}
}

// TestStrangersCannotLockTheOwnerOut: wrong passwords from strangers slow
// the account down for everyone but a browser that signed it in before
// (its device cookie), which signs in at once.
func TestStrangersCannotLockTheOwnerOut(t *testing.T) {
	t.Parallel()
	_, srv := newServer(t)
	owner := newClient(t, srv)
	owner.loginAs(rbac.Admin)
	if owner.cookie("answers_device") == "" {
		t.Fatal("no device cookie after signing in")
	}
	owner.post("/logout", nil)
	stranger := newClient(t, srv)
	for range 8 {
		stranger.login(testkit.Email(rbac.Admin), "a stranger's guess")
	}
	if res := stranger.login(testkit.Email(rbac.Admin), testkit.Password(rbac.Admin)); res.Status != http.StatusTooManyRequests {
		t.Errorf("a new browser with the right password: status %d, want 429", res.Status)
	}
	owner.loginAs(rbac.Admin)
}
