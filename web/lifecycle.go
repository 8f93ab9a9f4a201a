package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
	"github.com/answers-console/answers/views"
)

// senderState loads what runs on a chatbot's sender.
func (s *Server) senderState(c echo.Context, bot store.Chatbot) (views.SenderState, error) {
	var st views.SenderState
	if bot.SenderID == 0 {
		return st, nil
	}
	ctx := c.Request().Context()
	if a, err := s.cfg.Store.ActiveChatbot(ctx, bot.SenderID); err == nil && a.ID != bot.ID {
		st.Active = &a
		if st.ActiveOpen, err = s.cfg.Store.CountOpenSessions(ctx, a.ID); err != nil {
			return st, err
		}
		if st.ActiveHeld, err = s.countHeld(ctx, a.ID); err != nil {
			return st, err
		}
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return st, err
	}
	if d, err := s.cfg.Store.DeactivatedChatbot(ctx, bot.SenderID); err == nil && d.ID != bot.ID {
		st.Deactivated = &d
		if st.DeactivatedOpen, err = s.cfg.Store.CountOpenSessions(ctx, d.ID); err != nil {
			return st, err
		}
		if st.DeactivatedHeld, err = s.countHeld(ctx, d.ID); err != nil {
			return st, err
		}
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return st, err
	}
	return st, nil
}

// countHeld counts the open conversations people hold or that wait for a
// person on a chatbot.
func (s *Server) countHeld(ctx context.Context, chatbotID int64) (int, error) {
	waiting, person, err := s.cfg.Store.CountHeld(ctx, chatbotID)
	return waiting + person, err
}

// graceFromForm reads the grace control: a custom value wins over a
// preset. "None" counts as a choice only with the "close N live
// conversations now" tick; without it the grace is left unstated, so the
// service refuses to close open sessions (the check is the server's, not
// only the dialog's).
func graceFromForm(c echo.Context) (lifecycle.Grace, error) {
	v := formValue(c, "grace_custom")
	if v == "" {
		v = formValue(c, "grace")
	}
	if v == "" && !c.Request().PostForm.Has("grace") {
		return lifecycle.Grace{}, nil
	}
	d, err := lifecycle.ParseGrace(v)
	if err != nil {
		return lifecycle.Grace{}, err
	}
	if d == 0 && formValue(c, "close_now") == "" {
		return lifecycle.Grace{}, nil
	}
	return lifecycle.GraceOf(d), nil
}

// consoleChoice words the advice of the service's CodeNeedsGraceChoice
// refusal for the dialog, which offers a tick rather than a number.
func consoleChoice(err error) error {
	if p, ok := problem.As(err); ok && p.Code == lifecycle.CodeNeedsGraceChoice {
		q := *p
		q.Hint = "Choose a grace period, or tick \"close them now\" to end those conversations at once."
		q.Message = p.Fact() + " " + q.Hint
		return &q
	}
	return err
}

// transition runs one lifecycle action from the chatbot page and shows the
// page again, with the refusal next to the lifecycle panel.
func (s *Server) transition(c echo.Context, done string, do func(id int64) error) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	err = do(id)
	p, refused := problem.As(err)
	if err != nil && (!refused || p.Kind == problem.Forbidden || p.Kind == problem.Unauthorized || p.Code == chatbots.CodeNotFound) {
		return err
	}
	d, lerr := s.editorData(c, id)
	if lerr != nil {
		return lerr
	}
	status := http.StatusOK
	if strings.Contains(done, "%s") {
		done = fmt.Sprintf(done, d.Bot.Name) // say which chatbot, after the fact
	}
	if refused {
		d.Error, d.FailedForm, status = p.Message, "lifecycle", statusOf(p.Kind)
		d.Grace = views.GraceInput{Preset: formValue(c, "grace"), Custom: formValue(c, "grace_custom")}
		if p.Code == lifecycle.CodeValidationErrors || p.Code == lifecycle.CodeValidationWarnings {
			// The activation recorded its test run: shown, not run again.
			if err := s.review(c, &d); err != nil {
				return err
			}
		}
	}
	if isHTMX(c) {
		if !refused {
			toast(c, "ok", done)
		}
		return s.render(c, status, views.Editor(d))
	}
	if !refused {
		s.flash(c, "ok", done)
		return redirect(c, d.Base())
	}
	return s.render(c, status, views.EditorPage(d))
}

func (s *Server) activate(c echo.Context) error {
	return s.transition(c, "Activated %s.", func(id int64) error {
		grace, err := graceFromForm(c)
		if err != nil {
			return err
		}
		_, err = s.cfg.Lifecycle.Activate(c.Request().Context(), actor(c), id, lifecycle.ActivateOptions{
			OverrideWarnings: formValue(c, "override_warnings") != "",
			Reason:           formValue(c, "reason"),
			PreviousGrace:    grace,
			EndCurrentGrace:  formValue(c, "end_current_grace") != "",
			Plan:             formValue(c, "plan"),
		})
		return consoleChoice(err)
	})
}

func (s *Server) endGrace(c echo.Context) error {
	return s.transition(c, "Ended the grace of %s; it is inactive.", func(id int64) error {
		_, err := s.cfg.Lifecycle.EndGrace(c.Request().Context(), actor(c), id)
		return err
	})
}

func (s *Server) deleteChatbot(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	bot, err := s.cfg.Store.ChatbotByID(c.Request().Context(), id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := s.cfg.Chatbots.Delete(c.Request().Context(), actor(c), id); err != nil {
		if p, ok := problem.As(err); ok && p.Code == chatbots.CodeNotDraft {
			return s.transition(c, "", func(int64) error { return err })
		}
		return err
	}
	s.flash(c, "ok", bot.Name+" deleted.")
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", "/chatbots")
		return c.NoContent(http.StatusOK)
	}
	return redirect(c, "/chatbots")
}

// drainingLimit is how many open sessions the draining view lists.
const drainingLimit = 20

// drainingSessions are the open sessions a chatbot in grace lists.
func (s *Server) drainingSessions(c echo.Context, bot store.Chatbot) ([]store.ChatSession, error) {
	if bot.Status != store.StatusDeactivated {
		return nil, nil
	}
	open := true
	list, _, err := s.cfg.Store.ChatSessions(c.Request().Context(), store.SessionFilter{ChatbotID: bot.ID, Open: &open, Limit: drainingLimit})
	return list, err
}

// draining answers the draining view's poll: the fresh count and sessions,
// or a page reload once the chatbot is no longer in grace. Opened directly
// (not by htmx), it is the whole chatbot page.
func (s *Server) draining(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if !isHTMX(c) {
		d, err := s.editorData(c, id)
		if err != nil {
			return err
		}
		return s.render(c, http.StatusOK, views.EditorPage(d))
	}
	bot, def, err := s.cfg.Chatbots.Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	if bot.Status != store.StatusDeactivated {
		c.Response().Header().Set("HX-Refresh", "true")
		return c.NoContent(http.StatusOK)
	}
	open, err := s.cfg.Store.CountOpenSessions(c.Request().Context(), id)
	if err != nil {
		return err
	}
	list, err := s.drainingSessions(c, bot)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.Draining(views.EditorData{Bot: bot, Def: def, OpenSessions: open, Draining: list}))
}

// graceAction is a transition that takes a grace period and, from the
// console, the plan its dialog showed.
type graceAction func(ctx context.Context, a who.Actor, id int64, grace lifecycle.Grace, plan string) (store.Chatbot, error)

func (s *Server) extendAction(ctx context.Context, a who.Actor, id int64, grace lifecycle.Grace, _ string) (store.Chatbot, error) {
	return s.cfg.Lifecycle.ExtendGrace(ctx, a, id, grace.Duration())
}

func (s *Server) rollbackAction(ctx context.Context, a who.Actor, id int64, grace lifecycle.Grace, _ string) (store.Chatbot, error) {
	return s.cfg.Lifecycle.Rollback(ctx, a, id, grace)
}

// graceForm runs a grace transition from a console form.
func (s *Server) graceForm(c echo.Context, done string, do graceAction) error {
	return s.transition(c, done, func(id int64) error {
		grace, err := graceFromForm(c)
		if err != nil {
			return err
		}
		_, err = do(c.Request().Context(), actor(c), id, grace, formValue(c, "plan"))
		return consoleChoice(err)
	})
}

func (s *Server) deactivate(c echo.Context) error {
	return s.graceForm(c, "Deactivated %s.", s.cfg.Lifecycle.DeactivatePlanned)
}

func (s *Server) extendGrace(c echo.Context) error {
	return s.graceForm(c, "Extended the grace of %s.", s.extendAction)
}

func (s *Server) rollback(c echo.Context) error {
	return s.graceForm(c, "Rolled back: %s is active again.", s.rollbackAction)
}
