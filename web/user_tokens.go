package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/views"
)

// userTokens shows another user's API tokens to an admin, or to a manager
// for users at or below their role (accounts.UserTokens decides).
func (s *Server) userTokens(c echo.Context) error {
	u, tokens, err := s.loadUserTokens(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.UserTokensPage(views.UserTokensData{User: u, Tokens: tokens}))
}

func (s *Server) revokeUserToken(c echo.Context) error {
	id, tokenID, err := userTokenIDs(c)
	if err != nil {
		return err
	}
	if err := s.cfg.Accounts.RevokeUserToken(c.Request().Context(), actor(c), id, tokenID); err != nil {
		return err
	}
	s.flash(c, "ok", "Token revoked.")
	return redirect(c, "/users/"+strconv.FormatInt(id, 10)+"/tokens")
}

func (s *Server) loadUserTokens(c echo.Context) (store.User, []store.APIToken, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return store.User{}, nil, echo.ErrNotFound
	}
	tokens, err := s.cfg.Accounts.UserTokens(c.Request().Context(), actor(c), id)
	if err != nil {
		return store.User{}, nil, err
	}
	u, err := s.cfg.Store.UserByID(c.Request().Context(), id)
	return u, tokens, err
}

func userTokenIDs(c echo.Context) (int64, int64, error) {
	id, err1 := strconv.ParseInt(c.Param("id"), 10, 64)
	tokenID, err2 := strconv.ParseInt(c.Param("token"), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, problem.New(problem.NotFound, "not_found", "No such token.")
	}
	return id, tokenID, nil
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
