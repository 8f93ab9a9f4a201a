package web

import (
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

// securityHeaders sets the security headers on every answer, before
// anything else runs, so redirects, errors and 404s carry them too.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		csp := consoleCSP
		if strings.HasPrefix(c.Request().URL.Path, "/api/") {
			csp = apiCSP
		}
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
