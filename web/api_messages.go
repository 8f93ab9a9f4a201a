package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/routing"
)

// apiMessages is the inbound message endpoint a channel gateway calls; it
// authenticates with the sender's inbound key, not a person's token.
//
// The answer carries the last reply's options as "choices", for a gateway
// to show as buttons (WhatsApp, Telegram); an SMS cannot, so there they
// also end the last reply as a numbered list, which the end user answers
// with a number.
func (s *Server) apiMessages(c echo.Context) error {
	var in routing.Inbound
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := in.Check(); err != nil { // normalises the channel, as Receive does
		return err
	}
	out, err := s.cfg.Routing.Receive(c.Request().Context(), in, c.Request().Header.Get("X-Inbound-Key"))
	if err != nil {
		return err
	}
	if chatbot.ChoicesInText(in.Channel) {
		out.Replies = chatbot.WithChoiceList(out.Replies, out.Choices)
	}
	return c.JSON(http.StatusOK, out)
}
