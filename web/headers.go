package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// consoleCSP is the Content-Security-Policy of the console's pages and
// static files. Scripts and styles come only from our own files: the
// views carry no inline <script>, no on* handler, no data-hx-on and no style
// attribute (a test checks every page), and htmx is told not to inject its
// indicator <style> (includeIndicatorStyles=false in the htmx-config meta;
// app.css has those rules instead), so style-src needs no 'unsafe-inline'
// either. Pico draws a few icons from data: SVGs, hence img-src data:.
const consoleCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; " +
	"base-uri 'none'; object-src 'none'"

// apiCSP is the policy of JSON answers: they load nothing and are never
// framed, so a JSON body opened in a browser can run nothing either.
const apiCSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// hsts is sent over HTTPS (--secure-cookies): two years, this host only
// (siblings may not all serve HTTPS).
const hsts = "max-age=63072000"

// securityHeaders sets the security headers on every answer, before
// anything else runs, so redirects, errors and 404s carry them too; and,
// just before the header is written, tidies what several layers added
// (see tidyHeaders).
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		res := c.Response()
		h := res.Header()
		path := c.Request().URL.Path
		api := strings.HasPrefix(path, "/api/")
		csp := consoleCSP
		if api {
			csp = apiCSP
		}
		if s.cfg.SecureCookies {
			h.Set("Strict-Transport-Security", hsts)
		}
		res.Before(func() { tidyHeaders(h, path, res.Status) })
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY") // frame-ancestors for browsers that predate it
		// Console URLs name chatbots, filters and ids: keep them on this site.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		return next(c)
	}
}

// tidyHeaders runs just before the header is written. API answers hold
// keys and personal data and exports whole logs: they are never stored by
// a cache. An API 401 names the Bearer scheme (RFC 6750), except the
// inbound endpoint, which takes X-Inbound-Key. And Vary and Cache-Control,
// added by several layers (our Vary: HX-Request and no-store, scs's Vary:
// Cookie and no-cache="Set-Cookie"), become one line each without
// repeats; no-store makes any other directive moot.
func tidyHeaders(h http.Header, path string, status int) {
	if strings.HasPrefix(path, "/api/") || strings.Contains(path, "/export") {
		h.Set("Cache-Control", "no-store")
	}
	if status == http.StatusUnauthorized && strings.HasPrefix(path, "/api/") && !strings.HasPrefix(path, "/api/v1/messages") {
		h.Set("WWW-Authenticate", `Bearer realm="answers"`)
	}
	if cc := h.Values("Cache-Control"); slices.Contains(splitList(cc), "no-store") {
		h.Set("Cache-Control", "no-store")
	}
	for _, k := range []string{"Vary", "Cache-Control"} {
		if v := h.Values(k); len(v) > 1 {
			h.Set(k, strings.Join(uniqueFold(splitList(v)), ", "))
		}
	}
}

// splitList splits comma-separated header values into trimmed items.
// (Quoted commas do not occur in the values this server sends.)
func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

func uniqueFold(items []string) []string {
	var out []string
	for _, it := range items {
		if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, it) }) {
			out = append(out, it)
		}
	}
	return out
}
