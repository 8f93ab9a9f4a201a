//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/senders"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
	"github.com/answers-console/answers/web"
	"github.com/answers-console/answers/web/webtest"
)

// customerSite is a customer's page on another origin that includes the
// widget: http://localhost:<port>, while the console is on
// http://127.0.0.1:<port> — another site to the browser.
func customerSite(t *testing.T, console, extra string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		tag := `<script src="` + console + `/widget.js" data-sender="shop" async></script>`
		if extra == "inline" {
			tag = `<div id="chat-here"></div><script src="` + console + `/widget.js" data-sender="shop" data-mode="inline" data-target="#chat-here" async></script>`
		}
		fmt.Fprintf(w, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><main><h1>The shop</h1><p>Everything you need, delivered.</p>%s</main></body></html>`, tag)
	}))
	t.Cleanup(srv.Close)
	return strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
}

// embeddedShop is a console with the FAQ bot live on livechat "shop",
// which the given origins may embed.
func embeddedShop(t *testing.T, secure bool) (*webtest.App, string) {
	t.Helper()
	app := webtest.New(t)
	srv := httptest.NewServer(app.Web(prometheus.NewRegistry(), web.Options{SecureCookies: secure}))
	t.Cleanup(srv.Close)
	liveFAQ(t, app, "shop")
	return app, srv.URL
}

func allowOrigins(t *testing.T, app *webtest.App, origins ...string) {
	t.Helper()
	snd, err := app.Store.SenderByAddress(context.Background(), "livechat", "shop")
	must(t, err)
	_, err = app.Senders.SetEmbed(context.Background(), who.System(), snd.ID, senders.EmbedInput{AllowedOrigins: &origins,
		Title: playwright.String("Shop help"), Accent: playwright.String("#7c2d12"), Greeting: playwright.String("Hi! Ask us about opening hours.")})
	must(t, err)
}

// talkInPanel opens the launcher's panel and returns the chat inside it.
func openPanel(t *testing.T, page playwright.Page) playwright.FrameLocator {
	t.Helper()
	launcher := byRole(page, "button", "Shop help")
	expectVisible(t, launcher)
	must(t, expect.Locator(launcher).ToHaveAttribute("aria-expanded", "false"))
	must(t, launcher.Click())
	must(t, expect.Locator(launcher).ToHaveAttribute("aria-expanded", "true"))
	expectVisible(t, page.GetByRole("dialog", playwright.PageGetByRoleOptions{Name: "Shop help"}))
	return page.FrameLocator(`iframe[title="Shop help"]`)
}

func sendIn(t *testing.T, chat playwright.FrameLocator, text string) {
	t.Helper()
	must(t, chat.GetByLabel("Your message").Fill(text))
	must(t, chat.GetByRole("button", playwright.FrameLocatorGetByRoleOptions{Name: "Send", Exact: playwright.Bool(true)}).Click())
}

// A visitor of a customer's site opens the chat from the launcher, talks
// to the bot, follows live what they say in a second tab, closes it with
// Escape, reloads the page: the conversation is still there. The page is accessible with the launcher, and with the
// panel open (axe-core on the page and inside the chat).
func TestEmbeddedChatOnAnotherSite(t *testing.T) {
	app, console := embeddedShop(t, false)
	site := customerSite(t, console, "")
	allowOrigins(t, app, site)
	axe, err := os.ReadFile(axePath)
	must(t, err)

	page := newPage(t)
	_, err = page.Goto(site)
	must(t, err)
	chat := openPanel(t, page)
	// Focus moves into the chat's message box.
	must(t, expect.Locator(chat.GetByLabel("Your message")).ToBeFocused())
	expectVisible(t, chat.GetByText("Hi! Ask us about opening hours."))
	must(t, expect.Locator(chat.Locator(".chat-log")).ToHaveAttribute("aria-live", "polite"))
	sendIn(t, chat, "hello")
	expectVisible(t, chat.GetByText("Hello! Ask me about hours."))

	// The frame keeps no cookie (the chat's is SameSite=Lax over plain
	// HTTP, never sent in a cross-site frame): its stream names the
	// visitor in the URL instead, and what a second tab of the site says
	// arrives in this one live, once.
	waitForStreams(t, app, 1)
	second, err := page.Context().NewPage()
	must(t, err)
	_, err = second.Goto(site)
	must(t, err)
	other := openPanel(t, second)
	expectVisible(t, other.GetByText("Hello! Ask me about hours."))
	waitForStreams(t, app, 2)
	sendIn(t, other, "opening hours?")
	reply := chat.Locator("#transcript .bubble", playwright.FrameLocatorLocatorOptions{HasText: "We are open 9 to 5."})
	must(t, expect.Locator(reply).ToHaveCount(1))
	must(t, expect.Locator(chat.Locator("#transcript .bubble", playwright.FrameLocatorLocatorOptions{HasText: "opening hours?"})).ToHaveCount(1))
	must(t, second.Close())
	waitForStreams(t, app, 1)

	runAxe(t, page, axe, "the customer's page with the chat open")
	var frame playwright.Frame
	for _, f := range page.Frames() {
		if strings.Contains(f.URL(), "/chat/shop?embed=1") {
			frame = f
		}
	}
	if frame == nil {
		t.Fatal("no chat frame")
	}
	runAxe(t, frame, axe, "the chat inside the customer's page")

	// Escape closes the panel; focus returns to the launcher.
	must(t, page.Keyboard().Press("Escape"))
	launcher := byRole(page, "button", "Shop help")
	must(t, expect.Locator(launcher).ToHaveAttribute("aria-expanded", "false"))
	must(t, expect.Locator(page.GetByRole("dialog")).ToHaveCount(0))
	must(t, expect.Locator(launcher).ToBeFocused())
	runAxe(t, page, axe, "the customer's page with the launcher")

	// A reload of the customer's page: the same visitor, the same conversation.
	_, err = page.Reload()
	must(t, err)
	chat = openPanel(t, page)
	expectVisible(t, chat.GetByText("We are open 9 to 5."))
	sendIn(t, chat, "bye")
	expectVisible(t, chat.GetByText("Goodbye!"))
	if n := openSessions(t, app); n != 0 {
		t.Errorf("%d sessions still open: the reload started another conversation", n)
	}
}

// openSessions counts the conversations of livechat shop still open, and
// fails the test if there was ever more than one.
func openSessions(t *testing.T, app *webtest.App) int {
	t.Helper()
	var all, open int
	must(t, app.Store.R.QueryRowContext(context.Background(),
		`SELECT count(*), count(*) FILTER (WHERE closed_at IS NULL) FROM chat_sessions`).Scan(&all, &open))
	if all != 1 {
		t.Errorf("%d conversations, want the visitor's one", all)
	}
	return open
}

// The chat inside an element of the page (data-mode="inline").
func TestEmbeddedChatInline(t *testing.T) {
	app, console := embeddedShop(t, false)
	site := customerSite(t, console, "inline")
	allowOrigins(t, app, site)
	page := newPage(t)
	_, err := page.Goto(site)
	must(t, err)
	chat := page.FrameLocator(`#chat-here iframe[title="Shop help"]`)
	sendIn(t, chat, "hours")
	expectVisible(t, chat.GetByText("Hello! Ask me about hours."))
	must(t, expect.Locator(page.Locator(".answers-chat-launcher")).ToHaveCount(0))
}

// A site the sender does not list cannot frame the chat: the browser
// refuses it (frame-ancestors) and says so.
func TestEmbeddedChatRefusedOnAnUnlistedSite(t *testing.T) {
	app, console := embeddedShop(t, false)
	allowed := customerSite(t, console, "")
	other := customerSite(t, console, "")
	allowOrigins(t, app, allowed)

	ctx, err := browser.NewContext()
	must(t, err)
	t.Cleanup(func() { ctx.Close() })
	page, err := ctx.NewPage()
	must(t, err)
	refused := regexp.MustCompile(`frame-ancestors.*blocked`)
	said := make(chan string, 16)
	page.OnConsole(func(m playwright.ConsoleMessage) {
		select {
		case said <- m.Text():
		default:
		}
	})
	_, err = page.Goto(other)
	must(t, err)
	chat := openPanel(t, page)
	must(t, expect.Locator(page.Locator(`iframe[title="Shop help"]`)).ToBeAttached())
	var heard []string
	for found := false; !found; {
		select {
		case m := <-said:
			heard = append(heard, m)
			found = refused.MatchString(m)
		case <-time.After(timeoutMS * time.Millisecond):
			t.Fatalf("the browser did not refuse the frame; console: %q", heard)
		}
	}
	// The refused frame navigates to the browser's error page while it is
	// read, so ask with a retrying assertion, not a one-shot count.
	if err := expect.Locator(chat.GetByLabel("Your message")).ToHaveCount(0); err != nil {
		t.Errorf("the chat shows on a site its sender does not list: %v", err)
	}
}

// playwrightDisabledFeatures is the --disable-features switch Playwright
// gives Chromium, read from the driver's own list. It turns off, among
// others, ThirdPartyStoragePartitioning: with it a cross-site frame gets
// no storage at all where third-party cookies are blocked — not what
// visitors' browsers do.
func playwrightDisabledFeatures(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("../node_modules/playwright-core/lib/server/chromium/chromiumSwitches.js")
	must(t, err)
	block := regexp.MustCompile(`(?s)const disabledFeatures = \[(.*?)\];`).FindSubmatch(src)
	if block == nil {
		t.Fatal("no disabledFeatures list in playwright-core's chromiumSwitches.js")
	}
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^\s*"([A-Za-z0-9]+)",?\s*$`).FindAllSubmatch(block[1], -1) {
		names = append(names, string(m[1]))
	}
	if !slices.Contains(names, "ThirdPartyStoragePartitioning") {
		t.Fatalf("Playwright no longer disables ThirdPartyStoragePartitioning (%v): revisit this test", names)
	}
	return "--disable-features=" + strings.Join(names, ",")
}

// The journey again in a Chromium with its own defaults (storage
// partitioning on), as visitors have it: over plain HTTP (the chat
// cookie is SameSite=Lax, which a cross-site frame never gets: the signed
// id kept in the frame's partitioned storage carries the visitor), and
// with the console's HTTPS settings (a Partitioned; Secure;
// SameSite=None cookie, which Chromium keeps for http://127.0.0.1 as a
// secure context: the cookie itself carries the visitor, and the server
// renders the conversation on the reload).
func TestEmbeddedChatWithTheBrowsersOwnDefaults(t *testing.T) {
	path := os.Getenv("CHROMIUM_PATH")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	own, err := browser.BrowserType().Launch(playwright.BrowserTypeLaunchOptions{
		ExecutablePath:    playwright.String(path),
		Headless:          playwright.Bool(true),
		Args:              chromiumArgs,
		IgnoreDefaultArgs: []string{playwrightDisabledFeatures(t)},
	})
	must(t, err)
	t.Cleanup(func() { own.Close() })
	for _, secure := range []bool{false, true} {
		name := map[bool]string{false: "http", true: "https-cookie"}[secure]
		t.Run(name, func(t *testing.T) {
			app, console := embeddedShop(t, secure)
			site := customerSite(t, console, "")
			allowOrigins(t, app, site)
			ctx, err := own.NewContext()
			must(t, err)
			t.Cleanup(func() { ctx.Close() })
			ctx.SetDefaultTimeout(timeoutMS)
			page, err := ctx.NewPage()
			must(t, err)
			_, err = page.Goto(site)
			must(t, err)
			chat := openPanel(t, page)
			sendIn(t, chat, "hello")
			expectVisible(t, chat.GetByText("Hello! Ask me about hours."))
			sendIn(t, chat, "opening hours?")
			expectVisible(t, chat.GetByText("We are open 9 to 5."))

			// After the reload, the chat page as the server sent it shows the
			// conversation only if the browser sent the cookie.
			// (The body is read after the event: a handler must not call back.)
			var mu sync.Mutex
			var served playwright.Response
			page.OnResponse(func(r playwright.Response) {
				if strings.HasSuffix(r.URL(), "/chat/shop?embed=1") && r.Request().IsNavigationRequest() {
					mu.Lock()
					served = r
					mu.Unlock()
				}
			})
			_, err = page.Reload()
			must(t, err)
			chat = openPanel(t, page)
			expectVisible(t, chat.GetByText("We are open 9 to 5."))
			mu.Lock()
			res := served
			mu.Unlock()
			if res == nil {
				t.Fatal("the chat page was not loaded again")
			}
			body, err := res.Body()
			must(t, err)
			byCookie := strings.Contains(string(body), "We are open 9 to 5.")
			if byCookie != secure {
				t.Errorf("the cookie carried the visitor: %v; want %v", byCookie, secure)
			}
			sendIn(t, chat, "bye")
			expectVisible(t, chat.GetByText("Goodbye!"))
			if n := openSessions(t, app); n != 0 {
				t.Errorf("%d sessions still open", n)
			}
		})
	}
}

// A manager lets a site embed the chat on the Senders page: a bad origin
// is refused beside its field; the preview follows the form as it is
// typed; the saved settings come back with the tag to paste.
func TestManagerSetsUpTheEmbeddedChat(t *testing.T) {
	app, base := startConsole(t)
	liveFAQ(t, app, "shop")
	page := newPage(t)
	signIn(t, page, base, testkit.Email(rbac.Manager), testkit.Password(rbac.Manager))
	_, err := page.Goto(base + "/senders")
	must(t, err)
	must(t, page.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Embed on a site: the web chat shop"}).Click())
	expectVisible(t, page.GetByRole("heading", playwright.PageGetByRoleOptions{Name: "Web chat of livechat shop"}))

	origins := page.GetByLabel("Allowed origins")
	must(t, origins.Fill("https://shop.example\nshop.example"))
	title := page.GetByLabel("Title")
	must(t, title.Fill("Shop help"))
	preview := page.Locator("[data-embed-preview]")
	expectText(t, preview.Locator("[data-preview-launcher]"), "Shop help")
	must(t, page.GetByLabel("Greeting").Fill("Hi there!"))
	expectText(t, preview.Locator("[data-preview-greeting]"), "Hi there!")
	_, err = page.GetByLabel("Launcher position").SelectOption(playwright.SelectOptionValues{Values: playwright.StringSlice("left")})
	must(t, err)
	must(t, expect.Locator(preview).ToHaveAttribute("data-position", "left"))
	avatar := page.GetByLabel("Avatar")
	must(t, avatar.Fill("https://cdn.example/a.png"))
	must(t, expect.Locator(preview.Locator("img.preview-avatar")).ToHaveAttribute("src", "https://cdn.example/a.png"))
	must(t, avatar.Fill(""))
	must(t, expect.Locator(preview.Locator("img.preview-avatar")).ToHaveCount(0))

	must(t, byRole(page, "button", "Save web chat").Click())
	expectText(t, page.Locator("#origins-error"), `"shop.example" is not an origin`)
	must(t, expect.Locator(origins).ToHaveAttribute("aria-invalid", "true"))
	must(t, expect.Locator(title).ToHaveValue("Shop help"))
	if snd, _ := app.Store.SenderByAddress(context.Background(), "livechat", "shop"); !snd.Embed.IsZero() {
		t.Fatalf("a refused save changed %+v", snd.Embed)
	}

	settled(t, page)
	must(t, page.GetByLabel("Allowed origins").Fill("https://shop.example\nhttps://*.example.org"))
	must(t, byRole(page, "button", "Save web chat").Click())
	expectText(t, page.Locator("#sender-embed"), "Saved the web chat of livechat shop.")
	expectText(t, page.Locator("#embed-snippet"), `/widget.js" data-sender="shop" async></script>`)
	snd, err := app.Store.SenderByAddress(context.Background(), "livechat", "shop")
	must(t, err)
	if strings.Join(snd.Embed.AllowedOrigins, " ") != "https://shop.example https://*.example.org" || snd.Embed.Title != "Shop help" || snd.Embed.Position != "left" {
		t.Errorf("saved %+v", snd.Embed)
	}
}
