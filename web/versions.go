package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/views"
)

// newVersion makes the next version of a chatbot's family and opens it in
// the editor.
func (s *Server) newVersion(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	bot, err := s.cfg.Chatbots.NewVersion(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	s.flash(c, "ok", bot.Name+" is the new version: inactive and editable. Make your changes, validate, then compare it with what is live.")
	return redirect(c, "/chatbots/"+itoa(bot.ID))
}

// releasePage shows one release: its definition, full hash, validation
// report, override reason, who activated it and when, and the
// conversation-test results at activation. An htmx request aimed at
// #release gets the release alone.
func (s *Server) releasePage(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	number, err := strconv.Atoi(c.Param("number"))
	if err != nil || number <= 0 {
		return problem.New(problem.NotFound, chatbots.CodeReleaseNotFound, "There is no release %q.", c.Param("number"))
	}
	bot, rel, err := s.cfg.Chatbots.Release(c.Request().Context(), actor(c), id, number)
	if err != nil {
		return err
	}
	latest, err := s.cfg.Store.LatestRelease(c.Request().Context(), id)
	if err != nil {
		return err
	}
	d := views.ReleaseData{Bot: bot, Release: rel, Latest: latest.Number}
	if isHTMX(c) && c.Request().Header.Get("HX-Target") == "release" {
		return s.render(c, http.StatusOK, views.ReleaseView(d))
	}
	return s.render(c, http.StatusOK, views.ReleasePage(d))
}

// rawOrNull is stored JSON for an API answer: null when there is none.
func rawOrNull(b []byte) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}
