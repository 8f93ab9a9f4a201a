// Package ssotest starts a real OpenID provider for tests: npm's
// oidc-provider (a devDependency) run by node on a free loopback port,
// with test accounts and the console registered as a client. It is
// stopped when the test ends. Without node the test fails: make test
// installs it.
package ssotest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// Account is a person at the provider: their login, password and claims
// (email, name, groups, or any other shape a rule reads).
type Account struct {
	Password string         `json:"password"`
	Claims   map[string]any `json:"claims"`
}

// Options register the console at the provider.
type Options struct {
	ClientID, ClientSecret string
	RedirectURI            string
	PostLogoutURI          string
	// BackchannelLogoutURI is where the provider POSTs logout tokens.
	BackchannelLogoutURI string
	Accounts             map[string]Account // by login
}

// IdP is a running provider.
type IdP struct {
	Issuer string
	opts   Options
	cfg    map[string]any
	path   string
}

// Start runs the provider until the test ends.
func Start(t testing.TB, o Options) *IdP {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("the OpenID provider of the tests runs on node, which is not installed (make test installs it): %v", err)
	}
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "testdata", "provider.mjs")
	cfg := map[string]any{"client_id": o.ClientID, "client_secret": o.ClientSecret,
		"redirect_uris": []string{o.RedirectURI}, "accounts": o.Accounts}
	if o.BackchannelLogoutURI != "" {
		cfg["backchannel_logout_uri"] = o.BackchannelLogoutURI
	}
	if o.PostLogoutURI != "" {
		cfg["post_logout_redirect_uris"] = []string{o.PostLogoutURI}
	}
	idp := &IdP{opts: o, cfg: cfg, path: filepath.Join(t.TempDir(), "provider.json")}
	idp.write(t)
	cmd := exec.Command(node, script, idp.path)
	cmd.Stderr = logWriter{t}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the OpenID provider: %v", err)
	}
	t.Cleanup(func() {
		// Closing stdin asks it to leave; Kill makes sure it does.
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("the OpenID provider did not start (is node_modules installed? npm ci): %v", err)
	}
	var ready struct{ Issuer string }
	if err := json.Unmarshal([]byte(line), &ready); err != nil || ready.Issuer == "" {
		t.Fatalf("the OpenID provider said %q", line)
	}
	idp.Issuer = ready.Issuer
	return idp
}

// SetAccount adds or changes a person at the provider (their groups, say);
// the provider sees it at their next sign-in.
func (p *IdP) SetAccount(t testing.TB, login string, a Account) {
	t.Helper()
	p.opts.Accounts[login] = a
	p.write(t)
}

func (p *IdP) write(t testing.TB) {
	t.Helper()
	p.cfg["accounts"] = p.opts.Accounts
	b, err := json.Marshal(p.cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Written whole, then renamed: the provider never reads half a file.
	tmp := p.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, p.path); err != nil {
		t.Fatal(err)
	}
}

var formAction = regexp.MustCompile(`<form method="post" action="([^"]+)"`)

// Authorize plays a person at the provider's own pages: it opens authURL
// (where the console sent the browser), signs in with login and password,
// and returns the URL the provider sends the browser back to (the
// console's callback, with a code or an error). The provider's cookies
// live in a jar of its own, as a browser's would.
func (p *IdP) Authorize(t testing.TB, authURL, login, password string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	var back string
	client := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), p.opts.RedirectURI) {
			back = req.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := client.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if back != "" {
		return back // refused before any page (a bad request), or signed in already
	}
	m := formAction.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the provider answered %d without a sign-in form:\n%s", resp.StatusCode, body)
	}
	action, _ := resp.Request.URL.Parse(m[1])
	resp, err = client.PostForm(action.String(), url.Values{"login": {login}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	body = readAll(t, resp)
	if back == "" {
		t.Fatalf("the provider did not send the browser back (%d):\n%s", resp.StatusCode, body)
	}
	return back
}

func readAll(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// BackchannelLogout makes the provider send the console a back-channel
// logout token for the person with that login (their subject), as it
// does when they sign out there.
func (p *IdP) BackchannelLogout(t testing.TB, login string) {
	t.Helper()
	resp, err := http.Post(p.Issuer+"/test/backchannel-logout/"+url.PathEscape(login), "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); resp.StatusCode != http.StatusOK {
		t.Fatalf("the provider's back-channel logout: %d %s", resp.StatusCode, body)
	}
}

// String is for failure messages.
func (p *IdP) String() string { return fmt.Sprintf("OpenID provider at %s", p.Issuer) }

// logWriter passes what the provider says on stderr to the test's log.
type logWriter struct{ t testing.TB }

func (w logWriter) Write(b []byte) (int, error) {
	w.t.Log("oidc-provider: " + strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
