package web

import (
	"bytes"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/views"
)

// Context keys set by the middleware.
const (
	ctxUser = "user"
)

// currentUser is the signed-in user, or the zero User.
func currentUser(c echo.Context) store.User {
	u, _ := c.Get(ctxUser).(store.User)
	return u
}

// isHTMX reports whether the request wants a fragment: an htmx request that
// is neither boosted nor a history restore.
func isHTMX(c echo.Context) bool {
	h := c.Request().Header
	return h.Get("HX-Request") == "true" && h.Get("HX-Boosted") != "true" && h.Get("HX-History-Restore-Request") != "true"
}

// varyOnHTMX tells caches that a page and its fragment differ.
func varyOnHTMX(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Add("Vary", "HX-Request")
		return next(c)
	}
}

// pageContext puts the per-request page data into the request context, for
// the components to read.
//
// A refusal (status 400 and up) shows the session's CSRF token if it has
// one but does not make one: a flood of refused requests must not write a
// session row each. (Anonymous tokens are bound to a cookie and cost no
// write at all.) Without the signing key (the database does not answer)
// the page goes without a token rather than not at all: it may be the
// error page saying so.
func (s *Server) pageContext(c echo.Context, status int) *http.Request {
	r := c.Request()
	csrf, err := s.csrfToken(c, status < 400)
	if err != nil {
		s.log.Warn("no CSRF token for the page", "err", err)
	}
	p := views.Page{User: currentUser(c), CSRF: csrf, Path: r.URL.Path, Asset: s.assets.URL}
	if p.User.ID != 0 && rbac.Can(p.User.Role, rbac.WorkConversations) && !isHTMX(c) && status < 400 {
		// The navigation's count of conversations waiting for a person.
		if n, _, err := s.cfg.Store.CountHeld(r.Context(), 0); err == nil {
			p.Waiting = n
		} else if r.Context().Err() == nil {
			s.log.Warn("counting the waiting conversations", "err", err)
		}
	}
	if s.sessions != nil && c.Get("sessionLoaded") != nil {
		if text := s.sessions.PopString(r.Context(), "flash"); text != "" {
			p.Flash = views.Flash{Kind: s.sessions.PopString(r.Context(), "flash_kind"), Text: text}
		}
	}
	return r.WithContext(views.WithPage(r.Context(), p))
}

// render writes a component with status. It renders into a buffer first,
// so that a template error never leaves half a page.
func (s *Server) render(c echo.Context, status int, comp templ.Component) error {
	r := s.pageContext(c, status)
	var buf bytes.Buffer
	if err := comp.Render(r.Context(), &buf); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

// flash stores a message for the next page.
func (s *Server) flash(c echo.Context, kind, text string) {
	ctx := c.Request().Context()
	s.sessions.Put(ctx, "flash", text)
	s.sessions.Put(ctx, "flash_kind", kind)
}

// redirect answers a plain form post with 303 See Other.
func redirect(c echo.Context, to string) error {
	return c.Redirect(http.StatusSeeOther, to)
}

// toast asks the page to show a message after an htmx swap (app.js
// listens for the "toast" event).
func toast(c echo.Context, kind, text string) {
	b, _ := jsonMarshal(map[string]map[string]string{"toast": {"kind": kind, "text": text}})
	c.Response().Header().Set("HX-Trigger", string(b))
}

// formValue reads a field of the request body only, never the query
// string: a link cannot smuggle form values into a POST.
func formValue(c echo.Context, name string) string {
	return c.Request().PostFormValue(name)
}
