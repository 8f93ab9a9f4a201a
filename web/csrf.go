package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/problem"
)

// csrfKey is where the CSRF token lives in the server-side session. It is
// not a cookie: a sibling subdomain or another port on the same host can
// plant cookies (they are not isolated by port, and a parent domain's
// cookie reaches every subdomain), so a token echoed from a cookie proves
// nothing. The session is found by its token, which such a site cannot
// read; scs keeps the session data across RenewToken, so the token
// survives sign-in.
const csrfKey = "csrf"

// csrf protects every state-changing page request. A browser that says
// the request comes from this very origin (Sec-Fetch-Site: same-origin)
// passes; a cross-site or same-site one is refused outright, token or not
// (same-site covers sibling subdomains and other ports, which are not to
// be trusted); anything else — old browsers, scripts, tests — must carry
// the token of its own session (form field _csrf or header X-CSRF-Token).
func (s *Server) csrf() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
				return next(c)
			}
			switch r.Header.Get("Sec-Fetch-Site") {
			case "same-origin":
				return next(c)
			case "cross-site", "same-site":
				return errCSRF()
			}
			want := s.sessions.GetString(r.Context(), csrfKey)
			got := r.Header.Get("X-CSRF-Token")
			if got == "" {
				got = c.FormValue("_csrf")
			}
			if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
				return errCSRF()
			}
			return next(c)
		}
	}
}

func errCSRF() error {
	return problem.New(problem.Forbidden, "csrf", "This form has expired or came from another site. Reload the page and try again.")
}

// csrfToken is the session's CSRF token, made on first use. It is made
// only when a page is rendered, so requests that show no form do not
// write a session.
func (s *Server) csrfToken(c echo.Context) string {
	if c.Get("sessionLoaded") == nil {
		return ""
	}
	ctx := c.Request().Context()
	if t := s.sessions.GetString(ctx, csrfKey); t != "" {
		return t
	}
	b := make([]byte, 32)
	rand.Read(b)
	t := base64.RawURLEncoding.EncodeToString(b)
	s.sessions.Put(ctx, csrfKey, t)
	return t
}
