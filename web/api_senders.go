package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/senders"
	"github.com/answers-console/answers/internal/store"
)

// apiUpdateSender changes a sender: PATCH {"address", "allowed_origins",
// "appearance": {"title", "accent", "avatar", "greeting", "position"}},
// each optional; the last two only for livechat senders. All of it is
// saved, or (422, the field named) none.
func (s *Server) apiUpdateSender(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var body struct {
		Address        *string   `json:"address"`
		AllowedOrigins *[]string `json:"allowed_origins"`
		Appearance     *struct {
			Title    *string `json:"title"`
			Accent   *string `json:"accent"`
			Avatar   *string `json:"avatar"`
			Greeting *string `json:"greeting"`
			Position *string `json:"position"`
		} `json:"appearance"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	u := senders.Update{Address: body.Address}
	if body.AllowedOrigins != nil || body.Appearance != nil {
		u.Embed = &senders.EmbedInput{AllowedOrigins: body.AllowedOrigins}
		if a := body.Appearance; a != nil {
			u.Embed.Title, u.Embed.Accent, u.Embed.Avatar, u.Embed.Greeting, u.Embed.Position = a.Title, a.Accent, a.Avatar, a.Greeting, a.Position
		}
	}
	snd, err := s.cfg.Senders.Update(c.Request().Context(), actor(c), id, u)
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
	// Livechat senders only: the sites allowed to embed the web chat, and
	// its appearance ("" is the default of each).
	AllowedOrigins *[]string      `json:"allowed_origins,omitempty"`
	Appearance     *apiAppearance `json:"appearance,omitempty"`
}

type apiAppearance struct {
	Title    string `json:"title"`
	Accent   string `json:"accent"`
	Avatar   string `json:"avatar"`
	Greeting string `json:"greeting"`
	Position string `json:"position"`
}

func toAPISender(c echo.Context, snd store.Sender) apiSender {
	out := apiSender{ID: snd.ID, Channel: snd.Channel, Address: snd.Address}
	if snd.Channel == "livechat" {
		e := snd.Embed
		origins := append([]string{}, e.AllowedOrigins...)
		position := e.Position
		if position == "" {
			position = senders.PositionRight
		}
		out.AllowedOrigins = &origins
		out.Appearance = &apiAppearance{Title: e.Title, Accent: e.Accent, Avatar: e.Avatar, Greeting: e.Greeting, Position: position}
	}
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
