package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/views"
)

func (s *Server) chatSessions(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	bot, _, err := s.cfg.Chatbots.Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	f, err := sessionFilter(c, id)
	if err != nil {
		return err
	}
	d := views.SessionsData{Bot: bot}
	if f.Open != nil {
		d.Filter = map[bool]string{true: "open", false: "closed"}[*f.Open]
	}
	if d.Sessions, d.Next, err = s.cfg.Store.ChatSessions(c.Request().Context(), f); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.SessionsPage(d))
}

func (s *Server) transcript(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	bot, _, err := s.cfg.Chatbots.Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	sid, err := strconv.ParseInt(c.Param("session"), 10, 64)
	notFound := problem.New(problem.NotFound, "session_not_found", "This chatbot has no session %q.", c.Param("session"))
	if err != nil {
		return notFound
	}
	sess, err := s.cfg.Store.ChatSessionByID(c.Request().Context(), sid)
	if errors.Is(err, store.ErrNotFound) || (err == nil && sess.ChatbotID != bot.ID) {
		// A session of another chatbot is not shown under this one.
		return notFound
	}
	if err != nil {
		return err
	}
	msgs, err := s.cfg.Store.Transcript(c.Request().Context(), sid)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.TranscriptPage(bot, sess, msgs))
}
