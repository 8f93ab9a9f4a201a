package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/senders"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/views"
)

// embedSenderOf loads the livechat sender of the path; other channels
// have no web chat to embed.
func (s *Server) embedSenderOf(c echo.Context) (store.Sender, error) {
	id, err := pathID(c)
	if err != nil {
		return store.Sender{}, err
	}
	snd, err := s.cfg.Store.SenderByID(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return snd, problem.New(problem.NotFound, "sender_not_found", "No such sender.")
	}
	if err == nil && snd.Channel != "livechat" {
		return snd, problem.New(problem.NotFound, "sender_not_livechat", "Only a livechat sender has a web chat to embed; %s %s is a %s sender.", snd.Channel, snd.Address, snd.Channel)
	}
	return snd, err
}

// embedForm is the form of a sender's saved embed settings.
func (s *Server) embedForm(c echo.Context, snd store.Sender) views.SenderEmbedForm {
	e := snd.Embed
	return views.SenderEmbedForm{Sender: snd, Origins: strings.Join(e.AllowedOrigins, "\n"), Title: e.Title,
		Accent: e.Accent, Avatar: e.Avatar, Greeting: e.Greeting, Position: e.Position,
		ThemeURL: chatTheme(snd).URL, Console: c.Scheme() + "://" + c.Request().Host}
}

// embedPageCSP lets the preview show any https avatar as it is typed
// (images only: the page's scripts and styles stay its own).
func embedPageCSP(c echo.Context) {
	c.Response().Header().Set("Content-Security-Policy", strings.Replace(consoleCSP, "img-src 'self' data:", "img-src 'self' data: https:", 1))
}

func (s *Server) senderEmbed(c echo.Context) error {
	snd, err := s.embedSenderOf(c)
	if err != nil {
		return err
	}
	embedPageCSP(c)
	return s.render(c, http.StatusOK, views.SenderEmbedPage(s.embedForm(c, snd)))
}

// saveSenderEmbed saves the form through the senders service; a refusal
// keeps what was typed with the message beside its field.
func (s *Server) saveSenderEmbed(c echo.Context) error {
	snd, err := s.embedSenderOf(c)
	if err != nil {
		return err
	}
	embedPageCSP(c)
	f := views.SenderEmbedForm{Sender: snd, Origins: formValue(c, "allowed_origins"), Title: formValue(c, "title"),
		Accent: formValue(c, "accent"), Avatar: formValue(c, "avatar"), Greeting: formValue(c, "greeting"),
		Position: formValue(c, "position"), ThemeURL: chatTheme(snd).URL, Console: c.Scheme() + "://" + c.Request().Host}
	origins := strings.Fields(strings.ReplaceAll(f.Origins, ",", " "))
	in := senders.EmbedInput{AllowedOrigins: &origins, Title: &f.Title, Accent: &f.Accent, Avatar: &f.Avatar,
		Greeting: &f.Greeting, Position: &f.Position}
	saved, err := s.cfg.Senders.SetEmbed(c.Request().Context(), actor(c), snd.ID, in)
	status := http.StatusOK
	if err != nil {
		if f.Errors, status, err = formErrors(err); err != nil {
			return err
		}
	} else {
		f = s.embedForm(c, saved)
		f.Saved = true
	}
	if !isHTMX(c) {
		if f.Saved {
			s.flash(c, "ok", "Saved the web chat of livechat "+saved.Address+".")
			return redirect(c, "/senders/"+itoa(saved.ID)+"/embed")
		}
		return s.render(c, status, views.SenderEmbedPage(f))
	}
	return s.render(c, status, views.SenderEmbed(f))
}
