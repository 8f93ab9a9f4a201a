package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
)

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// logRequests writes one structured line per request, with its request id.
// An inbound message that was answered (the gateways' traffic, thousands a
// second; counted by /metrics) is logged at debug level only, so it costs
// nothing at the default level; a refused one is logged like any request.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		res := c.Response()
		level := slog.LevelInfo
		switch {
		case res.Status >= 500:
			level = slog.LevelError
		case res.Status < 400 && c.Path() == inboundPath:
			level = slog.LevelDebug
		}
		if !s.log.Enabled(c.Request().Context(), level) {
			return nil
		}
		s.log.LogAttrs(c.Request().Context(), level, "request",
			slog.String("request_id", res.Header().Get(echo.HeaderXRequestID)),
			slog.String("method", c.Request().Method),
			slog.String("path", c.Request().URL.Path),
			slog.Int("status", res.Status),
			slog.Duration("duration", time.Since(start)),
			slog.String("ip", c.RealIP()),
			slog.Int64("user_id", currentUser(c).ID),
		)
		return nil
	}
}

// withSession loads the scs session around the handler. Errors are
// rendered inside, so the session is saved with the error page.
func (s *Server) withSession(next echo.HandlerFunc) echo.HandlerFunc {
	return echo.WrapMiddleware(s.sessions.LoadAndSave)(func(c echo.Context) error {
		c.Set("sessionLoaded", true)
		if err := next(c); err != nil {
			c.Error(err)
		}
		return nil
	})
}

// loadUser reads the signed-in user from the session on every request, so
// that a role change, a disabled account or a password reset takes effect
// at once.
func (s *Server) loadUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		id := s.sessions.GetInt64(ctx, "uid")
		if id == 0 {
			return next(c)
		}
		u, err := s.cfg.Store.UserByID(ctx, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		switch {
		case err != nil, !u.Active(), u.SessionEpoch != s.sessions.GetInt64(ctx, "epoch"):
			// The account is gone, disabled, or its password changed:
			// this session ends now.
			if err := s.sessions.Destroy(ctx); err != nil {
				return err
			}
			if err == nil && !u.Active() {
				s.flash(c, "error", "Your account has been disabled.")
			} else {
				s.flash(c, "error", "Your session has ended. Please sign in again.")
			}
			return next(c)
		}
		c.Set(ctxUser, u)
		return next(c)
	}
}

// bearerAuth authenticates API requests with a personal API token.
func (s *Server) bearerAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return problem.New(problem.Unauthorized, "unauthenticated", "Send a personal API token as Authorization: Bearer <token>.")
		}
		u, err := s.cfg.Accounts.AuthenticateToken(c.Request().Context(), strings.TrimSpace(token))
		if err != nil {
			return err
		}
		c.Set(ctxUser, u)
		return next(c)
	}
}

// require checks the route's permission. Anonymous people are sent to the
// sign-in page (API callers get 401); signed-in people without the
// permission get 403.
func require(perm rbac.Permission, api bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if perm == rbac.Public {
				return next(c)
			}
			u := currentUser(c)
			if u.ID == 0 {
				if api {
					return problem.New(problem.Unauthorized, "unauthenticated", "Sign in first.")
				}
				return toLogin(c)
			}
			if !api && u.MustChangePassword && !openBeforePasswordChange(c) {
				return toChoosePassword(c)
			}
			if !rbac.Can(u.Role, perm) {
				return problem.New(problem.Forbidden, "forbidden", "Your role (%s) does not allow this.", u.Role)
			}
			return next(c)
		}
	}
}

// openBeforePasswordChange lists the console routes a user who must
// choose a password may use: the page that asks for it and signing out.
// API tokens are not concerned: they were made by the user, with a
// password of their own.
func openBeforePasswordChange(c echo.Context) bool {
	switch c.Path() {
	case "/password", "/logout":
		return true
	}
	return false
}

// toChoosePassword sends a user who must choose a password to the page
// that asks for it; htmx requests are told to load it.
func toChoosePassword(c echo.Context) error {
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", "/password")
		return c.NoContent(http.StatusForbidden)
	}
	if c.Request().Method != http.MethodGet {
		return problem.New(problem.Forbidden, "password_change_required", "Choose your own password first, on /password.")
	}
	return c.Redirect(http.StatusSeeOther, "/password")
}

// toLogin sends an anonymous visitor to the sign-in page and back here
// afterwards. htmx requests are told to load the page instead.
func toLogin(c echo.Context) error {
	next := c.Request().URL.RequestURI()
	if c.Request().Method != http.MethodGet {
		next = "/"
	}
	to := "/login?next=" + url.QueryEscape(next)
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", to)
		return c.NoContent(http.StatusUnauthorized)
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.ContainsAny(next, "\\") {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f {
			return "/" // browsers drop tabs and newlines: "/\t/evil" would become "//evil"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}
