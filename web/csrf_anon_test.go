package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
)

// TestAnonymousPagesWriteNothing replays the review's flood: every
// anonymous GET /login or /chat/<address> wrote a console session row
// (the CSRF token lived in the session). Now they write none, and the
// forms they show still refuse a missing, wrong or cross-site post and
// take the page's own token.
func TestAnonymousPagesWriteNothing(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	liveChat(t, app, "quiet")
	before := countRows(t, app, "console_sessions")
	for _, path := range []string{"/login", "/login?next=%2Fchatbots", "/chat/quiet"} {
		for _, headers := range [][]string{nil, {"HX-Request", "true"}, {"HX-Request", "true", "HX-Boosted", "true"}} {
			for range 20 {
				c := newClient(t, srv) // a new visitor every time
				res := c.get(path, headers...)
				if res.Status != http.StatusOK {
					t.Fatalf("GET %s %v: %d", path, headers, res.Status)
				}
				if csrfField.FindStringSubmatch(res.Body) == nil {
					t.Fatalf("GET %s %v: no CSRF field", path, headers)
				}
			}
		}
	}
	if after := countRows(t, app, "console_sessions"); after != before {
		t.Errorf("%d console session rows written by 180 anonymous page views", after-before)
	}

	// The sign-in form: refused without its token, with a forged or
	// another visitor's token, and cross-site with it.
	c := newClient(t, srv)
	token := csrfField.FindStringSubmatch(c.get("/login").Body)[1]
	other := csrfField.FindStringSubmatch(newClient(t, srv).get("/login").Body)[1]
	creds := func(extra ...string) url.Values {
		v := url.Values{"email": {testkit.Email(rbac.Admin)}, "password": {testkit.Password(rbac.Admin)}}
		if len(extra) == 2 {
			v.Set(extra[0], extra[1])
		}
		return v
	}
	for name, res := range map[string]response{
		"no token":            c.postRaw("/login", creds()),
		"forged token":        c.postRaw("/login", creds("_csrf", "forged")),
		"another's token":     c.postRaw("/login", creds("_csrf", other)),
		"cross-site":          c.postRaw("/login", creds("_csrf", token), "Sec-Fetch-Site", "cross-site"),
		"same-site":           c.postRaw("/login", creds("_csrf", token), "Sec-Fetch-Site", "same-site"),
		"htmx, forged header": c.postRaw("/login", creds(), "HX-Request", "true", "X-CSRF-Token", "forged"),
	} {
		if res.Status != http.StatusForbidden {
			t.Errorf("sign-in, %s: status %d, want 403", name, res.Status)
		}
	}
	if res := c.postRaw("/login", creds("_csrf", token)); res.Status != http.StatusSeeOther {
		t.Fatalf("sign-in with the page's token: status %d\n%s", res.Status, excerpt(res.Body))
	}
	if res := c.get("/"); res.Status != http.StatusOK {
		t.Fatalf("home after signing in: %d", res.Status)
	}

	// The chat form, as a page and as an htmx fragment.
	v := newClient(t, srv)
	page := v.get("/chat/quiet")
	token = csrfField.FindStringSubmatch(page.Body)[1]
	for name, res := range map[string]response{
		"no token":       v.postRaw("/chat/quiet", url.Values{"text": {"hi"}}),
		"forged token":   v.postRaw("/chat/quiet", url.Values{"text": {"hi"}, "_csrf": {"forged"}}),
		"htmx, no token": v.postRaw("/chat/quiet", url.Values{"text": {"hi"}}, "HX-Request", "true"),
		"cross-site":     v.postRaw("/chat/quiet", url.Values{"text": {"hi"}, "_csrf": {token}}, "Sec-Fetch-Site", "cross-site"),
	} {
		if res.Status != http.StatusForbidden {
			t.Errorf("chat, %s: status %d, want 403", name, res.Status)
		}
	}
	if res := v.postRaw("/chat/quiet", url.Values{"text": {"hi"}, "_csrf": {token}}); res.Status != http.StatusSeeOther {
		t.Errorf("chat post with the page's token: status %d\n%s", res.Status, excerpt(res.Body))
	}
	res := v.postRaw("/chat/quiet", url.Values{"text": {"again"}}, "HX-Request", "true", "X-CSRF-Token", token)
	if res.Status != http.StatusOK {
		t.Fatalf("htmx chat post with the token header: status %d\n%s", res.Status, excerpt(res.Body))
	}
	mustContain(t, res.Body, "again", `data-direction="out"`)
	mustNotContain(t, res.Body, "<html")
}

// TestCSRFTokenRotatesAndIsMasked: the token a page shows differs in every
// response (a random pad, so a compressed page reflecting ?q= beside it
// leaks nothing by its length) and each one works; the token from before
// signing in no longer works after it (scs keeps session data across
// RenewToken), nor the signed-in one after signing out.
func TestCSRFTokenRotatesAndIsMasked(t *testing.T) {
	t.Parallel()
	_, srv := newServer(t)
	c := newClient(t, srv)
	tokenOf := func(path string) string {
		t.Helper()
		res := c.get(path)
		m := csrfField.FindStringSubmatch(res.Body)
		if m == nil {
			t.Fatalf("GET %s: no CSRF field (status %d)", path, res.Status)
		}
		return m[1]
	}
	// A wrong password with a good token is 401; with a bad one, 403.
	try := func(token string) int {
		t.Helper()
		return c.postRaw("/login", url.Values{"email": {testkit.Email(rbac.Admin)}, "password": {"wrong"}, "_csrf": {token}}).Status
	}
	first, second := tokenOf("/login?q=_csrf"), tokenOf("/login?q=_csrf")
	if first == second {
		t.Errorf("two responses carry the same token %q", first)
	}
	for _, tok := range []string{first, second} {
		if got := try(tok); got != http.StatusUnauthorized {
			t.Errorf("anonymous token %.12s…: status %d, want 401", tok, got)
		}
	}

	if res := c.postRaw("/login", url.Values{"email": {testkit.Email(rbac.Admin)}, "password": {testkit.Password(rbac.Admin)}, "_csrf": {first}}); res.Status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", res.Status)
	}
	if got := try(first); got != http.StatusForbidden {
		t.Errorf("the token from before signing in, after it: status %d, want 403", got)
	}
	in1, in2 := tokenOf("/profile"), tokenOf("/profile")
	if in1 == in2 {
		t.Errorf("two signed-in pages carry the same token %q", in1)
	}
	if res := c.postRaw("/profile/tokens", url.Values{"name": {"ci"}}, "HX-Request", "true", "X-CSRF-Token", in2); res.Status == http.StatusForbidden {
		t.Fatalf("signed-in token as the htmx header: 403")
	}

	if res := c.postRaw("/logout", url.Values{"_csrf": {in1}}); res.Status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", res.Status)
	}
	for name, tok := range map[string]string{"signed-in": in1, "from before signing in": second} {
		if got := try(tok); got != http.StatusForbidden {
			t.Errorf("the %s token after signing out: status %d, want 403", name, got)
		}
	}
	if got := try(tokenOf("/login")); got != http.StatusUnauthorized {
		t.Errorf("a fresh token after signing out: status %d, want 401", got)
	}
}
