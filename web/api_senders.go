package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
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

type apiSender struct {
	ID         int64  `json:"id"`
	Channel    string `json:"channel"`
	Address    string `json:"address"`
	InboundKey string `json:"inbound_key,omitempty"`
}

func toAPISender(c echo.Context, snd store.Sender) apiSender {
	out := apiSender{ID: snd.ID, Channel: snd.Channel, Address: snd.Address}
	if rbac.Can(currentUser(c).Role, rbac.ActivateChatbots) {
		out.InboundKey = snd.InboundKey
	}
	return out
}

func (s *Server) apiSenders(c echo.Context) error {
	list, err := s.cfg.Store.Senders(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]apiSender, 0, len(list))
	for _, snd := range list {
		out = append(out, toAPISender(c, snd.Sender))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiCreateSender(c echo.Context) error {
	var body struct {
		Channel string `json:"channel"`
		Address string `json:"address"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	snd, err := s.cfg.Senders.Create(c.Request().Context(), actor(c), body.Channel, body.Address)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAPISender(c, snd))
}
