package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/who"
	"github.com/answers-console/answers/web"
	"github.com/answers-console/answers/web/webtest"
)

// TestSecurityHeadersOnEveryRoute walks the route table as an admin (the
// role that reaches every page) and as an anonymous visitor, plus the
// answers no route gives (404, 405, a trailing-slash redirect), and checks
// that each carries the security headers, and that no HTML page has inline
// script or style the Content-Security-Policy would block.
func TestSecurityHeadersOnEveryRoute(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	tok, _, err := app.Accounts.CreateToken(context.Background(), who.System(), app.Users[rbac.Admin].ID, accounts.NewToken{Name: "headers"})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, rt := range app.Server.Routes() {
		path := fx.methodPath(rt.Method, rt.Path)
		for _, signedIn := range []bool{true, false} {
			for _, htmx := range []bool{false, true} {
				c := newClient(t, srv)
				var headers []string
				if htmx {
					headers = append(headers, "HX-Request", "true")
				}
				switch {
				case signedIn && rt.IsAPI():
					headers = append(headers, "Authorization", "Bearer "+tok)
				case signedIn && rt.IsInbound():
					headers = append(headers, "X-Inbound-Key", fx.sender.InboundKey)
				case signedIn:
					c.loginAs(rbac.Admin)
				}
				var res response
				switch {
				case rt.Method == http.MethodGet:
					res = c.get(path, headers...)
				case rt.IsAPI() || rt.IsInbound():
					res = c.send(rt.Method, path, `{"channel":"livechat","sender":"matrix","from":"h","text":"hi"}`, headers...)
				default:
					res = c.post(path, nil, headers...)
				}
				checkSecurityHeaders(t, rt.Method+" "+path, res)
				checked++
			}
		}
	}
	c := newClient(t, srv)
	c.loginAs(rbac.Admin)
	for _, extra := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/no/such/page", http.StatusNotFound},
		{"GET", "/api/v1/no-such-thing", http.StatusNotFound},
		{"GET", "/chatbots/", http.StatusMovedPermanently},
		{"PUT", "/chatbots", http.StatusNotFound}, // no PUT route: the not-found page
		{"GET", "/static/no-such-file.js", http.StatusNotFound},
	} {
		res := c.send(extra.method, extra.path, "")
		if res.Status != extra.status {
			t.Errorf("%s %s: status %d, want %d", extra.method, extra.path, res.Status, extra.status)
		}
		checkSecurityHeaders(t, extra.method+" "+extra.path, res)
		checked++
	}
	t.Logf("%d answers checked", checked)
}

var (
	tagRE       = regexp.MustCompile(`<[a-zA-Z][^>]*>`)
	inlineAttr  = regexp.MustCompile(`(?i)\s(on[a-z]+|data-hx-on[^=\s]*|style)\s*=`)
	quotedRE    = regexp.MustCompile(`"[^"]*"|'[^']*'`)
	scriptTagRE = regexp.MustCompile(`(?i)^<script\b`)
	styleTagRE  = regexp.MustCompile(`(?i)^<style\b`)
)

func checkSecurityHeaders(t *testing.T, name string, res response) {
	t.Helper()
	csp := directives(res.Header.Get("Content-Security-Policy"))
	switch {
	case csp == nil:
		t.Errorf("%s: no Content-Security-Policy", name)
	case csp["frame-ancestors"] != "'none'":
		t.Errorf("%s: frame-ancestors %q, want 'none'", name, csp["frame-ancestors"])
	case csp["script-src"] != "'self'" && csp["default-src"] != "'none'":
		t.Errorf("%s: script-src %q, want only 'self'", name, csp["script-src"])
	case strings.Contains(res.Header.Get("Content-Security-Policy"), "unsafe-"):
		t.Errorf("%s: CSP allows %q", name, res.Header.Get("Content-Security-Policy"))
	}
	if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q", name, got)
	}
	if got := res.Header.Get("Referrer-Policy"); got != "same-origin" && got != "no-referrer" && got != "strict-origin-when-cross-origin" {
		t.Errorf("%s: Referrer-Policy %q", name, got)
	}
	_, path, _ := strings.Cut(name, " ")
	if (strings.HasPrefix(path, "/api/") || strings.Contains(path, "/export")) && !strings.Contains(res.Header.Get("Cache-Control"), "no-store") {
		t.Errorf("%s: Cache-Control %q, want no-store (API answers and exports hold keys and personal data)", name, res.Header.Get("Cache-Control"))
	}
	if strings.HasPrefix(path, "/api/") && !strings.HasPrefix(path, "/api/v1/messages") && res.Status == http.StatusUnauthorized &&
		!strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("%s: 401 with WWW-Authenticate %q, want Bearer", name, res.Header.Get("WWW-Authenticate"))
	}
	for _, h := range []string{"Vary", "Cache-Control"} {
		seen := map[string]bool{}
		if len(res.Header.Values(h)) > 1 {
			t.Errorf("%s: %d %s lines %q", name, len(res.Header.Values(h)), h, res.Header.Values(h))
		}
		for _, v := range strings.Split(strings.Join(res.Header.Values(h), ","), ",") {
			v = strings.ToLower(strings.TrimSpace(v))
			if v != "" && seen[v] {
				t.Errorf("%s: %s names %q twice", name, h, v)
			}
			seen[v] = true
		}
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		for _, tag := range inlineCode(res.Body) {
			t.Errorf("%s: inline code the CSP blocks: %s", name, tag)
		}
	}
}

// inlineCode lists what the CSP would block in a page: inline <script>
// and <style> elements, event handler and style attributes.
func inlineCode(body string) []string {
	var found []string
	for _, tag := range tagRE.FindAllString(body, -1) {
		switch {
		case scriptTagRE.MatchString(tag) && !strings.Contains(tag, " src="),
			styleTagRE.MatchString(tag),
			inlineAttr.MatchString(quotedRE.ReplaceAllString(tag, `""`)): // attribute names, not values
			found = append(found, tag)
		}
	}
	return found
}

// directives parses a CSP header into directive → value.
func directives(h string) map[string]string {
	if h == "" {
		return nil
	}
	out := map[string]string{}
	for _, d := range strings.Split(h, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		out[name] = strings.TrimSpace(value)
	}
	return out
}

// TestInlineCodeScanFindsInlineCode makes sure the page scan above can
// fail.
func TestInlineCodeScanFindsInlineCode(t *testing.T) {
	t.Parallel()
	for _, page := range []string{
		`<p>ok</p><script>alert(1)</script>`,
		`<button onclick="go()">x</button>`,
		`<div style="color:red">x</div>`,
		`<form data-hx-on::after-request="this.reset()"></form>`,
		`<style>p{}</style>`,
	} {
		if len(inlineCode(page)) == 0 {
			t.Errorf("nothing found in %s", page)
		}
	}
	if found := inlineCode(`<script src="/static/js/app.js" defer></script><a href="/x" data-dialog="d">x</a>` +
		`<form data-hx-confirm="Delete &lt;img src=x onerror=alert(1)&gt;? style=x">`); len(found) > 0 {
		t.Errorf("a clean page has %v", found)
	}
}

// TestHSTSWithSecureCookies: over HTTPS (--secure-cookies) every answer
// tells browsers to use HTTPS only; over plain HTTP none does.
func TestHSTSWithSecureCookies(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	for _, secure := range []bool{false, true} {
		srv := httptest.NewServer(app.Web(nil, web.Options{SecureCookies: secure}))
		t.Cleanup(srv.Close)
		c := newClient(t, srv)
		for _, path := range []string{"/login", "/healthz", "/api/v1/me", "/no/such/page"} {
			got := c.get(path).Header.Get("Strict-Transport-Security")
			if secure && !strings.Contains(got, "max-age=") || !secure && got != "" {
				t.Errorf("secure=%v %s: Strict-Transport-Security %q", secure, path, got)
			}
		}
	}
}
