package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/views"
)

func (s *Server) sendersPage(c echo.Context, status int, form views.SenderForm) error {
	list, err := s.cfg.Store.Senders(c.Request().Context())
	if err != nil {
		return err
	}
	return s.render(c, status, views.SendersPage(views.SendersData{Senders: list, Form: form}))
}

func (s *Server) senders(c echo.Context) error {
	return s.sendersPage(c, http.StatusOK, views.SenderForm{Channel: "livechat"})
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
		return s.sendersPage(c, status, f)
	}
	if f.Created != nil {
		c.Response().Header().Set("HX-Trigger", `{"senders-changed": true}`)
		// Refresh the list too, out of band.
		list, err := s.cfg.Store.Senders(c.Request().Context())
		if err != nil {
			return err
		}
		return s.render(c, status, views.Fragments(views.NewSender(f), views.OOB(views.SendersTable(list))))
	}
	return s.render(c, status, views.NewSender(f))
}

func (s *Server) regenerateSenderKey(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, err := s.cfg.Senders.RegenerateKey(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	if !isHTMX(c) {
		s.flash(c, "ok", "New inbound key made; the old one no longer works.")
		return redirect(c, "/senders")
	}
	list, err := s.cfg.Store.Senders(c.Request().Context())
	if err != nil {
		return err
	}
	toast(c, "ok", "New inbound key made; the old one no longer works.")
	return s.render(c, http.StatusOK, views.SendersTable(list))
}
