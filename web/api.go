package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// apiUser is a user as the JSON API shows it.
type apiUser struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
}

// apiMe answers who the token belongs to.
func (s *Server) apiMe(c echo.Context) error {
	u := currentUser(c)
	return c.JSON(http.StatusOK, apiUser{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role.String()})
}
