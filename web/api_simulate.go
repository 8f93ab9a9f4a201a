package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/chatbots"
)

type apiSimulateBody struct {
	Conversation string `json:"conversation"`
	Text         string `json:"text"`
	Release      int    `json:"release"`
}

// apiSimulate is one message of a test chat over the API.
func (s *Server) apiSimulate(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var b apiSimulateBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	out, err := s.cfg.Chatbots.Simulate(c.Request().Context(), actor(c), id, chatbots.SimulateInput(b))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiTest runs a chatbot's conversation tests over the API.
func (s *Server) apiTest(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	run, err := s.cfg.Chatbots.RunTests(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, run)
}
