package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/ratelimit"
	"github.com/answers-console/answers/internal/sso"
	"github.com/answers-console/answers/views"
)

// The browser that starts a sign-in with the provider carries this cookie
// back to the callback (sso.Provider.Begin): a callback link made for
// another browser signs nobody in.
const oidcCookie = "answers_oidc"

// A network may start ssoStartsBurst sign-ins with the provider at once,
// then one every 3 seconds: people sign in a few times a day, and each
// start stores a flow for 10 minutes.
const (
	ssoStartsPerSecond = 1.0 / 3
	ssoStartsBurst     = 20
)

// oidcIDTokenKey keeps the ID token of a sign-in through the provider in
// the console session: sign-out hands it back to the provider.
const oidcIDTokenKey = "oidc_id_token"

func (s *Server) oidcCookieName() string {
	if s.cfg.SecureCookies {
		return "__Host-" + oidcCookie
	}
	return oidcCookie
}

// oidcLogin sends the browser to the provider.
func (s *Server) oidcLogin(c echo.Context) error {
	if s.cfg.SSO == nil {
		return echo.ErrNotFound
	}
	next := safeNext(c.QueryParam("next"))
	if currentUser(c).ID != 0 {
		return redirect(c, next)
	}
	// An anonymous request that writes (the flow): bounded per network.
	if ok, wait := s.ssoStarts.Allow(ratelimit.StringKey(auth.ClientKey(c.RealIP()))); !ok {
		return &problem.Error{Kind: problem.TooMany, Code: "sso_starts_limited", RetryAfter: wait,
			Message: "Too many sign-ins started from your network. Please wait a moment."}
	}
	authURL, browser, err := s.cfg.SSO.Begin(c.Request().Context(), next)
	if err != nil {
		return err
	}
	// SameSite=Lax: the provider's redirect back is a top-level GET,
	// which carries it.
	c.SetCookie(&http.Cookie{Name: s.oidcCookieName(), Value: browser, Path: "/", MaxAge: int(sso.FlowLifetime.Seconds()),
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	return c.Redirect(http.StatusSeeOther, authURL)
}

// oidcCallback completes the sign-in the provider vouched for, or says
// why not.
func (s *Server) oidcCallback(c echo.Context) error {
	if s.cfg.SSO == nil {
		return echo.ErrNotFound
	}
	cb := sso.Callback{State: c.QueryParam("state"), Code: c.QueryParam("code"),
		Error: c.QueryParam("error"), ErrorDescription: c.QueryParam("error_description"), IP: c.RealIP()}
	if ck, err := c.Cookie(s.oidcCookieName()); err == nil {
		cb.Browser = ck.Value
	}
	c.SetCookie(&http.Cookie{Name: s.oidcCookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	res, err := s.cfg.SSO.Finish(c.Request().Context(), cb)
	if p, ok := problem.As(err); ok {
		return s.render(c, statusOf(p.Kind), views.SSORefusedPage(s.cfg.SSO.Name(), p.Message))
	}
	if err != nil {
		return err
	}
	if err := s.startSession(c, res.User); err != nil {
		return err
	}
	s.sessions.Put(c.Request().Context(), oidcIDTokenKey, res.IDToken)
	return redirect(c, safeNext(res.Next))
}

// ssoName is the provider's name for the sign-in page ("" without one).
func (s *Server) ssoName() string {
	if s.cfg.SSO == nil {
		return ""
	}
	return s.cfg.SSO.Name()
}

// oidcBackchannelLogout is the provider telling the console that a person
// signed out there (OpenID Connect Back-Channel Logout 1.0): their console
// sessions end at once, on every replica (they live in the database).
func (s *Server) oidcBackchannelLogout(c echo.Context) error {
	if s.cfg.SSO == nil {
		return echo.ErrNotFound
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	err := s.cfg.SSO.LogOut(c.Request().Context(), c.FormValue("logout_token"), c.RealIP())
	if p, ok := problem.As(err); ok {
		return c.JSON(http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": p.Message})
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusOK)
}

// providerSignOut is where to send the browser after signing out of the
// console, to sign out of the provider too ("" when the session did not
// come from the provider, or it has no RP-initiated logout).
func (s *Server) providerSignOut(idToken string) string {
	if s.cfg.SSO == nil {
		return ""
	}
	return s.cfg.SSO.EndSessionURL(idToken)
}
