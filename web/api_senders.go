package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// apiUpdateSender changes a sender's address: PATCH {"address"}.
func (s *Server) apiUpdateSender(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var body struct {
		Address string `json:"address"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	snd, err := s.cfg.Senders.SetAddress(c.Request().Context(), actor(c), id, body.Address)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPISender(c, snd))
}

// apiDeleteSender deletes a sender nothing uses; 409 with the reason
// otherwise.
func (s *Server) apiDeleteSender(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, err := s.cfg.Senders.Delete(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
