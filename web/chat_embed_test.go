package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/senders"
	"github.com/answers-console/answers/internal/who"
	"github.com/answers-console/answers/web"
	"github.com/answers-console/answers/web/webtest"
)

func strp(s string) *string { return &s }

// embedChat makes a live chat at address that the given origins may embed.
func embedChat(t *testing.T, app *webtest.App, address string, in senders.EmbedInput) int64 {
	t.Helper()
	id := liveChat(t, app, address)
	if _, err := app.Senders.SetEmbed(context.Background(), who.System(), id, in); err != nil {
		t.Fatal(err)
	}
	return id
}

// The framed chat page may be framed by exactly its sender's allowed
// origins; with none, by nobody, as every other page; the page in its
// own window never.
func TestEmbedFrameAncestors(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	origins := []string{"https://shop.example", "https://*.example.org"}
	embedChat(t, app, "open", senders.EmbedInput{AllowedOrigins: &origins, Avatar: strp("https://cdn.example/a.png?s=64")})
	liveChat(t, app, "closed")
	c := newClient(t, srv)

	res := c.get("/chat/open?embed=1")
	if res.Status != http.StatusOK {
		t.Fatalf("status %d", res.Status)
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors https://shop.example https://*.example.org;") {
		t.Errorf("CSP %q does not list exactly the allowed origins", csp)
	}
	if !strings.Contains(csp, "img-src 'self' data: https://cdn.example/a.png;") || !strings.Contains(csp, "style-src 'self';") || !strings.Contains(csp, "script-src 'self';") {
		t.Errorf("CSP %q: want the avatar, and scripts and styles only from the console", csp)
	}
	if xfo := res.Header.Get("X-Frame-Options"); xfo != "" {
		t.Errorf("X-Frame-Options %q on a page its sender lets others frame", xfo)
	}
	mustContain(t, res.Body, `data-chat-embed="open"`, `action="/chat/open?embed=1"`, `src="https://cdn.example/a.png?s=64"`)
	mustNotContain(t, res.Body, "autofocus", ` style=`)

	for _, path := range []string{"/chat/open", "/chat/closed?embed=1", "/chat/closed"} {
		res := c.get(path)
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || res.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: CSP %q, X-Frame-Options %q; want it framed by nobody", path, csp, res.Header.Get("X-Frame-Options"))
		}
	}
}

// The appearance reaches the page as a versioned stylesheet of custom
// properties, which other sites may load (the launcher's look).
func TestEmbedThemeCSS(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	embedChat(t, app, "shop", senders.EmbedInput{Accent: strp("#ffd700"), Title: strp(`Shop "help" \ desk`), Position: strp("left")})
	c := newClient(t, srv)
	page := c.get("/chat/shop")
	i := strings.Index(page.Body, `/chat/shop/theme.css?v=`)
	if i < 0 {
		t.Fatalf("the page links no theme\n%s", excerpt(page.Body))
	}
	themeURL := page.Body[i : i+strings.IndexByte(page.Body[i:], '"')]
	mustContain(t, page.Body, "<h1>Shop &#34;help&#34; \\ desk</h1>")

	res := c.get(themeURL)
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("theme: status %d, type %q", res.Status, res.Header.Get("Content-Type"))
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("versioned theme Cache-Control %q", cc)
	}
	if corp := res.Header.Get("Cross-Origin-Resource-Policy"); corp != "cross-origin" {
		t.Errorf("Cross-Origin-Resource-Policy %q: other sites could not load it", corp)
	}
	// Gold is light: black text on it; the title is a CSS string; left.
	mustContain(t, res.Body, "--answers-chat-accent: #ffd700;", "--answers-chat-on-accent: #000000;",
		`--answers-chat-title: "Shop \"help\" \\ desk";`, "left: 1.25rem; right: auto;")
	plain := c.get("/chat/shop/theme.css")
	if cc := plain.Header.Get("Cache-Control"); !strings.Contains(cc, "no-cache") {
		t.Errorf("unversioned theme Cache-Control %q", cc)
	}
	if again := c.get("/chat/shop/theme.css", "If-None-Match", plain.Header.Get("ETag")); again.Status != http.StatusNotModified {
		t.Errorf("revalidation: status %d", again.Status)
	}
	if res := c.get("/chat/nobody/theme.css"); res.Status != http.StatusNotFound {
		t.Errorf("unknown chat's theme: status %d", res.Status)
	}
	// A dark accent carries white text.
	if _, err := app.Senders.SetEmbed(context.Background(), who.System(), mustSender(t, app, "shop"), senders.EmbedInput{Accent: strp("#123456")}); err != nil {
		t.Fatal(err)
	}
	mustContain(t, c.get("/chat/shop/theme.css").Body, "--answers-chat-on-accent: #ffffff;")
}

func mustSender(t *testing.T, app *webtest.App, address string) int64 {
	t.Helper()
	snd, err := app.Store.SenderByAddress(context.Background(), "livechat", address)
	if err != nil {
		t.Fatal(err)
	}
	return snd.ID
}

// widget.js is what customers' pages include: small, a script, loadable
// from other sites.
func TestWidgetJS(t *testing.T) {
	t.Parallel()
	_, srv := newServer(t)
	c := newClient(t, srv)
	res := c.get("/widget.js")
	if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "javascript") {
		t.Fatalf("status %d, type %q", res.Status, res.Header.Get("Content-Type"))
	}
	if corp := res.Header.Get("Cross-Origin-Resource-Policy"); corp != "cross-origin" {
		t.Errorf("Cross-Origin-Resource-Policy %q: other sites could not load it", corp)
	}
	if cc := res.Header.Get("Cache-Control"); strings.Contains(cc, "immutable") {
		t.Errorf("unversioned widget.js cached for good: %q", cc)
	}
	src, err := os.ReadFile("../static/js/widget.js")
	if err != nil {
		t.Fatal(err)
	}
	if res.Body != string(src) {
		t.Error("/widget.js is not static/js/widget.js")
	}
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = gz.Write(src)
	_ = gz.Close()
	t.Logf("widget.js: %d bytes, %d gzipped", len(src), buf.Len())
	if buf.Len() >= 10*1024 {
		t.Errorf("widget.js is %d bytes gzipped, want under 10 KB", buf.Len())
	}
}

// Inside a frame where the browser keeps no cookie, the signed id the
// first answer names stands in for it: the visitor goes on with their
// conversation and sees it again after a reload. An id the server did not
// sign is a new visitor.
func TestEmbedVisitorHeader(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	origins := []string{"https://shop.example"}
	embedChat(t, app, "shop", senders.EmbedInput{AllowedOrigins: &origins})
	first := newClient(t, srv)
	res := first.postRaw("/chat/shop?embed=1", url.Values{"text": {"hi"}}, "Sec-Fetch-Site", "same-origin", "HX-Request", "true")
	if res.Status != http.StatusOK {
		t.Fatalf("status %d\n%s", res.Status, excerpt(res.Body))
	}
	token := res.Header.Get("X-Chat-Visitor")
	if token == "" || token != chatCookieOf(first) {
		t.Fatalf("X-Chat-Visitor %q, cookie %q: want the signed id in both", token, chatCookieOf(first))
	}
	mustContain(t, res.Body, "What is your name?")

	// A browser that dropped the cookie: only the header. A reload shows
	// the conversation; the next message continues it.
	frame := newClient(t, srv)
	res = frame.get("/chat/shop?embed=1", "HX-Request", "true", "X-Chat-Visitor", token)
	mustContain(t, res.Body, "hi", "What is your name?")
	mustNotContain(t, res.Body, "<html", "Write a message to start")
	res = frame.postRaw("/chat/shop?embed=1", url.Values{"text": {"Ada"}}, "Sec-Fetch-Site", "same-origin", "HX-Request", "true", "X-Chat-Visitor", token)
	mustContain(t, res.Body, "Bye Ada.")
	if res.Header.Get("X-Chat-Visitor") != "" {
		t.Error("a returning visitor was given a new id")
	}
	first.postRaw("/chat/shop?embed=1", url.Values{"text": {"hi"}}, "Sec-Fetch-Site", "same-origin", "HX-Request", "true")
	res = frame.get("/chat/shop?embed=1", "HX-Request", "true", "X-Chat-Visitor", token)
	mustContain(t, res.Body, "What is your name?")

	// Made-up or altered ids are nobody's conversation.
	for _, forged := range []string{"web-aaaaaaaaaaaaaaaa.bm90IHNpZ25lZA", token[:len(token)-2] + "xx", strings.SplitN(token, ".", 2)[0]} {
		res := newClient(t, srv).get("/chat/shop?embed=1", "HX-Request", "true", "X-Chat-Visitor", forged)
		mustNotContain(t, res.Body, "What is your name?")
		mustContain(t, res.Body, "Write a message to start the conversation.")
	}
}

// Over HTTPS the chat cookie made inside a frame is partitioned (CHIPS)
// and SameSite=None, so the browser sends it in the cross-site frame; the
// chat in its own window keeps its Lax cookie.
func TestEmbedCookieIsPartitioned(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	srv := httptest.NewServer(app.Web(prometheus.NewRegistry(), web.Options{SecureCookies: true}))
	t.Cleanup(srv.Close)
	liveChat(t, app, "shop")
	setCookie := func(path string) string {
		c := newClient(t, srv)
		res := c.postRaw(path, url.Values{"text": {"hi"}}, "Sec-Fetch-Site", "same-origin", "HX-Request", "true")
		for _, v := range res.Header.Values("Set-Cookie") {
			if strings.HasPrefix(v, "__Secure-answers_chat=") {
				return v
			}
		}
		t.Fatalf("%s: no chat cookie in %q", path, res.Header.Values("Set-Cookie"))
		return ""
	}
	framed := setCookie("/chat/shop?embed=1")
	for _, want := range []string{"; Secure", "; SameSite=None", "; Partitioned", "; HttpOnly", "; Path=/chat/"} {
		if !strings.Contains(framed, want) {
			t.Errorf("framed chat cookie %q lacks %q", framed, want)
		}
	}
	own := setCookie("/chat/shop")
	if !strings.Contains(own, "; SameSite=Lax") || strings.Contains(own, "Partitioned") {
		t.Errorf("the chat's own cookie %q, want SameSite=Lax, not partitioned", own)
	}
}

// Managers set the embedding on the Senders page; a bad origin is refused
// beside its field and saves nothing; the API takes the same.
func TestSenderEmbedPageAndAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	app, c := e.app, e.c
	id := e.fx.sender.ID // livechat "matrix"
	path := "/senders/" + itoa(id) + "/embed"

	designer := newClient(t, c.srv)
	designer.loginAs(rbac.Designer)
	if res := designer.get(path); res.Status != http.StatusForbidden {
		t.Errorf("designer GET: status %d", res.Status)
	}
	c.loginAs(rbac.Manager)
	res := c.get(path)
	if res.Status != http.StatusOK {
		t.Fatalf("GET: status %d", res.Status)
	}
	mustContain(t, res.Body, "Allowed origins", "Accent colour", `/widget.js&#34; data-sender=&#34;matrix&#34; async&gt;`, "Preview")
	if !strings.Contains(res.Header.Get("Content-Security-Policy"), "img-src 'self' data: https:;") {
		t.Errorf("the preview cannot show an avatar: %q", res.Header.Get("Content-Security-Policy"))
	}
	senders := c.get("/senders")
	mustContain(t, senders.Body, `href="`+path+`"`)

	form := url.Values{"allowed_origins": {"https://shop.example\nshop.example"}, "title": {"Help"}, "accent": {"#0b5fff"},
		"avatar": {""}, "greeting": {"Hi!"}, "position": {"left"}}
	res = c.post(path, form)
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad origin: status %d", res.Status)
	}
	mustContain(t, res.Body, "&#34;shop.example&#34; is not an origin: it has no scheme (https://).", "Help") // what was typed stays
	if got, _ := app.Store.SenderByID(context.Background(), id); !got.Embed.IsZero() {
		t.Fatalf("a refused save changed %+v", got.Embed)
	}
	form.Set("allowed_origins", "https://shop.example\nhttps://*.example.org")
	res = c.post(path, form, "HX-Request", "true")
	if res.Status != http.StatusOK {
		t.Fatalf("htmx save: status %d\n%s", res.Status, excerpt(res.Body))
	}
	mustContain(t, res.Body, "Saved the web chat of livechat matrix.", "https://*.example.org")
	mustNotContain(t, res.Body, "<html")
	form.Set("greeting", "Hello there")
	if res := c.post(path, form); res.Status != http.StatusSeeOther {
		t.Fatalf("plain save: status %d", res.Status)
	}
	got, _ := app.Store.SenderByID(context.Background(), id)
	if strings.Join(got.Embed.AllowedOrigins, " ") != "https://shop.example https://*.example.org" || got.Embed.Greeting != "Hello there" || got.Embed.Position != "left" {
		t.Errorf("saved %+v", got.Embed)
	}
	if res := c.get("/senders/" + itoa(mustSMS(t, app)) + "/embed"); res.Status != http.StatusNotFound {
		t.Errorf("an sms sender's embed page: status %d", res.Status)
	}

	// The API: the same rules, the same service.
	api := "/api/v1/senders/" + itoa(id)
	apiWantError(t, c.send(http.MethodPatch, api, `{"allowed_origins": ["https://ok.example", "https://*"]}`, e.as(rbac.Manager)...), http.StatusUnprocessableEntity, "invalid_allowed_origins")
	apiWantError(t, c.send(http.MethodPatch, api, `{"allowed_origins": []}`, e.as(rbac.Designer)...), http.StatusForbidden, "forbidden")
	apiWantError(t, c.send(http.MethodPatch, "/api/v1/senders/"+itoa(mustSMS(t, app)), `{"allowed_origins": []}`, e.as(rbac.Manager)...), http.StatusUnprocessableEntity, "sender_not_livechat")
	res = c.send(http.MethodPatch, api, `{"allowed_origins": ["https://shop.example"], "appearance": {"accent": "#AA0000"}}`, e.as(rbac.Manager)...)
	if res.Status != http.StatusOK {
		t.Fatalf("PATCH: status %d\n%s", res.Status, res.Body)
	}
	var out struct {
		AllowedOrigins []string          `json:"allowed_origins"`
		Appearance     map[string]string `json:"appearance"`
	}
	if err := json.Unmarshal([]byte(res.Body), &out); err != nil {
		t.Fatal(err)
	}
	if strings.Join(out.AllowedOrigins, " ") != "https://shop.example" || out.Appearance["accent"] != "#aa0000" || out.Appearance["greeting"] != "Hello there" || out.Appearance["position"] != "left" {
		t.Errorf("PATCH answered %s", res.Body)
	}
}

func mustSMS(t *testing.T, app *webtest.App) int64 {
	t.Helper()
	snd, err := app.Store.SenderByAddress(context.Background(), "sms", "+15550177")
	if err == nil {
		return snd.ID
	}
	snd, err = app.Senders.Create(context.Background(), who.System(), "sms", "+15550177")
	if err != nil {
		t.Fatal(err)
	}
	return snd.ID
}
