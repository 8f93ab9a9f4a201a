//go:build e2e

// Package e2e holds the browser tests: they drive a real Chromium through
// playwright-go the way a person would (by roles, labels and visible text).
//
// Run them with `make test` (or `make e2e`), which installs what they need:
// the npm package playwright-core (the Playwright driver, pinned to the
// version playwright-go expects), the driver directory e2e/.driver whose
// package/ links to it, and Debian's chromium. No browser or driver is ever
// downloaded by the tests themselves.
package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// browser is the one Chromium shared by all tests of the package; each test
// gets its own context (cookies, storage) from newPage.
var browser playwright.Browser

// timeoutMS is the default wait for actions, navigations and assertions.
const timeoutMS = 10_000

// chromiumArgs are needed as root and without internet (see shared/BROWSER.md).
var chromiumArgs = []string{
	"--no-sandbox",
	"--disable-gpu",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--no-first-run",
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

// runMain starts Playwright and Chromium, runs the tests and shuts both down.
// Anything missing is a failure, never a skip.
func runMain(m *testing.M) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "e2e: "+format+"\n", args...)
		fmt.Fprintln(os.Stderr, "e2e: run `make test` (or `make deps driver`) from the repository root: it installs the Playwright driver and chromium.")
		return 1
	}

	driverDir := os.Getenv("PLAYWRIGHT_DRIVER_PATH")
	if driverDir == "" {
		driverDir = ".driver" // tests run in the package directory, e2e/
	}
	driverDir, err := filepath.Abs(driverDir)
	if err != nil {
		return fail("driver directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(driverDir, "package", "cli.js")); err != nil {
		return fail("Playwright driver not found: %s/package/cli.js is missing (%v)", driverDir, err)
	}
	// The driver runs on the system node unless the driver directory has its own.
	if os.Getenv("PLAYWRIGHT_NODEJS_PATH") == "" {
		if _, err := os.Stat(filepath.Join(driverDir, "node")); err != nil {
			node, err := exec.LookPath("node")
			if err != nil {
				return fail("node not found: set PLAYWRIGHT_NODEJS_PATH or install Node.js")
			}
			os.Setenv("PLAYWRIGHT_NODEJS_PATH", node)
		}
	}

	chromiumPath := os.Getenv("CHROMIUM_PATH")
	if chromiumPath == "" {
		chromiumPath = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		return fail("chromium not found at %s (%v); set CHROMIUM_PATH to use another", chromiumPath, err)
	}

	pw, err := playwright.Run(&playwright.RunOptions{
		DriverDirectory:     driverDir,
		SkipInstallBrowsers: true,
		Verbose:             false,
	})
	if err != nil {
		return fail("could not start Playwright from %s: %v", driverDir, err)
	}
	defer func() {
		if err := pw.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: stopping Playwright: %v\n", err)
		}
	}()

	browser, err = pw.Chromium.Launch(playwright.BrowserTypeLaunchOptions{
		ExecutablePath: playwright.String(chromiumPath),
		Headless:       playwright.Bool(true),
		Args:           chromiumArgs,
	})
	if err != nil {
		return fail("could not launch chromium %s: %v", chromiumPath, err)
	}
	defer browser.Close()

	return m.Run()
}

// newPage opens a page in a fresh browser context (its own cookies) with a
// 1280x800 viewport. The context is closed when the test ends; if the test
// failed, a full-page screenshot is saved first and its path logged.
func newPage(t *testing.T) playwright.Page {
	t.Helper()
	ctx, err := browser.NewContext(playwright.BrowserNewContextOptions{
		Viewport: &playwright.Size{Width: 1280, Height: 800},
	})
	must(t, err)
	ctx.SetDefaultTimeout(timeoutMS)
	page, err := ctx.NewPage()
	if err != nil {
		ctx.Close()
		t.Fatalf("new page: %v", err)
	}
	// Whatever the page does must fit the Content-Security-Policy: a
	// blocked inline script or style (htmx's, ours) fails the test.
	var mu sync.Mutex
	var violations []string
	page.OnConsole(func(m playwright.ConsoleMessage) {
		if strings.Contains(m.Text(), "Content Security Policy") {
			mu.Lock()
			violations = append(violations, m.Text())
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		mu.Lock()
		for _, v := range violations {
			t.Errorf("CSP violation in the browser: %s", v)
		}
		mu.Unlock()
		if t.Failed() {
			saveScreenshot(t, page)
		}
		if err := ctx.Close(); err != nil {
			t.Logf("closing browser context: %v", err)
		}
	})
	return page
}

// saveScreenshot writes a full-page screenshot to
// $TMPDIR/answers-e2e/<TestName>.png (kept after the test, unlike t.TempDir).
func saveScreenshot(t *testing.T, page playwright.Page) {
	dir := filepath.Join(os.TempDir(), "answers-e2e")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("screenshot: %v", err)
		return
	}
	name := strings.NewReplacer("/", "_", `\`, "_", ":", "_", " ", "_").Replace(t.Name())
	path := filepath.Join(dir, name+".png")
	if _, err := page.Screenshot(playwright.PageScreenshotOptions{
		Path:     playwright.String(path),
		FullPage: playwright.Bool(true),
	}); err != nil {
		t.Logf("screenshot: %v", err)
		return
	}
	t.Logf("screenshot of the failed page: %s", path)
}

// must stops the test if err is not nil.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// expect is the assertion entry point, waiting as long as actions do.
var expect = playwright.NewPlaywrightAssertions(timeoutMS)

// expectVisible waits until loc is visible, or fails the test.
func expectVisible(t *testing.T, loc playwright.Locator) {
	t.Helper()
	if err := expect.Locator(loc).ToBeVisible(); err != nil {
		t.Fatal(err) // the error names the locator and what it saw
	}
}

// expectText waits until loc contains text, or fails the test.
func expectText(t *testing.T, loc playwright.Locator, text string) {
	t.Helper()
	if err := expect.Locator(loc).ToContainText(text); err != nil {
		t.Fatalf("expected text %q: %v", text, err)
	}
}

// settled waits until htmx has finished every request and swap on the
// page. htmx wires up swapped-in content only when it settles (20 ms
// after the swap), so a control of a form that was just swapped in must
// not be used before: its change would reach no listener.
func settled(t *testing.T, page playwright.Page) {
	t.Helper()
	busy := page.Locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
	if err := expect.Locator(busy).ToHaveCount(0); err != nil {
		t.Fatalf("htmx did not settle: %v", err)
	}
}

// TestBrowserWorks checks the set-up itself: a real click on a real page.
func TestBrowserWorks(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html>
<html lang="en"><head><title>Browser check</title></head>
<body>
  <p id="status">Not clicked yet</p>
  <button type="button" onclick="document.getElementById('status').textContent = 'Clicked!'">Click me</button>
</body></html>`)
	}))
	t.Cleanup(srv.Close)

	page := newPage(t)
	_, err := page.Goto(srv.URL)
	must(t, err)

	status := page.GetByText("Not clicked yet")
	expectVisible(t, status)
	must(t, page.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Click me"}).Click())
	expectText(t, page.Locator("body"), "Clicked!")
	expectVisible(t, page.GetByText("Clicked!"))
}
