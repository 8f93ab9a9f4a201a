package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/views"
)

// setClosedNotice saves the chatbot's notice to end users whose previous
// conversation was closed, from the chatbot page: the same service call as
// PUT /api/v1/chatbots/{id}/closed-notice. A refusal keeps what was typed
// beside its message.
func (s *Server) setClosedNotice(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	text := formValue(c, "closed_notice")
	err = s.cfg.Chatbots.SetClosedNotice(c.Request().Context(), actor(c), id, text)
	p, refused := problem.As(err)
	if err != nil && (!refused || p.Kind == problem.NotFound || p.Kind == problem.Forbidden || p.Kind == problem.Unauthorized) {
		return err
	}
	d, err := s.editorData(c, id)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if refused {
		d.Error, d.FailedForm, d.ClosedNotice, status = p.Message, "closed-notice", text, statusOf(p.Kind)
		if p.Code == chatbots.CodeNotEditable {
			// A read-only chatbot shows its notice as text: the refusal
			// goes to the top, as the editor's own do.
			d.FailedForm, d.ClosedNotice = "", ""
			if d.ClosedNotice, err = s.cfg.Chatbots.ClosedNotice(c.Request().Context(), actor(c), id); err != nil {
				return err
			}
		}
	}
	said := "Saved the notice after a closed conversation of " + d.Bot.Name + "."
	if !refused && d.ClosedNotice == "" {
		said = d.Bot.Name + " sends the default notice after a closed conversation."
	}
	if isHTMX(c) {
		if !refused {
			toast(c, "ok", said)
		}
		return s.render(c, status, views.Editor(d))
	}
	if !refused {
		s.flash(c, "ok", said)
		return redirect(c, d.Base()+"#closed-notice")
	}
	return s.render(c, status, views.EditorPage(d))
}
