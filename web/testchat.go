package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/views"
)

// testChatData is the empty test-chat panel of a chatbot.
func (s *Server) testChatData(c echo.Context, id int64, release int) (views.TestChatData, error) {
	ctx := c.Request().Context()
	_, def, err := s.cfg.Chatbots.Get(ctx, actor(c), id)
	if err != nil {
		return views.TestChatData{}, err
	}
	rels, err := s.cfg.Store.Releases(ctx, id)
	if err != nil {
		return views.TestChatData{}, err
	}
	return views.TestChatData{Base: "/chatbots/" + strconv.FormatInt(id, 10), Def: def, Releases: rels, Release: release}, nil
}

func releaseParam(v string) (int, error) {
	if v = strings.TrimSpace(v); v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, problem.Field("release", "release must be a release number, or 0 for the draft.")
	}
	return n, nil
}

// testChat takes one message of the test chat (or restarts it). An htmx
// post gets the turn to append; a plain one gets the chatbot page with the
// panel showing that turn.
func (s *Server) testChat(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	release, err := releaseParam(formValue(c, "release"))
	if err != nil {
		return err
	}
	d, err := s.testChatData(c, id, release)
	if err != nil {
		return err
	}
	if formValue(c, "restart") != "" {
		if isHTMX(c) {
			return s.render(c, http.StatusOK, views.TestChat(d))
		}
		return s.testChatPage(c, id, d, http.StatusOK)
	}
	d.Text = formValue(c, "text")
	if choice := formValue(c, "choice"); choice != "" { // an option's button
		d.Text = choice
	}
	// A conversation on the draft goes on across saves, talking to the
	// draft as saved; when the definition changed since it started, the
	// panel says so and offers a restart.
	if release == 0 {
		now := views.TalkHash(d.Def)
		if d.Hash = formValue(c, "hash"); formValue(c, "conversation") == "" || d.Hash == "" {
			d.Hash = now
		}
		d.Stale = d.Hash != now
	}
	sim, err := s.cfg.Chatbots.Simulate(c.Request().Context(), actor(c), id, chatbots.SimulateInput{
		Conversation: formValue(c, "conversation"), Text: d.Text, Release: release,
	})
	status := http.StatusOK
	if p, ok := problem.As(err); ok && p.Kind == problem.Invalid || ok && p.Code == chatbots.CodeReleaseNotFound {
		status, d.Notice = statusOf(p.Kind), p.Message
		d.Conversation = formValue(c, "conversation")
	} else if err != nil {
		return err
	} else {
		d.Turn, d.Conversation = &sim, sim.Conversation
		if sim.Ended {
			d.Hash = "" // the next message opens a new conversation
		}
	}
	if isHTMX(c) {
		return s.render(c, status, views.TestChatReply(d))
	}
	return s.testChatPage(c, id, d, status)
}

func (s *Server) testChatPage(c echo.Context, id int64, tc views.TestChatData, status int) error {
	d, err := s.editorData(c, id)
	if err != nil {
		return err
	}
	d.TestChat = tc
	return s.render(c, status, views.EditorPage(d))
}
