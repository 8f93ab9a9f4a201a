package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/senders"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/views"
)

// The embeddable web chat (SPEC §10). A customer's page loads /widget.js,
// which frames /chat/<address>?embed=1: the chat page itself, in a compact
// layout, under the console's strict CSP, framable only by the sender's
// allowed origins. Its look comes from /chat/<address>/theme.css (CSS
// custom properties: no inline styles anywhere). The visitor is the
// signed id of the chat cookie — partitioned (CHIPS) and SameSite=None over
// HTTPS, so it holds inside a cross-site frame — or, where the browser
// keeps no cookie there, the same signed value, which the embedded page
// keeps in its own (partitioned) storage and sends back in the
// X-Chat-Visitor header.

// chatVisitorHeader carries the signed visitor id between the embedded
// chat page and the server: the answer to a new visitor's first message
// names it, and the page sends it back with every request.
const chatVisitorHeader = "X-Chat-Visitor"

// isEmbed reports whether the chat page is asked for in its framed form.
func isEmbed(c echo.Context) bool { return c.QueryParam("embed") == "1" }

// chatCSP is the console's policy for a livechat sender's chat page:
// img-src also allows exactly the sender's avatar (an https URL the
// senders service checked to be one a policy can name), and the framed
// form may be framed by exactly the sender's allowed origins — none
// means 'none', as for every other page.
func chatCSP(e store.Embed, embed bool) string {
	csp := consoleCSP
	if e.Avatar != "" {
		csp = strings.Replace(csp, "img-src 'self' data:", "img-src 'self' data: "+avatarSource(e.Avatar), 1)
	}
	if embed && len(e.AllowedOrigins) > 0 {
		csp = strings.Replace(csp, "frame-ancestors 'none'", "frame-ancestors "+strings.Join(e.AllowedOrigins, " "), 1)
	}
	return csp
}

// avatarSource is the avatar URL as a CSP source: without its query (a
// policy matches paths, not queries).
func avatarSource(u string) string {
	u, _, _ = strings.Cut(u, "?")
	return u
}

// setChatHeaders gives the chat page of snd its policy; a page its
// sender lets other sites frame drops X-Frame-Options (DENY would refuse
// them in browsers that read it and not frame-ancestors).
func setChatHeaders(c echo.Context, snd store.Sender) {
	h := c.Response().Header()
	embed := isEmbed(c)
	h.Set("Content-Security-Policy", chatCSP(snd.Embed, embed))
	if embed && len(snd.Embed.AllowedOrigins) > 0 {
		h.Del("X-Frame-Options")
	}
}

// chatTheme is what the chat page shows of its sender's appearance.
func chatTheme(snd store.Sender) views.ChatTheme {
	t := views.ChatTheme{Title: snd.Embed.Title, Avatar: snd.Embed.Avatar, Greeting: snd.Embed.Greeting,
		URL: views.ChatURL(snd.Address) + "/theme.css?v=" + themeVersion(snd.Embed)}
	if t.Title == "" {
		t.Title = "Chat with us"
	}
	return t
}

// themeVersion names one appearance: theme.css under it never changes.
func themeVersion(e store.Embed) string {
	b, _ := json.Marshal(e) // a struct of strings: never fails
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}

// chatThemeCSS serves /chat/<address>/theme.css: the sender's appearance
// as CSS custom properties, and the launcher and panel that widget.js
// puts on the customer's page. Under its current version it is cached for
// a year; otherwise (widget.js asks for it unversioned) it is revalidated.
// Other sites load it, hence Cross-Origin-Resource-Policy: cross-origin.
func (s *Server) chatThemeCSS(c echo.Context) error {
	snd, err := s.chatSender(c)
	if err != nil {
		return err
	}
	v := themeVersion(snd.Embed)
	h := c.Response().Header()
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set("ETag", `"`+v+`"`)
	if c.QueryParam("v") == v {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, no-cache")
	}
	if match := c.Request().Header.Get("If-None-Match"); match == `"`+v+`"` {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, "text/css; charset=utf-8", []byte(themeCSS(snd.Embed)))
}

// defaultAccent is the chat's accent when its sender names none: Pico's
// primary blue, which carries white text at 5.2:1.
const defaultAccent = "#0172ad"

// themeCSS is the stylesheet of one appearance. Every value in it was
// checked by the senders service (a #rrggbb colour, a position word, one
// line of text without control characters), and the title is written as
// a CSS string with its quotes and backslashes escaped.
func themeCSS(e store.Embed) string {
	accent := e.Accent
	if accent == "" {
		accent = defaultAccent
	}
	side, other := "right", "left"
	if e.Position == senders.PositionLeft {
		side, other = "left", "right"
	}
	title := e.Title
	if title == "" {
		title = "Chat with us"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `/* The appearance of a web chat (Answers Console). */
:root {
  --answers-chat-accent: %s;
  --answers-chat-on-accent: %s;
  --answers-chat-title: %s;
}
.chat-body {
  --pico-primary-background: var(--answers-chat-accent);
  --pico-primary-border: var(--answers-chat-accent);
  --pico-primary-hover-background: var(--answers-chat-accent);
  --pico-primary-hover-border: var(--answers-chat-accent);
  --pico-primary-inverse: var(--answers-chat-on-accent);
}
`, accent, onAccent(accent), cssString(title))
	fmt.Fprintf(&b, `.answers-chat-launcher, .answers-chat-panel { position: fixed; z-index: 2147483000; %s: 1.25rem; %s: auto; }
`, side, other)
	b.WriteString(launcherCSS)
	return b.String()
}

// launcherCSS is the launcher and the panel on the customer's page, in
// their own class names so the page's styles and ours do not meet.
const launcherCSS = `.answers-chat-launcher {
  bottom: 1.25rem; margin: 0; padding: .75rem 1.25rem; border: 0; border-radius: 999px;
  background: var(--answers-chat-accent); color: var(--answers-chat-on-accent);
  font: 600 1rem/1.2 system-ui, sans-serif; cursor: pointer; box-shadow: 0 4px 16px rgba(0, 0, 0, .25);
}
.answers-chat-launcher:focus-visible, .answers-chat-close:focus-visible { outline: 3px solid var(--answers-chat-accent); outline-offset: 3px; }
.answers-chat-panel {
  bottom: 5rem; width: min(24rem, calc(100vw - 2.5rem)); height: min(36rem, calc(100vh - 7rem));
  border-radius: .75rem; overflow: hidden; background: #fff; box-shadow: 0 8px 32px rgba(0, 0, 0, .3);
}
.answers-chat-panel[hidden] { display: none; }
.answers-chat-panel iframe, iframe.answers-chat-inline { display: block; width: 100%; height: 100%; border: 0; }
iframe.answers-chat-inline { min-height: 30rem; }
.answers-chat-close {
  position: absolute; top: .6rem; right: .6rem; width: 2.25rem; height: 2.25rem; margin: 0; padding: 0;
  border: 0; border-radius: 50%; background: var(--answers-chat-accent); color: var(--answers-chat-on-accent);
  font: 600 1.4rem/1 system-ui, sans-serif; cursor: pointer;
}
`

// onAccent is the text colour for an accent background: white or black,
// whichever contrasts more (one of them always reaches 4.5:1).
func onAccent(hex string) string {
	if contrast(luminance(hex), 1) >= contrast(luminance(hex), 0) {
		return "#ffffff"
	}
	return "#000000"
}

// luminance is the WCAG relative luminance of #rrggbb.
func luminance(hex string) float64 {
	ch := func(i int) float64 {
		n, _ := strconv.ParseUint(hex[i:i+2], 16, 8)
		v := float64(n) / 255
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(1) + 0.7152*ch(3) + 0.0722*ch(5)
}

func contrast(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	return (a + 0.05) / (b + 0.05)
}

// cssString quotes s as a CSS string (s has no control characters).
func cssString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// widgetJS serves /widget.js, the script a customer's page includes: the
// embedded file static/js/widget.js, revalidated unless the version is
// named, and loadable from other sites.
func (s *Server) widgetJS(c echo.Context) error {
	c.Response().Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
	r := c.Request().Clone(c.Request().Context())
	r.URL.Path = "/static/js/widget.js"
	s.assets.Handler().ServeHTTP(c.Response(), r)
	return nil
}
