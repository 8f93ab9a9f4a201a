package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/views"
)

func (s *Server) sendersTable(c echo.Context, t views.SendersTableData) (views.SendersTableData, error) {
	var err error
	t.Senders, err = s.cfg.Store.Senders(c.Request().Context())
	return t, err
}

func (s *Server) sendersPage(c echo.Context, status int, t views.SendersTableData, form views.SenderForm) error {
	t, err := s.sendersTable(c, t)
	if err != nil {
		return err
	}
	return s.render(c, status, views.SendersPage(views.SendersData{Table: t, Form: form}))
}

func (s *Server) senders(c echo.Context) error {
	return s.sendersPage(c, http.StatusOK, views.SendersTableData{}, views.SenderForm{Channel: "livechat"})
}

func (s *Server) createSender(c echo.Context) error {
	f := views.SenderForm{Channel: formValue(c, "channel"), Address: formValue(c, "address")}
	snd, err := s.cfg.Senders.Create(c.Request().Context(), actor(c), f.Channel, f.Address)
	status := http.StatusOK
	if err != nil {
		if f.Errors, status, err = formErrors(err); err != nil {
			return err
		}
	} else {
		f = views.SenderForm{Channel: snd.Channel, Created: &snd}
	}
	if !isHTMX(c) {
		if err == nil && f.Created != nil {
			s.flash(c, "ok", "Sender "+snd.Channel+" "+snd.Address+" added.")
			return redirect(c, "/senders")
		}
		return s.sendersPage(c, status, views.SendersTableData{}, f)
	}
	if f.Created != nil {
		c.Response().Header().Set("HX-Trigger", `{"senders-changed": true}`)
		// Refresh the list too, out of band.
		t, err := s.sendersTable(c, views.SendersTableData{})
		if err != nil {
			return err
		}
		return s.render(c, status, views.Fragments(views.NewSender(f), views.OOB(views.SendersTable(t))))
	}
	return s.render(c, status, views.NewSender(f))
}

// senderAction runs one action on a sender and answers with the table and
// what happened above it (htmx), or the page with a flash (plain post). A
// refused address edit stays open with what was typed and the message
// beside it.
func (s *Server) senderAction(c echo.Context, do func(id int64) (string, error)) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	said, err := do(id)
	t, status := views.SendersTableData{}, http.StatusOK
	if err != nil {
		p, ok := problem.As(err)
		if !ok || p.Kind == problem.NotFound || p.Kind == problem.Unauthorized {
			return err
		}
		status = statusOf(p.Kind)
		if p.Field == "address" {
			t = views.SendersTableData{EditID: id, EditValue: formValue(c, "address"), EditError: p.Message}
		} else {
			t = views.SendersTableData{Note: views.RowNote{Kind: "error", Text: p.Message}}
		}
	}
	if !isHTMX(c) {
		if err == nil {
			s.flash(c, "ok", said)
			return redirect(c, "/senders")
		}
		return s.sendersPage(c, status, t, views.SenderForm{Channel: "livechat"})
	}
	if t, err = s.sendersTable(c, t); err != nil {
		return err
	}
	if status == http.StatusOK {
		c.Response().Header().Set("HX-Trigger", `{"senders-changed": true, "toast": {"kind": "ok", "text": `+jsonString(said)+`}}`)
	}
	return s.render(c, status, views.SendersTable(t))
}

func jsonString(v string) string {
	b, _ := jsonMarshal(v)
	return string(b)
}

func (s *Server) regenerateSenderKey(c echo.Context) error {
	return s.senderAction(c, func(id int64) (string, error) {
		snd, err := s.cfg.Senders.RegenerateKey(c.Request().Context(), actor(c), id)
		return "Made a new inbound key for " + snd.Channel + " " + snd.Address + "; the old one no longer works.", err
	})
}

func (s *Server) updateSender(c echo.Context) error {
	return s.senderAction(c, func(id int64) (string, error) {
		snd, err := s.cfg.Senders.SetAddress(c.Request().Context(), actor(c), id, formValue(c, "address"))
		return "Saved the address of the " + snd.Channel + " sender: " + snd.Address + ".", err
	})
}

func (s *Server) deleteSender(c echo.Context) error {
	return s.senderAction(c, func(id int64) (string, error) {
		snd, err := s.cfg.Senders.Delete(c.Request().Context(), actor(c), id)
		return "Deleted the sender " + snd.Channel + " " + snd.Address + ".", err
	})
}
