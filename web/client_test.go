package web_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/web/webtest"
)

// client is a browser stand-in: a cookie jar, no redirects followed, and
// the CSRF token sent with every form it posts.
type client struct {
	t    *testing.T
	srv  *httptest.Server
	http *http.Client
}

func newClient(t *testing.T, srv *httptest.Server) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &client{t: t, srv: srv, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// response is a read response.
type response struct {
	Status int
	Header http.Header
	Body   string
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func (c *client) get(path string, headers ...string) response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.srv.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

// send makes a request with a JSON body.
func (c *client) send(method, path, body string, headers ...string) response {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

// csrf returns the CSRF token of this client's session, read from the
// hidden field of a page, as a browser's form would carry it.
func (c *client) csrf() string {
	c.t.Helper()
	res := c.get("/profile")
	if res.Status != http.StatusOK {
		res = c.get("/password") // a user who must choose a password first
	}
	if res.Status != http.StatusOK {
		res = c.get("/login")
	}
	m := csrfField.FindStringSubmatch(res.Body)
	if m == nil {
		c.t.Fatalf("no CSRF field on the page (status %d)", res.Status)
	}
	return m[1]
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// post sends a form with the CSRF token, as a page would.
func (c *client) post(path string, form url.Values, headers ...string) response {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", c.csrf())
	return c.postRaw(path, form, headers...)
}

// postRaw sends a form exactly as given (no CSRF token added).
func (c *client) postRaw(path string, form url.Values, headers ...string) response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

func (c *client) login(email, password string) response {
	c.t.Helper()
	return c.post("/login", url.Values{"email": {email}, "password": {password}})
}

// loginAs signs in the test user of role r and fails the test otherwise.
func (c *client) loginAs(r rbac.Role) {
	c.t.Helper()
	res := c.login(testkit.Email(r), testkit.Password(r))
	if res.Status != http.StatusSeeOther {
		c.t.Fatalf("login as %s: status %d\n%s", r, res.Status, res.Body)
	}
}

func (c *client) cookie(name string) string {
	u, _ := url.Parse(c.srv.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// newServer starts the test console with one user per role.
func newServer(t *testing.T) (*webtest.App, *httptest.Server) {
	t.Helper()
	app := webtest.New(t)
	srv := httptest.NewServer(app.Server)
	t.Cleanup(srv.Close)
	return app, srv
}

func mustContain(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("body does not contain %q:\n%s", w, excerpt(body))
		}
	}
}

func mustNotContain(t *testing.T, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("body contains %q:\n%s", w, excerpt(body))
		}
	}
}

func excerpt(s string) string {
	if len(s) > 1500 {
		return s[:1500] + "…"
	}
	return s
}

func newTestServer(t *testing.T, app *webtest.App) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(app.Server)
	t.Cleanup(srv.Close)
	return srv
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func newBenchServer(b *testing.B, app *webtest.App) string {
	srv := httptest.NewServer(app.Server)
	b.Cleanup(srv.Close)
	return srv.URL
}
