package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
	"github.com/answers-console/answers/views"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// pathID reads the :id parameter; a malformed one is a 404, like an
// unknown one.
func pathID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, problem.New(problem.NotFound, "not_found", "There is nothing with the id %q.", c.Param("id"))
	}
	return id, nil
}

func (s *Server) usersPageData(c echo.Context, query string, add views.AddUserForm) (views.UsersData, error) {
	users, err := s.cfg.Store.SearchUsers(c.Request().Context(), query)
	if add.Role == "" {
		add.Role = "analyzer"
	}
	d := views.UsersData{Users: users, Query: query, Add: add}
	if err == nil && s.cfg.SSO != nil && rbac.Can(currentUser(c).Role, rbac.ManageSettings) {
		f := views.SSOLinkingForm{Provider: s.cfg.SSO.Name()}
		f.On, err = s.cfg.Accounts.SSOLinking(c.Request().Context())
		d.Linking = &f
	}
	return d, err
}

// setSSOLinking turns linking of provider sign-ins to password accounts
// with the same verified email on or off (admins).
func (s *Server) setSSOLinking(c echo.Context) error {
	if s.cfg.SSO == nil {
		return echo.ErrNotFound
	}
	on := formValue(c, "link") == "on"
	if err := s.cfg.Accounts.SetSSOLinking(c.Request().Context(), actor(c), on); err != nil {
		return err
	}
	said := "Sign-ins through " + s.cfg.SSO.Name() + " no longer link existing accounts."
	if on {
		said = "Sign-ins through " + s.cfg.SSO.Name() + " with a verified email now link the existing account with that email."
	}
	if isHTMX(c) {
		return s.render(c, http.StatusOK, views.SSOLinking(views.SSOLinkingForm{Provider: s.cfg.SSO.Name(), On: on, Saved: said}))
	}
	return c.Redirect(http.StatusSeeOther, "/users")
}

// usersQuery is the search, trimmed and bounded: it only ever narrows a
// list the viewer may see whole.
func usersQuery(c echo.Context) string {
	q := strings.TrimSpace(c.QueryParam("q"))
	if len(q) > 100 {
		q = q[:100]
	}
	return q
}

func (s *Server) users(c echo.Context) error {
	d, err := s.usersPageData(c, usersQuery(c), views.AddUserForm{})
	if err != nil {
		return err
	}
	if isHTMX(c) && c.Request().Header.Get("HX-Target") == "users" {
		return s.render(c, http.StatusOK, views.UsersTable(d))
	}
	return s.render(c, http.StatusOK, views.UsersPage(d))
}

func (s *Server) addUser(c echo.Context) error {
	f := views.AddUserForm{Email: formValue(c, "email"), Name: formValue(c, "name"), Role: formValue(c, "role")}
	u, password, err := s.cfg.Accounts.AddUser(c.Request().Context(), actor(c), accounts.NewUserInput{Email: f.Email, Name: f.Name, Role: f.Role})
	status := http.StatusOK
	if err != nil {
		if f.Errors, status, err = formErrors(err); err != nil {
			return err
		}
	}
	secret := views.Secret{Said: "Added " + u.Email + ".", Label: "One-time password of " + u.Email, Value: password}
	if isHTMX(c) {
		if err != nil || f.Errors != nil {
			return s.render(c, status, views.AddUser(f))
		}
		// The whole list comes back, unsearched, so that the new row is
		// in it; its one-time password shows under it.
		d, err := s.usersPageData(c, "", views.AddUserForm{Role: f.Role, Created: &views.Secret{Said: secret.Said + " Their one-time password is under their row."}})
		if err != nil {
			return err
		}
		d.Notes = map[int64]views.RowNote{u.ID: {Kind: "ok", Text: secret.Said, Secret: &secret}}
		toast(c, "ok", secret.Said)
		return s.render(c, status, views.Fragments(views.AddUser(d.Add), views.OOB(views.UsersTable(d))))
	}
	if f.Errors == nil {
		f = views.AddUserForm{Role: f.Role}
	}
	d, lerr := s.usersPageData(c, "", f)
	if lerr != nil {
		return lerr
	}
	if f.Errors == nil {
		d.Notes = map[int64]views.RowNote{u.ID: {Kind: "ok", Text: secret.Said, Secret: &secret}}
	}
	return s.render(c, status, views.UsersPage(d))
}

// userAction runs one action on a user's row and answers with the row
// (htmx) or the Users page with a flash (plain form post).
func (s *Server) userAction(c echo.Context, do func(a who.Actor, id int64) (store.User, views.RowNote, error)) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	u, note, err := do(actor(c), id)
	if p, ok := problem.As(err); ok && p.Kind != problem.NotFound && p.Kind != problem.Unauthorized {
		// A refusal is shown on the row it concerns.
		note = views.RowNote{Kind: "error", Text: p.Message}
		if u, err = s.cfg.Store.UserByID(c.Request().Context(), id); err != nil {
			return err
		}
		if isHTMX(c) {
			return s.render(c, statusOf(p.Kind), views.UserRow(u, note))
		}
		s.flash(c, "error", p.Message)
		d, err := s.usersPageData(c, "", views.AddUserForm{})
		if err != nil {
			return err
		}
		return s.render(c, statusOf(p.Kind), views.UsersPage(d))
	}
	if err != nil {
		return err
	}
	if !isHTMX(c) {
		if note.Secret != nil {
			// A one-time secret is not kept in a session; show it now,
			// under its row.
			d, err := s.usersPageData(c, "", views.AddUserForm{})
			if err != nil {
				return err
			}
			d.Notes = map[int64]views.RowNote{u.ID: note}
			return s.render(c, http.StatusOK, views.UsersPage(d))
		}
		s.flash(c, "ok", note.Text)
		return redirect(c, "/users")
	}
	return s.render(c, http.StatusOK, views.UserRow(u, note))
}

func (s *Server) changeRole(c echo.Context) error {
	return s.userAction(c, func(a who.Actor, id int64) (store.User, views.RowNote, error) {
		u, err := s.cfg.Accounts.ChangeRole(c.Request().Context(), a, id, formValue(c, "role"))
		return u, views.RowNote{Kind: "ok", Text: u.Email + " is now " + u.Role.String() + "."}, err
	})
}

func (s *Server) disableUser(c echo.Context) error {
	return s.userAction(c, func(a who.Actor, id int64) (store.User, views.RowNote, error) {
		u, err := s.cfg.Accounts.SetDisabled(c.Request().Context(), a, id, true)
		return u, views.RowNote{Kind: "ok", Text: u.Email + " is disabled and signed out."}, err
	})
}

func (s *Server) enableUser(c echo.Context) error {
	return s.userAction(c, func(a who.Actor, id int64) (store.User, views.RowNote, error) {
		u, err := s.cfg.Accounts.SetDisabled(c.Request().Context(), a, id, false)
		return u, views.RowNote{Kind: "ok", Text: u.Email + " can sign in again."}, err
	})
}

func (s *Server) resetPassword(c echo.Context) error {
	return s.userAction(c, func(a who.Actor, id int64) (store.User, views.RowNote, error) {
		u, password, err := s.cfg.Accounts.ResetPassword(c.Request().Context(), a, id)
		return u, views.RowNote{Kind: "ok", Text: "Reset the password of " + u.Email + "; they were signed out.",
			Secret: &views.Secret{Label: "One-time password of " + u.Email, Value: password}}, err
	})
}
