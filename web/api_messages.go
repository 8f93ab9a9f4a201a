package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/routing"
)

// apiMessages is the inbound message endpoint a channel gateway calls; it
// authenticates with the sender's inbound key, not a person's token.
func (s *Server) apiMessages(c echo.Context) error {
	var in routing.Inbound
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.cfg.Routing.Receive(c.Request().Context(), in, c.Request().Header.Get("X-Inbound-Key"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
