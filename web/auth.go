package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
	"github.com/answers-console/answers/views"
)

func actor(c echo.Context) who.Actor {
	return who.Actor{User: currentUser(c), IP: c.RealIP()}
}

// formErrors turns a service refusal into messages by form field ("" for
// the form as a whole) and its status. Other errors are returned as they
// are, for the error handler.
func formErrors(err error) (map[string]string, int, error) {
	p, ok := problem.As(err)
	if !ok {
		return nil, 0, err
	}
	return map[string]string{p.Field: p.Message}, statusOf(p.Kind), nil
}

func (s *Server) loginForm(c echo.Context) error {
	if currentUser(c).ID != 0 {
		return redirect(c, safeNext(c.QueryParam("next")))
	}
	return s.render(c, http.StatusOK, views.LoginPage(views.LoginForm{Next: c.QueryParam("next"), SSOName: s.ssoName(), PasswordOff: !s.cfg.Accounts.PasswordSignIn}))
}

func (s *Server) login(c echo.Context) error {
	f := views.LoginForm{Email: formValue(c, "email"), Next: formValue(c, "next"), SSOName: s.ssoName(), PasswordOff: !s.cfg.Accounts.PasswordSignIn}
	var device string
	if ck, err := c.Cookie(s.deviceCookieName()); err == nil {
		device = ck.Value
	}
	u, device, err := s.cfg.Accounts.SignInDevice(c.Request().Context(), f.Email, formValue(c, "password"), c.RealIP(), device)
	if err != nil {
		p, ok := problem.As(err)
		if !ok {
			return err
		}
		f.Error = p.Message
		if p.RetryAfter > 0 {
			c.Response().Header().Set("Retry-After", itoa(int64(p.RetryAfter.Seconds())+1))
		}
		return s.render(c, statusOf(p.Kind), views.LoginPage(f))
	}
	if err := s.startSession(c, u); err != nil {
		return err
	}
	// The device cookie lets this browser through later while strangers
	// slow the account down (accounts.SignInDevice).
	c.SetCookie(&http.Cookie{Name: s.deviceCookieName(), Value: device, Path: "/", MaxAge: 90 * 24 * 3600,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	return redirect(c, safeNext(f.Next))
}

// startSession signs u in on a new session token (never the one the
// browser came with, against session fixation).
func (s *Server) startSession(c echo.Context, u store.User) error {
	ctx := c.Request().Context()
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, "uid", u.ID)
	s.sessions.Put(ctx, "epoch", u.SessionEpoch)
	// RenewToken keeps the session's data: a CSRF seed made before
	// signing in must not sign this session's forms, nor the anonymous
	// cookie's tokens work again after signing out.
	s.sessions.Put(ctx, csrfKey, randomString())
	s.newCSRFCookie(c)
	return nil
}

func (s *Server) logout(c echo.Context) error {
	if err := s.cfg.Accounts.SignOut(c.Request().Context(), actor(c)); err != nil {
		return err
	}
	idToken := s.sessions.GetString(c.Request().Context(), oidcIDTokenKey)
	if err := s.sessions.Destroy(c.Request().Context()); err != nil {
		return err
	}
	// The signed-in session's seed went with it; the anonymous pages that
	// follow get a new cookie, so no token from before signing in (or
	// out) works after.
	s.newCSRFCookie(c)
	if to := s.providerSignOut(idToken); to != "" {
		// The provider ends its session too, then sends the browser back
		// to the sign-in page.
		return c.Redirect(http.StatusSeeOther, to)
	}
	s.flash(c, "ok", "You are signed out.")
	return redirect(c, "/login")
}

func (s *Server) setupForm(c echo.Context) error {
	token := c.QueryParam("token")
	if err := s.cfg.Accounts.CheckSetupToken(c.Request().Context(), token); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.SetupPage(views.SetupForm{Token: token}))
}

func (s *Server) setup(c echo.Context) error {
	f := views.SetupForm{Token: formValue(c, "token"), Email: formValue(c, "email"), Name: formValue(c, "name")}
	in := accounts.NewUserInput{Email: f.Email, Name: f.Name, Password: formValue(c, "password")}
	u, err := s.cfg.Accounts.Setup(c.Request().Context(), f.Token, in, formValue(c, "confirm"), c.RealIP())
	if p, ok := problem.As(err); ok && p.Kind == problem.Invalid {
		f.Errors, _, _ = formErrors(err)
		return s.render(c, http.StatusUnprocessableEntity, views.SetupPage(f))
	}
	if err != nil {
		return err
	}
	if err := s.startSession(c, u); err != nil {
		return err
	}
	s.flash(c, "ok", "Your admin account is ready. Add your team on the Users page.")
	return redirect(c, "/")
}

func (s *Server) home(c echo.Context) error {
	d, err := s.homeData(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.HomePage(d))
}

func (s *Server) roles(c echo.Context) error {
	return s.render(c, http.StatusOK, views.RolesPage())
}

// deviceCookieName is __Host- prefixed over HTTPS, so no sibling site can
// plant or shadow it.
func (s *Server) deviceCookieName() string {
	if s.cfg.SecureCookies {
		return "__Host-answers_device"
	}
	return "answers_device"
}
