package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/views"
)

const chatCookie = "answers_chat"

// chatSender finds the livechat sender of the page's address.
func (s *Server) chatSender(c echo.Context) (store.Sender, error) {
	snd, err := s.cfg.Store.SenderByAddress(c.Request().Context(), "livechat", c.Param("address"))
	if errors.Is(err, store.ErrNotFound) {
		return snd, problem.New(problem.NotFound, "unknown_chat", "There is no chat at this address.")
	}
	return snd, err
}

// endUser is the web chat visitor's id, remembered in a cookie.
func (s *Server) endUser(c echo.Context) string {
	if ck, err := c.Cookie(chatCookie); err == nil && len(ck.Value) >= 10 && len(ck.Value) <= 64 {
		return ck.Value
	}
	id := "web-" + auth.RandomToken(12)
	c.SetCookie(&http.Cookie{
		Name: chatCookie, Value: id, Path: "/chat/", HttpOnly: true, Secure: s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode, Expires: time.Now().Add(90 * 24 * time.Hour),
	})
	return id
}

func (s *Server) chatPage(c echo.Context) error {
	snd, err := s.chatSender(c)
	if err != nil {
		return err
	}
	d := views.ChatData{Sender: snd}
	ctx := c.Request().Context()
	sess, err := s.cfg.Store.OpenChatSession(ctx, snd.ID, s.endUser(c))
	if err == nil {
		if d.Messages, err = s.cfg.Store.Transcript(ctx, sess.ID); err != nil {
			return err
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return s.render(c, http.StatusOK, views.ChatPage(d))
}

func (s *Server) chatSend(c echo.Context) error {
	snd, err := s.chatSender(c)
	if err != nil {
		return err
	}
	text := formValue(c, "text")
	d := views.ChatData{Sender: snd}
	status := http.StatusOK
	out, err := s.cfg.Runtime.Route(c.Request().Context(), snd, s.endUser(c), text)
	if p, ok := problem.As(err); ok {
		status = statusOf(p.Kind)
		d.Notice = "Your message could not be delivered: " + p.Message
		switch p.Code {
		case "no_active_chatbot":
			d.Notice = "Nobody is answering on this chat right now. Please try again later."
		case "rate_limited":
			d.Notice = "This chat is very busy right now and your message was not delivered. Please send it again in a moment."
		}
		if p.RetryAfter > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(p.RetryAfter)))
		}
	} else if err != nil {
		return err
	} else {
		d.Messages = append(d.Messages, store.Message{Direction: "in", Text: text})
		for _, r := range out.Replies {
			d.Messages = append(d.Messages, store.Message{Direction: "out", Text: r})
		}
		d.Ended = out.SessionClosed
	}
	if isHTMX(c) {
		return s.render(c, status, views.ChatMessages(d))
	}
	if status != http.StatusOK {
		return s.render(c, status, views.ChatPage(d))
	}
	return redirect(c, "/chat/"+snd.Address)
}
