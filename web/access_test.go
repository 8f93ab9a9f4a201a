package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
	"github.com/answers-console/answers/web"
	"github.com/answers-console/answers/web/webtest"
)

// TestCredentialsDoNotCross walks every API route as every role with the
// wrong kind of credential, and the console with an API token: a signed-in
// browser session does not open the API (so no page can make a browser
// call it), an inbound key opens nothing but POST /messages, a personal
// token does not post inbound traffic nor open the console.
func TestCredentialsDoNotCross(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	srv := e.c.srv
	sessions := map[rbac.Role]*client{}
	for _, r := range rbac.Roles() {
		sessions[r] = newClient(t, srv)
		sessions[r].loginAs(r)
	}
	key := e.fx.sender.InboundKey
	cases := 0
	for _, rt := range e.app.Server.Routes() {
		path := e.fx.methodPath(rt.Method, rt.Path)
		body := `{"channel":"livechat","sender":"matrix","from":"x","text":"hi"}`
		for _, r := range rbac.Roles() {
			var tries map[string]response
			switch {
			case rt.IsAPI():
				tries = map[string]response{
					"session cookie":      sessions[r].send(rt.Method, path, body),
					"session cookie+csrf": sessions[r].send(rt.Method, path, body, "X-CSRF-Token", sessions[r].csrf()),
					"inbound key":         newClient(t, srv).send(rt.Method, path, body, "X-Inbound-Key", key),
					"inbound key bearer":  newClient(t, srv).send(rt.Method, path, body, "Authorization", "Bearer "+key),
				}
			case rt.IsInbound():
				tries = map[string]response{
					"API token":                newClient(t, srv).send(rt.Method, path, body, e.as(r)...),
					"API token as inbound key": newClient(t, srv).send(rt.Method, path, body, "X-Inbound-Key", e.tokens[r]),
					"session cookie":           sessions[r].send(rt.Method, path, body),
				}
			case rt.Permission != rbac.Public && rt.Method == http.MethodGet && !strings.HasPrefix(rt.Path, "/static") && rt.Path != "/metrics" && rt.Path != "/healthz":
				tries = map[string]response{"API token on a page": newClient(t, srv).get(path, e.as(r)...)}
			}
			for name, res := range tries {
				cases++
				switch {
				case rt.IsAPI() || rt.IsInbound():
					if res.Status != http.StatusUnauthorized {
						t.Errorf("%s %s as %s with %s: status %d, want 401", rt.Method, path, r, name, res.Status)
						continue
					}
					apiWantError(t, res, http.StatusUnauthorized, "")
				default:
					if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
						t.Errorf("%s %s as %s with %s: status %d, want a redirect to sign in", rt.Method, path, r, name, res.Status)
					}
				}
			}
		}
	}
	if n := e.count(`SELECT count(*) FROM messages`); n != 3 {
		t.Errorf("%d transcript lines, want the fixture's 3: a wrong credential routed a message", n)
	}
	t.Logf("%d route × role × credential cases", cases)
}

// TestTokensFollowTheAccountAtOnce: a token acts with its owner's current
// role, and stops when revoked or when the account is disabled.
func TestTokensFollowTheAccountAtOnce(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	manager := e.app.Users[rbac.Manager]
	tok := e.tokens[rbac.Manager]
	if res := e.c.send(http.MethodPost, "/api/v1/senders", `{"channel":"sms","address":"+15550001"}`, "Authorization", "Bearer "+tok); res.Status != http.StatusCreated {
		t.Fatalf("manager creates a sender: %d", res.Status)
	}
	if _, err := e.app.Accounts.ChangeRole(ctx, who.Actor{User: e.app.Users[rbac.Admin]}, manager.ID, "analyzer"); err != nil {
		t.Fatal(err)
	}
	apiWantError(t, e.c.send(http.MethodPost, "/api/v1/senders", `{"channel":"sms","address":"+15550002"}`, "Authorization", "Bearer "+tok), http.StatusForbidden, "forbidden")
	if res := e.c.get("/api/v1/chatbots/"+itoa(e.fx.draft.ID)+"/releases", "Authorization", "Bearer "+tok); res.Status != http.StatusForbidden {
		t.Errorf("demoted to analyzer, reads releases: %d", res.Status)
	}

	designer := e.tokens[rbac.Designer]
	var id int64
	if err := e.app.Store.R.QueryRow(`SELECT id FROM api_tokens WHERE user_id = ?`, e.app.Users[rbac.Designer].ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := e.app.Accounts.RevokeToken(ctx, who.Actor{User: e.app.Users[rbac.Designer]}, id); err != nil {
		t.Fatal(err)
	}
	apiWantError(t, e.c.get("/api/v1/me", "Authorization", "Bearer "+designer), http.StatusUnauthorized, "bad_token")

	if _, err := e.app.Accounts.SetDisabled(ctx, who.Actor{User: e.app.Users[rbac.Admin]}, e.app.Users[rbac.Supervisor].ID, true); err != nil {
		t.Fatal(err)
	}
	// Disabling revokes the tokens; enabling again does not revive them.
	apiWantError(t, e.c.get("/api/v1/me", e.as(rbac.Supervisor)...), http.StatusUnauthorized, "bad_token")
	if _, err := e.app.Accounts.SetDisabled(ctx, who.Actor{User: e.app.Users[rbac.Admin]}, e.app.Users[rbac.Supervisor].ID, false); err != nil {
		t.Fatal(err)
	}
	apiWantError(t, e.c.get("/api/v1/me", e.as(rbac.Supervisor)...), http.StatusUnauthorized, "bad_token")
}

// TestObjectLevelAccess: an id from elsewhere is refused, and shows
// nothing of the object it names.
func TestObjectLevelAccess(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	srv := e.c.srv
	// A second chatbot on its own sender, with a conversation of its own.
	other, err := e.app.Senders.Create(ctx, who.System(), "livechat", "elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	bot := makeChatbot(t, e.app, "Elsewhere bot", other.ID, greeter())
	if _, err := e.app.Lifecycle.Activate(ctx, who.System(), bot.ID, lifecycle.ActivateOptions{}); err != nil {
		t.Fatal(err)
	}
	out, err := e.app.Routing.Route(ctx, other, "+15557654321", "my secret order number 4711")
	if err != nil {
		t.Fatal(err)
	}

	sup := newClient(t, srv)
	sup.loginAs(rbac.Supervisor)
	// The other chatbot's session under this chatbot's address.
	res := sup.get("/chatbots/" + itoa(e.fx.active.ID) + "/sessions/" + itoa(out.SessionID))
	if res.Status != http.StatusNotFound {
		t.Errorf("foreign session: status %d, want 404", res.Status)
	}
	mustNotContain(t, res.Body, "4711")
	// Under its own chatbot it shows.
	res = sup.get("/chatbots/" + itoa(bot.ID) + "/sessions/" + itoa(out.SessionID))
	mustContain(t, res.Body, "4711")

	// Another user's API token cannot be revoked from my profile.
	var adminTok int64
	if err := e.app.Store.R.QueryRow(`SELECT id FROM api_tokens WHERE user_id = ?`, e.app.Users[rbac.Admin].ID).Scan(&adminTok); err != nil {
		t.Fatal(err)
	}
	if res := sup.post("/profile/tokens/"+itoa(adminTok)+"/revoke", nil); res.Status != http.StatusNotFound {
		t.Errorf("revoke another user's token: status %d, want 404", res.Status)
	}
	if res := e.c.get("/api/v1/me", e.as(rbac.Admin)...); res.Status != http.StatusOK {
		t.Errorf("the admin's token stopped working: %d", res.Status)
	}

	// A web chat visitor who sets the chat cookie to an API end user's id
	// neither reads nor continues that conversation.
	visitor := newClient(t, srv)
	u, _ := url.Parse(srv.URL + "/chat/")
	visitor.http.Jar.SetCookies(u, []*http.Cookie{{Name: "answers_chat", Value: "+15557654321", Path: "/chat/"}})
	res = visitor.get("/chat/elsewhere")
	if res.Status != http.StatusOK {
		t.Fatalf("chat page: %d", res.Status)
	}
	mustNotContain(t, res.Body, "4711")

	// A manager cannot reset an admin's password (a user above them).
	mgr := newClient(t, srv)
	mgr.loginAs(rbac.Manager)
	res = mgr.post("/users/"+itoa(e.app.Users[rbac.Admin].ID)+"/reset-password", nil, "HX-Request", "true")
	if res.Status != http.StatusForbidden {
		t.Errorf("manager resets an admin's password: status %d", res.Status)
	}
	mustNotContain(t, res.Body, "New password")

	// Ids that do not exist, or are not ids, are 404s in the API too.
	for _, p := range []string{"/api/v1/chatbots/99999", "/api/v1/chatbots/99999/releases", "/api/v1/chatbots/abc", "/api/v1/chatbots/-1/export"} {
		apiWantError(t, e.c.get(p, e.as(rbac.Admin)...), http.StatusNotFound, "")
	}
	apiWantError(t, e.c.send(http.MethodPatch, "/api/v1/chatbots/"+itoa(e.fx.draft.ID), `{"sender_id": 99999}`, e.as(rbac.Admin)...), http.StatusUnprocessableEntity, "")
}

// TestCSRFOnEveryStateChangingRoute walks every console route that changes
// state and sends it, as a signed-in admin, without a valid CSRF token or
// from another site, as a form and as htmx: each is refused with 403 and
// nothing changes.
func TestCSRFOnEveryStateChangingRoute(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	count := func() (n int) {
		err := app.Store.R.QueryRow(`SELECT (SELECT count(*) FROM audit_log WHERE action <> 'auth.sign_in') + (SELECT count(*) FROM messages) + (SELECT count(*) FROM chat_sessions) + (SELECT count(*) FROM api_tokens)`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	routes := 0
	for _, rt := range app.Server.Routes() {
		if rt.IsAPI() || rt.IsInbound() || rt.Method == http.MethodGet || rt.Path == "/static/*" {
			continue
		}
		if rt.Path == "/auth/oidc/backchannel-logout" {
			// The provider's server calls it, with no browser: its
			// credential is the signed logout token, and a forged one
			// changes nothing (TestSSOBackchannelLogout).
			continue
		}
		routes++
		path := fx.methodPath(rt.Method, rt.Path)
		c := newClient(t, srv)
		c.loginAs(rbac.Admin)
		token := c.csrf()
		for name, try := range map[string]func() response{
			"no token":               func() response { return c.postRaw(path, url.Values{}) },
			"wrong token":            func() response { return c.postRaw(path, url.Values{"_csrf": {"forged"}}) },
			"htmx, no token":         func() response { return c.postRaw(path, nil, "HX-Request", "true") },
			"htmx, wrong header":     func() response { return c.postRaw(path, nil, "HX-Request", "true", "X-CSRF-Token", "forged") },
			"cross-site, with token": func() response { return c.postRaw(path, url.Values{"_csrf": {token}}, "Sec-Fetch-Site", "cross-site") },
			"same-site, no token":    func() response { return c.postRaw(path, nil, "Sec-Fetch-Site", "same-site") },
			"same-site, with token":  func() response { return c.postRaw(path, url.Values{"_csrf": {token}}, "Sec-Fetch-Site", "same-site") },
		} {
			if res := try(); res.Status != http.StatusForbidden {
				t.Errorf("%s %s, %s: status %d, want 403", rt.Method, rt.Path, name, res.Status)
			}
		}
	}
	if after := count(); after != before {
		t.Errorf("refused requests changed %d rows", after-before)
	}
	if routes < 30 {
		t.Errorf("only %d state-changing routes walked", routes)
	}
	t.Logf("%d state-changing console routes × 7 forgeries refused", routes)
}

// TestCookieFlags: every cookie is HttpOnly and SameSite=Lax, and Secure
// when the console runs with --secure-cookies; and a session token planted
// before sign-in is not the one signed in (session fixation).
func TestCookieFlags(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	for _, secure := range []bool{false, true} {
		srv := httptest.NewServer(app.Web(nil, web.Options{SecureCookies: secure}))
		t.Cleanup(srv.Close)
		c := newClient(t, srv)
		u, _ := url.Parse(srv.URL)
		c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "answers_session", Value: "planted-by-an-attacker", Path: "/"}})
		var got []*http.Cookie
		collect := func(res response) {
			got = append(got, (&http.Response{Header: res.Header}).Cookies()...)
		}
		collect(c.get("/login"))
		collect(c.login(testkit.Email(rbac.Admin), testkit.Password(rbac.Admin)))
		addr := "cookies-" + strconv.FormatBool(secure)
		if _, err := app.Senders.Create(context.Background(), who.System(), "livechat", addr); err != nil {
			t.Fatal(err)
		}
		collect(c.get("/chat/" + addr))
		collect(c.postRaw("/chat/"+addr, url.Values{"text": {"hi"}}, "Sec-Fetch-Site", "same-origin")) // the visitor's id comes with its first message
		names := map[string]bool{}
		for _, ck := range got {
			names[ck.Name] = true
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != secure {
				t.Errorf("secure=%v: cookie %s: HttpOnly=%v SameSite=%v Secure=%v", secure, ck.Name, ck.HttpOnly, ck.SameSite, ck.Secure)
			}
			if strings.HasSuffix(ck.Name, "answers_session") && ck.Value == "planted-by-an-attacker" {
				t.Errorf("the planted session token was kept")
			}
		}
		want := []string{"answers_session", "answers_chat", "answers_device", "answers_csrf"}
		if secure {
			want = []string{"__Host-answers_session", "__Secure-answers_chat", "__Host-answers_device", "__Host-answers_csrf"}
		}
		for _, n := range want {
			if !names[n] {
				t.Errorf("secure=%v: no %s cookie set (got %v)", secure, n, names)
			}
		}
	}
}
