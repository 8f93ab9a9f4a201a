package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/webhooks"
	"github.com/answers-console/answers/views"
)

// webhookForm reads the endpoint form into the service's input; a sender
// that is not a number is refused beside its field.
func webhookForm(c echo.Context, edit bool) (views.WebhookForm, webhooks.Input, error) {
	f := views.WebhookForm{URL: formValue(c, "url"), Events: formValue(c, "events"), SenderID: formValue(c, "sender_id"),
		Description: formValue(c, "description"), Enabled: formValue(c, "enabled") != ""}
	var events []string
	for _, e := range strings.Split(f.Events, ",") {
		if e = strings.TrimSpace(e); e != "" {
			events = append(events, e)
		}
	}
	in := webhooks.Input{URL: &f.URL, Events: &events, Description: &f.Description}
	if edit {
		in.Enabled = &f.Enabled
	}
	var sender int64
	if f.SenderID != "" {
		var err error
		if sender, err = strconv.ParseInt(f.SenderID, 10, 64); err != nil || sender < 0 {
			return f, in, problem.Field("sender_id", "Choose a sender from the list.")
		}
	}
	in.SenderID = &sender
	return f, in, nil
}

func formOf(ep store.WebhookEndpoint) views.WebhookForm {
	return views.WebhookForm{URL: ep.URL, Events: strings.Join(ep.Events, ", "), SenderID: strconv.FormatInt(ep.SenderID, 10),
		Description: ep.Description, Enabled: ep.Enabled}
}

func (s *Server) webhooksData(c echo.Context, f views.WebhookForm) (views.WebhooksData, error) {
	ctx := c.Request().Context()
	list, err := s.cfg.Webhooks.List(ctx, actor(c))
	if err != nil {
		return views.WebhooksData{}, err
	}
	snd, err := s.cfg.Store.Senders(ctx)
	return views.WebhooksData{Endpoints: list, Senders: snd, Form: f, Now: time.Now()}, err
}

func (s *Server) webhooksPage(c echo.Context) error {
	d, err := s.webhooksData(c, views.WebhookForm{Events: "*"})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.WebhooksPage(d))
}

// createWebhook adds an endpoint and opens its page with the secret,
// shown this once (rendered, not redirected: a flash would store it).
func (s *Server) createWebhook(c echo.Context) error {
	f, in, err := webhookForm(c, false)
	var ep store.WebhookEndpoint
	if err == nil {
		ep, err = s.cfg.Webhooks.Create(c.Request().Context(), actor(c), in)
	}
	if err != nil {
		var status int
		if f.Errors, status, err = formErrors(err); err != nil {
			return err
		}
		d, err := s.webhooksData(c, f)
		if err != nil {
			return err
		}
		if isHTMX(c) {
			return s.render(c, status, views.WebhooksBody(d))
		}
		return s.render(c, status, views.WebhooksPage(d))
	}
	note := views.RowNote{Kind: "ok", Text: "Endpoint added.", Secret: &views.Secret{Label: "Signing secret", Value: ep.Secret}}
	return s.webhookPageWith(c, ep.ID, http.StatusCreated, note, nil, true)
}

// webhookPageWith renders an endpoint's page (or, for htmx, its body)
// with a note and the form as typed when errors refused it.
func (s *Server) webhookPageWith(c echo.Context, id int64, status int, note views.RowNote, form *views.WebhookForm, full bool) error {
	ctx := c.Request().Context()
	ep, err := s.cfg.Webhooks.Get(ctx, actor(c), id)
	if err != nil {
		return err
	}
	attempts, err := s.cfg.Webhooks.Attempts(ctx, actor(c), id, 0, 100)
	if err != nil {
		return err
	}
	snd, err := s.cfg.Store.Senders(ctx)
	if err != nil {
		return err
	}
	d := views.WebhookData{Endpoint: ep, Senders: snd, Form: formOf(ep), Attempts: attempts, Note: note, Now: time.Now()}
	if form != nil {
		d.Form = *form
	}
	if isHTMX(c) {
		if full {
			// A new endpoint: its page body takes the list's place, at
			// its own address.
			c.Response().Header().Set("HX-Retarget", "#webhooks")
			c.Response().Header().Set("HX-Push-Url", "/webhooks/"+strconv.FormatInt(id, 10))
		}
		return s.render(c, status, views.WebhookBody(d))
	}
	return s.render(c, status, views.WebhookPage(d))
}

func (s *Server) webhookPage(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return s.webhookPageWith(c, id, http.StatusOK, views.RowNote{}, nil, false)
}

// webhookAction runs one action on an endpoint and answers with its page
// body and what happened (htmx), or the page with a flash (plain post).
// A refusal with a field keeps the form as typed with the message beside
// it.
func (s *Server) webhookAction(c echo.Context, do func(id int64) (views.RowNote, *views.WebhookForm, error)) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	note, form, err := do(id)
	status := http.StatusOK
	if err != nil {
		p, ok := problem.As(err)
		if !ok || p.Kind == problem.NotFound || p.Kind == problem.Unauthorized || p.Kind == problem.Forbidden {
			return err
		}
		status = statusOf(p.Kind)
		if form == nil {
			form = &views.WebhookForm{}
			if ep, gerr := s.cfg.Webhooks.Get(c.Request().Context(), actor(c), id); gerr == nil {
				*form = formOf(ep)
			}
		}
		if p.Field != "" {
			form.Errors = map[string]string{p.Field: p.Message}
		}
		note = views.RowNote{Kind: "error", Text: p.Message}
	} else if !isHTMX(c) && note.Secret == nil {
		s.flash(c, note.Kind, note.Text)
		return redirect(c, "/webhooks/"+strconv.FormatInt(id, 10))
	}
	return s.webhookPageWith(c, id, status, note, form, false)
}

func (s *Server) updateWebhook(c echo.Context) error {
	return s.webhookAction(c, func(id int64) (views.RowNote, *views.WebhookForm, error) {
		f, in, err := webhookForm(c, true)
		if err == nil {
			_, err = s.cfg.Webhooks.Update(c.Request().Context(), actor(c), id, in)
		}
		return views.RowNote{Kind: "ok", Text: "Endpoint saved."}, &f, err
	})
}

func (s *Server) rotateWebhook(c echo.Context) error {
	return s.webhookAction(c, func(id int64) (views.RowNote, *views.WebhookForm, error) {
		ep, err := s.cfg.Webhooks.Rotate(c.Request().Context(), actor(c), id)
		return views.RowNote{Kind: "ok", Text: "New secret made. Messages carry a signature by each secret for 24 hours.",
			Secret: &views.Secret{Label: "New signing secret", Value: ep.Secret}}, nil, err
	})
}

func (s *Server) testWebhook(c echo.Context) error {
	return s.webhookAction(c, func(id int64) (views.RowNote, *views.WebhookForm, error) {
		err := s.cfg.Webhooks.SendTest(c.Request().Context(), actor(c), id)
		return views.RowNote{Kind: "ok", Text: "A webhook.test event is on its way: it shows in the delivery log once tried."}, nil, err
	})
}

func (s *Server) resendWebhook(c echo.Context) error {
	return s.webhookAction(c, func(id int64) (views.RowNote, *views.WebhookForm, error) {
		dl, err := strconv.ParseInt(c.Param("delivery"), 10, 64)
		if err != nil || dl <= 0 {
			return views.RowNote{}, nil, problem.New(problem.NotFound, "delivery_not_found", "There is no delivery %q.", c.Param("delivery"))
		}
		err = s.cfg.Webhooks.Resend(c.Request().Context(), actor(c), id, dl)
		return views.RowNote{Kind: "ok", Text: "Sent again shortly, with the same webhook-id."}, nil, err
	})
}

func (s *Server) replayWebhook(c echo.Context) error {
	return s.webhookAction(c, func(id int64) (views.RowNote, *views.WebhookForm, error) {
		v := formValue(c, "since")
		since, err := time.Parse("2006-01-02T15:04", v)
		if err != nil {
			since, err = time.Parse("2006-01-02T15:04:05", v) // a browser with seconds in its step
		}
		if err != nil {
			return views.RowNote{}, nil, problem.Field("since", "Choose a date and time to replay failed deliveries from.")
		}
		n, err := s.cfg.Webhooks.Replay(c.Request().Context(), actor(c), id, since)
		return views.RowNote{Kind: "ok", Text: "Failed deliveries queued again: " + strconv.FormatInt(n, 10) + "."}, nil, err
	})
}

func (s *Server) deleteWebhook(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.cfg.Webhooks.Delete(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	s.flash(c, "ok", "Endpoint deleted.")
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", "/webhooks")
		return c.NoContent(http.StatusOK)
	}
	return redirect(c, "/webhooks")
}
