package web

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/routing"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/views"
)

const (
	chatCookie    = "answers_chat"
	webChatPrefix = "web-"
)

// chatSender finds the livechat sender of the page's address.
func (s *Server) chatSender(c echo.Context) (store.Sender, error) {
	snd, err := s.cfg.Store.InboundSender(c.Request().Context(), "livechat", c.Param("address"))
	if errors.Is(err, store.ErrNotFound) {
		return snd, problem.New(problem.NotFound, "unknown_chat", "There is no chat at this address.")
	}
	return snd, err
}

// endUser is the web chat visitor's id: the one in the chat cookie when
// this server signed it, or a new one, signed and set in the cookie. Only
// ids the web chat itself makes are taken back: a visitor who sets the
// cookie to an end user of the inbound API (a phone number), or to
// another visitor's id, must not continue, or read, that conversation;
// and a made-up id is a new visitor, under the new-conversation limit,
// not a returning one.
func (s *Server) endUser(c echo.Context) (string, error) {
	id, err := s.visitor(c)
	if err != nil || id != "" {
		return id, err
	}
	keys, err := s.signingKeys(c.Request().Context())
	if err != nil {
		return "", err
	}
	id = webChatPrefix + auth.RandomToken(12)
	signed := signVisitor(keys.visitor, id)
	ck := &http.Cookie{
		Name: s.chatCookieName(), Value: signed, Path: "/chat/", HttpOnly: true, Secure: s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode, Expires: time.Now().Add(90 * 24 * time.Hour),
	}
	if isEmbed(c) {
		// Inside another site's frame: a cookie of that site's partition
		// (CHIPS), which the browser sends in the cross-site frame — over
		// HTTPS only (SameSite=None needs Secure). Wherever the browser
		// keeps no such cookie, the embedded page keeps the signed id
		// from this header instead.
		if s.cfg.SecureCookies {
			ck.SameSite, ck.Partitioned = http.SameSiteNoneMode, true
		}
		c.Response().Header().Set(chatVisitorHeader, signed)
	}
	c.SetCookie(ck)
	// Later calls in this request see the visitor it now is.
	c.Set(ctxVisitor, id)
	return id, nil
}

// ctxVisitor is where endUser leaves the id of a visitor it just made.
const ctxVisitor = "chatVisitor"

// visitor is the id of the visitor in the chat cookie when this server
// signed it, or "" (no cookie, or a cookie it did not sign: a new
// visitor). Without a cookie, the embedded chat's X-Chat-Visitor header
// (the same signed value) stands in for it.
func (s *Server) visitor(c echo.Context) (string, error) {
	if id, ok := c.Get(ctxVisitor).(string); ok {
		return id, nil
	}
	var value string
	if ck, err := c.Cookie(s.chatCookieName()); err == nil {
		value = ck.Value
	}
	if value == "" {
		value = c.Request().Header.Get(chatVisitorHeader)
	}
	if value == "" {
		return "", nil
	}
	keys, err := s.signingKeys(c.Request().Context())
	if err != nil {
		return "", err
	}
	return verifyVisitor(keys.visitor, value), nil
}

// signVisitor is the chat cookie's value for visitor id: the id, a dot
// and its MAC. The id alone is what the database keeps (end_user), so the
// console, which shows it, never shows a usable cookie.
func signVisitor(key []byte, id string) string {
	return id + "." + base64.RawURLEncoding.EncodeToString(mac(key, "visitor", id)[:visitorMACSize])
}

// visitorMACSize is the length of a visitor id's MAC: 128 bits.
const visitorMACSize = 16

// verifyVisitor returns the id of a cookie value signVisitor made with
// key, or "".
func verifyVisitor(key []byte, value string) string {
	id, sig, ok := strings.Cut(value, ".")
	if !ok || !validWebChatID(id) {
		return ""
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac(key, "visitor", id)[:visitorMACSize]) {
		return ""
	}
	return id
}

// validWebChatID reports whether id has the shape endUser gives ids.
func validWebChatID(id string) bool {
	token, ok := strings.CutPrefix(id, webChatPrefix)
	if !ok || len(token) < 12 || len(token) > 64 {
		return false
	}
	for _, r := range token {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func (s *Server) chatPage(c echo.Context) error {
	snd, err := s.chatSender(c)
	if err != nil {
		return err
	}
	setChatHeaders(c, snd)
	d := views.ChatData{Sender: snd, Embed: isEmbed(c), Theme: chatTheme(snd)}
	ctx := c.Request().Context()
	// Showing the page makes no visitor: an id is given with the first
	// message that passes the new-conversation limit, so ids cannot be
	// collected by the thousand to post as returning visitors.
	visitor, err := s.visitor(c)
	if err != nil {
		return err
	}
	if visitor != "" {
		sess, err := s.cfg.Store.OpenChatSession(ctx, snd.ID, visitor)
		if err == nil {
			if d.Messages, err = s.cfg.Store.Transcript(ctx, sess.ID); err != nil {
				return err
			}
			d.Choices = stateChoices(sess.State)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if d.Embed && isHTMX(c) {
		// The embedded page asks again with its stored visitor id when
		// the browser sent it no cookie.
		return s.render(c, http.StatusOK, views.ChatLog(d))
	}
	return s.render(c, http.StatusOK, views.ChatPage(d))
}

func (s *Server) chatSend(c echo.Context) error {
	snd, err := s.chatSender(c)
	if err != nil {
		return err
	}
	setChatHeaders(c, snd)
	text := formValue(c, "text")
	d := views.ChatData{Sender: snd, Embed: isEmbed(c), Theme: chatTheme(snd)}
	status := http.StatusOK
	// The visitor's own limits come first, so a flood is refused as the
	// flooder's before it can spend the sender's budget; a refused new
	// visitor gets no cookie and no session.
	// Only a cookie this server signed makes a returning visitor;
	// anything else is a new one, under the new-conversation limit.
	visitor, err := s.visitor(c)
	if err != nil {
		return err
	}
	newVisitor := visitor == ""
	err = s.chatLimits.allow(visitor, newVisitor, c.RealIP())
	var out routing.Outcome
	if err == nil {
		if visitor, err = s.endUser(c); err != nil {
			return err
		}
		out, err = s.cfg.Routing.Route(c.Request().Context(), snd, visitor, text)
	}
	if p, ok := problem.As(err); ok {
		status = statusOf(p.Kind)
		d.Notice = "Your message could not be delivered: " + p.Message
		switch p.Code {
		case routing.CodeNoActiveChatbot:
			d.Notice = "Nobody is answering on this chat right now. Please try again later."
		case routing.CodeRateLimited:
			d.Notice = "This chat is very busy right now and your message was not delivered. Please send it again in a moment."
		case codeChatNewLimited, codeChatNetworkLimited, codeChatVisitorLimited:
			d.Notice = "Your message was not delivered: " + p.Message
		}
		if p.RetryAfter > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(p.RetryAfter)))
		}
	} else if err != nil {
		return err
	} else {
		d.Messages = append(d.Messages, store.Message{Direction: "in", Text: text})
		replies := out.Replies
		if out.PreviousSessionClosed != nil && len(replies) > 0 {
			// The notice that the previous conversation ended is a system
			// line, not the chatbot speaking.
			d.Messages = append(d.Messages, store.Message{Direction: views.SystemLine, Text: replies[0]})
			replies = replies[1:]
		}
		for _, r := range replies {
			d.Messages = append(d.Messages, store.Message{Direction: "out", Text: r})
		}
		d.Ended = out.SessionClosed
		d.Choices = out.Choices
		if newVisitor && isHTMX(c) {
			s.setChatSeq(c, snd.ID, visitor, 1+len(out.Replies))
		}
	}
	if isHTMX(c) {
		return s.render(c, status, views.ChatReply(d))
	}
	if status != http.StatusOK {
		return s.render(c, status, views.ChatPage(d))
	}
	return redirect(c, views.ChatPageURL(snd.Address, d.Embed))
}

// stateChoices are the choices a session's stored engine state waits
// with (a buttons element's labels), none if it cannot be read.
func stateChoices(state []byte) []string {
	var st chatbot.State
	if json.Unmarshal(state, &st) != nil {
		return nil
	}
	return st.Choices
}

// chatCookieName prefixes the web-chat cookie with __Secure- over HTTPS, so
// that no plain-HTTP page of this host (or a sibling) can plant or
// overwrite it. (__Host- would also pin it to this host, but demands
// Path=/ and the cookie belongs to /chat/ only.)
func (s *Server) chatCookieName() string {
	if s.cfg.SecureCookies {
		return "__Secure-" + chatCookie
	}
	return chatCookie
}
