package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/routing"
)

// apiClosedNoticeBody is a chatbot's notice to end users whose previous
// conversation a deactivation, grace end or cascade closed.
type apiClosedNoticeBody struct {
	// Text is what end users get: the chatbot's own wording or the default.
	Text string `json:"text"`
	// Default says Text is the default wording.
	Default bool `json:"default"`
}

func closedNoticeBody(text string) apiClosedNoticeBody {
	if text == "" {
		return apiClosedNoticeBody{Text: routing.DefaultClosedNotice, Default: true}
	}
	return apiClosedNoticeBody{Text: text}
}

// apiClosedNotice is GET /api/v1/chatbots/{id}/closed-notice.
func (s *Server) apiClosedNotice(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	text, err := s.cfg.Chatbots.ClosedNotice(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, closedNoticeBody(text))
}

// apiSetClosedNotice is PUT /api/v1/chatbots/{id}/closed-notice, body
// {"text": "..."}; an empty text restores the default.
func (s *Server) apiSetClosedNotice(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var body struct {
		Text *string `json:"text"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if body.Text == nil {
		return problem.Field("text", "Send {\"text\": \"...\"}; an empty text restores the default.")
	}
	ctx := c.Request().Context()
	if err := s.cfg.Chatbots.SetClosedNotice(ctx, actor(c), id, *body.Text); err != nil {
		return err
	}
	text, err := s.cfg.Chatbots.ClosedNotice(ctx, actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, closedNoticeBody(text))
}
