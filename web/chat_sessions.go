package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/views"
)

// chatSessions is a chatbot's session list, filtered and paged by the same
// query as the API (dates are days in the viewer's zone); a refused filter
// is shown under its field. An htmx request gets the list alone.
func (s *Server) chatSessions(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	bot, _, err := s.cfg.Chatbots.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	state := q.Get("status")
	if state == "" {
		state = q.Get("state")
	}
	d := views.SessionsData{Bot: bot, Now: time.Now(),
		Query: views.SessionsQuery{Status: state, EndUser: strings.TrimSpace(q.Get("end_user")), Reason: q.Get("reason"), From: q.Get("from"), To: q.Get("to"),
			Fallback: q.Get("fallback") != "" && q.Get("fallback") != "0" && q.Get("fallback") != "false"}}
	status := http.StatusOK
	f, err := sessionFilter(c, id, viewerZone(c))
	if err != nil {
		if d.Errors, status, err = formErrors(err); err != nil {
			return err
		}
	} else {
		d.Query.Before = f.Before
		if q.Get("limit") != "" {
			d.Query.Limit = f.Limit
		}
		if d.Sessions, d.Next, err = s.cfg.Store.ChatSessions(ctx, f); err != nil {
			return err
		}
	}
	if isHTMX(c) && c.Request().Header.Get("HX-Target") == "sessions-list" {
		return s.render(c, status, views.SessionsList(d))
	}
	return s.render(c, status, views.SessionsPage(d))
}

func (s *Server) transcript(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	bot, _, err := s.cfg.Chatbots.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	sid, err := strconv.ParseInt(c.Param("session"), 10, 64)
	notFound := problem.New(problem.NotFound, "session_not_found", "This chatbot has no session %q.", c.Param("session"))
	if err != nil {
		return notFound
	}
	sess, err := s.cfg.Store.ChatSessionByID(ctx, sid)
	if errors.Is(err, store.ErrNotFound) || (err == nil && sess.ChatbotID != bot.ID) {
		// A session of another chatbot is not shown under this one.
		return notFound
	}
	if err != nil {
		return err
	}
	msgs, err := s.cfg.Store.Transcript(ctx, sid)
	if err != nil {
		return err
	}
	var rel store.Release
	if sess.ReleaseID != 0 {
		if rel, err = s.cfg.Store.ReleaseByID(ctx, sess.ReleaseID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return s.render(c, http.StatusOK, views.TranscriptPage(views.NewTranscript(bot, sess, rel, msgs, viewerZone(c), time.Now())))
}
