package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/views"
)

// diffParams reads ?against= and ?release=.
func diffParams(c echo.Context) (int64, int, error) {
	var against int64
	if v := c.QueryParam("against"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return 0, 0, problem.Field("against", "against must be a chatbot id.")
		}
		against = n
	}
	release, err := releaseParam(c.QueryParam("release"))
	return against, release, err
}

// compare is the page comparing a chatbot with another version or a
// release. Without ?against= it offers the choice.
func (s *Server) compare(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	bot, _, err := s.cfg.Chatbots.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	choices, _, err := s.cfg.Store.Chatbots(ctx, store.ChatbotFilter{Sort: "name", Limit: 500})
	if err != nil {
		return err
	}
	family, err := s.cfg.Chatbots.Family(ctx, actor(c), bot)
	if err != nil {
		return err
	}
	d := views.CompareData{Bot: bot, Choices: choices, Family: family}
	against, release, err := diffParams(c)
	status := http.StatusOK
	if p, ok := problem.As(err); ok {
		d.Error, status = p.Message, statusOf(p.Kind)
	} else if err != nil {
		return err
	} else if against != 0 {
		d.Against, d.Release = against, release
		res, err := s.cfg.Chatbots.Diff(ctx, actor(c), id, against, release)
		if p, ok := problem.As(err); ok && (p.Kind == problem.Invalid || p.Kind == problem.NotFound) {
			d.Error, status = p.Message, statusOf(p.Kind)
		} else if err != nil {
			return err
		} else {
			d.Result = &res
		}
	}
	return s.render(c, status, views.ComparePage(d))
}
