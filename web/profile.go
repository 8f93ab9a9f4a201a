package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/views"
)

func (s *Server) profileData(c echo.Context) (views.ProfileData, error) {
	tokens, err := s.cfg.Store.APITokens(c.Request().Context(), currentUser(c).ID)
	return views.ProfileData{Tokens: tokens}, err
}

func (s *Server) profile(c echo.Context) error {
	d, err := s.profileData(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.ProfilePage(d))
}

// renderProfilePart answers an htmx post with the section it changed and
// a plain post with the whole page.
func (s *Server) renderProfilePart(c echo.Context, status int, d views.ProfileData, section string) error {
	if isHTMX(c) {
		if section == "password" {
			return s.render(c, status, views.PasswordForm(d.PasswordErrs, d.PasswordSaved))
		}
		return s.render(c, status, views.TokensSection(d))
	}
	return s.render(c, status, views.ProfilePage(d))
}

func (s *Server) changePassword(c echo.Context) error {
	d, err := s.profileData(c)
	if err != nil {
		return err
	}
	status := http.StatusOK
	u, err := s.cfg.Accounts.ChangeOwnPassword(c.Request().Context(), actor(c), formValue(c, "current"), formValue(c, "password"), formValue(c, "confirm"))
	if err != nil {
		if d.PasswordErrs, status, err = formErrors(err); err != nil {
			return err
		}
	} else {
		// Other sessions end with the old epoch; this one goes on, on a
		// fresh token.
		if err := s.startSession(c, u); err != nil {
			return err
		}
		d.PasswordSaved = true
	}
	return s.renderProfilePart(c, status, d, "password")
}

func (s *Server) createToken(c echo.Context) error {
	in := accounts.NewToken{Name: formValue(c, "name"), Password: formValue(c, "password")}
	if days, err := strconv.Atoi(formValue(c, "expires")); err == nil && days > 0 {
		in.ExpiresIn = time.Duration(days) * 24 * time.Hour
	} else if formValue(c, "expires") != "" && formValue(c, "expires") != "0" {
		in.ExpiresIn = -1 // refused by the service with a field message
	}
	secret, _, err := s.cfg.Accounts.CreateToken(c.Request().Context(), actor(c), currentUser(c).ID, in)
	status := http.StatusOK
	var tokenErr string
	if err != nil {
		var errs map[string]string
		if errs, status, err = formErrors(err); err != nil {
			return err
		}
		for _, m := range errs {
			tokenErr = m
		}
	}
	d, err := s.profileData(c)
	if err != nil {
		return err
	}
	d.TokenErr = tokenErr
	if secret != "" {
		d.NewToken = &views.Secret{Label: "Token", Value: secret}
	}
	return s.renderProfilePart(c, status, d, "tokens")
}

func (s *Server) revokeToken(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.cfg.Accounts.RevokeToken(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	d, err := s.profileData(c)
	if err != nil {
		return err
	}
	if !isHTMX(c) {
		s.flash(c, "ok", "Token revoked.")
		return redirect(c, "/profile")
	}
	toast(c, "ok", "Token revoked.")
	return s.renderProfilePart(c, http.StatusOK, d, "tokens")
}

// choosePassword is the page a user must pass before anything else when
// their password was set by someone else (accounts.AddUser,
// accounts.ResetPassword); the gate is in require. Anyone else may change
// their password here too.
func (s *Server) choosePassword(c echo.Context) error {
	return s.render(c, http.StatusOK, views.ChoosePasswordPage(nil))
}

func (s *Server) saveChosenPassword(c echo.Context) error {
	u, err := s.cfg.Accounts.ChangeOwnPassword(c.Request().Context(), actor(c), formValue(c, "current"), formValue(c, "password"), formValue(c, "confirm"))
	if err != nil {
		errs, status, err := formErrors(err)
		if err != nil {
			return err
		}
		return s.render(c, status, views.ChoosePasswordPage(errs))
	}
	if err := s.startSession(c, u); err != nil {
		return err
	}
	s.flash(c, "ok", "Saved your new password. Welcome, "+u.Name+".")
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", "/")
		return c.NoContent(http.StatusNoContent)
	}
	return redirect(c, "/")
}
