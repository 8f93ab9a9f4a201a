package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/problem"
)

// CSRF tokens are signed, and bound to what the browser holds:
//
//   - signed in, to a random seed in the server-side session (csrfKey).
//     Not to a cookie: a sibling subdomain or another port on the same
//     host can plant cookies (they are not isolated by port, and a parent
//     domain's cookie reaches every subdomain), so a token that matches a
//     cookie proves nothing about the session. The session is found by its
//     token, which such a site cannot read. The seed is replaced at sign-in
//     (scs keeps the session data across RenewToken) and goes with the
//     session at sign-out.
//   - anonymous, to a random value in a cookie of its own (csrfCookie),
//     so that anonymous pages (the sign-in page, the web chat) write no
//     session: a flood of them costs no database write. A site that
//     plants that cookie could only forge an anonymous form (sign-in),
//     and browsers that say where a request comes from are refused
//     cross-site or same-site outright; the cookie is __Host- over HTTPS.
//     It is replaced at sign-in and sign-out, so no token outlives them.
//
// The token is HMAC-SHA256(csrf key, binding) under the installation's
// secret, so every replica checks what another made. Each response carries
// it masked with a fresh random pad (pad ‖ pad⊕token): the page's bytes
// differ every time, so a compressed page that also reflects the
// attacker's input (?q=) leaks nothing about the token by its length
// (BREACH).
const (
	csrfKey    = "csrf"
	csrfCookie = "answers_csrf"
	csrfSize   = 32 // bytes of token, seed and cookie value
)

// csrf protects every state-changing page request. A browser that says
// the request comes from this very origin (Sec-Fetch-Site: same-origin)
// passes; a cross-site or same-site one is refused outright, token or not
// (same-site covers sibling subdomains and other ports, which are not to
// be trusted); anything else — old browsers, scripts, tests — must carry
// a token made for what it holds (form field _csrf or header X-CSRF-Token).
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
			want, err := s.csrfRaw(c, false, false)
			if err != nil {
				return err
			}
			got := r.Header.Get("X-CSRF-Token")
			if got == "" {
				got = c.FormValue("_csrf")
			}
			if want == nil || !hmac.Equal(unmaskCSRF(got), want) {
				return errCSRF()
			}
			return next(c)
		}
	}
}

func errCSRF() error {
	return problem.New(problem.Forbidden, "csrf", "This form has expired or came from another site. Reload the page and try again.")
}

// csrfToken is the masked token for this response, or "" when the request
// has no session loaded. An anonymous visitor without a CSRF cookie is
// given one (no database write); a signed-in session without a seed gets
// one only with mintSeed (a write: not for refusals, which a flood must
// not turn into writes).
func (s *Server) csrfToken(c echo.Context, mintSeed bool) (string, error) {
	raw, err := s.csrfRaw(c, true, mintSeed)
	if raw == nil || err != nil {
		return "", err
	}
	return maskCSRF(raw), nil
}

// csrfRaw is the request's unmasked token, or nil when what it would be
// bound to is missing and may not be made (mintCookie for an anonymous
// visitor's cookie, mintSeed for a signed-in session's seed).
func (s *Server) csrfRaw(c echo.Context, mintCookie, mintSeed bool) ([]byte, error) {
	if c.Get("sessionLoaded") == nil {
		return nil, nil
	}
	ctx := c.Request().Context()
	var binding []string
	if s.sessions.GetInt64(ctx, "uid") != 0 {
		seed := s.sessions.GetString(ctx, csrfKey)
		if seed == "" {
			if !mintSeed {
				return nil, nil
			}
			seed = randomString()
			s.sessions.Put(ctx, csrfKey, seed)
		}
		binding = []string{"session", seed}
	} else {
		v := s.csrfCookieValue(c)
		if v == "" {
			if !mintCookie {
				return nil, nil
			}
			v = s.newCSRFCookie(c)
		}
		binding = []string{"anonymous", v}
	}
	keys, err := s.signingKeys(ctx)
	if err != nil {
		return nil, err
	}
	return mac(keys.csrf, binding...), nil
}

// csrfCookieValue is the anonymous CSRF cookie of the request (or the one
// this response sets), or "" when it has none of the right shape.
func (s *Server) csrfCookieValue(c echo.Context) string {
	if v, ok := c.Get(csrfCookie).(string); ok {
		return v
	}
	ck, err := c.Cookie(s.csrfCookieName())
	if err != nil {
		return ""
	}
	if b, err := base64.RawURLEncoding.DecodeString(ck.Value); err != nil || len(b) != csrfSize {
		return ""
	}
	return ck.Value
}

// newCSRFCookie sets a new anonymous CSRF cookie and returns its value; the
// rest of the request sees it. Signing in and out call it, so that no
// anonymous token made before works after.
func (s *Server) newCSRFCookie(c echo.Context) string {
	v := randomString()
	c.SetCookie(&http.Cookie{Name: s.csrfCookieName(), Value: v, Path: "/", HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	c.Set(csrfCookie, v)
	return v
}

// csrfCookieName is __Host- prefixed over HTTPS, so no sibling site can
// plant or shadow it.
func (s *Server) csrfCookieName() string {
	if s.cfg.SecureCookies {
		return "__Host-" + csrfCookie
	}
	return csrfCookie
}

func randomString() string {
	b := make([]byte, csrfSize)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// maskCSRF hides the token under a fresh random pad: pad ‖ pad⊕token,
// base64url. Every response carries different bytes; all unmask to the
// token.
func maskCSRF(raw []byte) string {
	out := make([]byte, 2*len(raw))
	pad, masked := out[:len(raw)], out[len(raw):]
	rand.Read(pad)
	subtle.XORBytes(masked, pad, raw)
	return base64.RawURLEncoding.EncodeToString(out)
}

// unmaskCSRF returns the token inside a masked one, or nil.
func unmaskCSRF(s string) []byte {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 2*csrfSize {
		return nil
	}
	raw := make([]byte, csrfSize)
	subtle.XORBytes(raw, b[:csrfSize], b[csrfSize:])
	return raw
}
