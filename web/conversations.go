package web

import (
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/handover"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/views"
)

// The Conversations inbox (SPEC §11): the console's side of the handover
// service, the same calls and checks as /api/v1/conversations and
// /api/v1/sessions/{id}/….

// inboxData reads one view of the inbox.
func (s *Server) inboxData(c echo.Context) (views.InboxData, error) {
	d := views.InboxData{View: c.QueryParam("view"), Queue: strings.TrimSpace(c.QueryParam("queue")), Now: time.Now()}
	f := handover.Filter{Queue: d.Queue}
	switch d.View {
	case "", views.InboxWaiting:
		d.View, f.HeldBy = views.InboxWaiting, store.HeldByWaiting
	case views.InboxMine:
		f.Mine = true
	case views.InboxAll:
	default:
		return d, problem.Field("view", "Show the conversations that are waiting, yours, or all held (view=waiting, mine or all).")
	}
	ctx := c.Request().Context()
	// The version first: a change between the two reads shows at the
	// next refresh rather than never.
	var err error
	if d.Version, err = s.cfg.Store.InboxVersion(ctx); err != nil {
		return d, err
	}
	if d.List, err = s.cfg.Handover.List(ctx, actor(c), f); err != nil {
		return d, err
	}
	if d.Counts, err = s.cfg.Handover.Count(ctx, actor(c)); err != nil {
		return d, err
	}
	all := d.List
	if d.View != views.InboxAll || d.Queue != "" {
		if all, err = s.cfg.Handover.List(ctx, actor(c), handover.Filter{}); err != nil {
			return d, err
		}
	}
	seen := map[string]bool{}
	for _, h := range all {
		if h.Queue != "" && !seen[h.Queue] {
			seen[h.Queue] = true
			d.Queues = append(d.Queues, h.Queue)
		}
	}
	sort.Strings(d.Queues)
	return d, nil
}

// inbox is GET /conversations; as an htmx request for the list (the live
// refresh), only the list and the navigation's count.
func (s *Server) inbox(c echo.Context) error {
	d, err := s.inboxData(c)
	if err != nil {
		return err
	}
	if isHTMX(c) && c.Request().Header.Get("HX-Target") == "inbox" {
		return s.render(c, http.StatusOK, views.InboxList(d))
	}
	return s.render(c, http.StatusOK, views.InboxPage(d))
}

// conversationData reads a conversation for its page.
func (s *Server) conversationData(c echo.Context) (views.ConversationData, error) {
	id, err := pathID(c)
	if err != nil {
		return views.ConversationData{}, err
	}
	ctx := c.Request().Context()
	version, err := s.cfg.Store.ConversationVersion(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		version, err = "", nil // Get says it is not there
	}
	if err != nil {
		return views.ConversationData{}, err
	}
	det, err := s.cfg.Handover.Get(ctx, actor(c), id)
	if err != nil {
		return views.ConversationData{}, err
	}
	return views.NewConversation(det, currentUser(c).ID, version, viewerZone(c), time.Now()), nil
}

// conversation is GET /conversations/:id.
func (s *Server) conversation(c echo.Context) error {
	d, err := s.conversationData(c)
	if err != nil {
		return err
	}
	if isHTMX(c) && c.Request().Header.Get("HX-Target") == "conversation-live" {
		return s.render(c, http.StatusOK, views.ConversationLive(d))
	}
	return s.render(c, http.StatusOK, views.ConversationPage(d))
}

// conversationRefused shows the conversation again with what was refused
// (a take someone else won, an empty reply, an unknown dialog); an
// error that is no refusal is returned as it is.
func (s *Server) conversationRefused(c echo.Context, err error, reply, dialog string) error {
	p, ok := problem.As(err)
	if !ok || p.Kind == problem.NotFound || p.Kind == problem.Forbidden {
		return err
	}
	d, derr := s.conversationData(c)
	if derr != nil {
		return derr
	}
	d.Reply, d.Dialog = reply, dialog
	field := p.Field
	if field != "text" && field != "dialog" {
		field = ""
	}
	d.Errors = map[string]string{field: p.Message}
	return s.render(c, statusOf(p.Kind), views.ConversationPage(d))
}

// takeConversation is POST /conversations/:id/take.
func (s *Server) takeConversation(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, err := s.cfg.Handover.Take(c.Request().Context(), actor(c), id); err != nil {
		return s.conversationRefused(c, err, "", "")
	}
	s.flash(c, "ok", "You hold the conversation now: the chatbot stays silent until you hand it back.")
	return redirect(c, "/conversations/"+itoa(id))
}

// replyConversation is POST /conversations/:id/messages.
func (s *Server) replyConversation(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	text := formValue(c, "text")
	if _, err := s.cfg.Handover.Reply(c.Request().Context(), actor(c), id, text); err != nil {
		return s.conversationRefused(c, err, text, "")
	}
	return redirect(c, "/conversations/"+itoa(id))
}

// resumeConversation is POST /conversations/:id/resume: the chatbot takes
// the conversation back at its entry or the chosen dialog.
func (s *Server) resumeConversation(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	dialog := formValue(c, "dialog")
	if _, err := s.cfg.Handover.Resume(c.Request().Context(), actor(c), id, dialog); err != nil {
		return s.conversationRefused(c, err, "", dialog)
	}
	s.flash(c, "ok", "The chatbot has the conversation again.")
	return redirect(c, "/conversations/"+itoa(id))
}

// closeConversation is POST /conversations/:id/close.
func (s *Server) closeConversation(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, err := s.cfg.Handover.Close(c.Request().Context(), actor(c), id); err != nil {
		return s.conversationRefused(c, err, "", "")
	}
	s.flash(c, "ok", "The conversation is closed.")
	return redirect(c, "/conversations/"+itoa(id))
}

// inboxPoll is how often an open inbox stream reads the version of what
// it follows. Reading it is one small indexed query; a poll (rather than
// a notification per change) sees every change the same way, whichever
// replica, sweeper or routing round made it.
const inboxPoll = time.Second

// conversationEvents is GET /conversations/events: Server-Sent Events
// that tell an open inbox (or, with session, one conversation's page)
// that what it shows changed; the page then fetches it again. version is
// what the page shows; the first event comes as soon as it differs. A
// request that does not accept text/event-stream gets the version now,
// as JSON, and no stream.
func (s *Server) conversationEvents(c echo.Context) error {
	ctx := c.Request().Context()
	var session int64
	if v := c.QueryParam("session"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return problem.Field("session", "session must be the id of a conversation.")
		}
		session = n
	}
	version := c.QueryParam("version")
	if v := c.Request().Header.Get("Last-Event-ID"); v != "" {
		version = v
	}
	if len(version) > 200 {
		return problem.Field("version", "version is what the page shows, as the page was given it.")
	}
	read := func() (string, error) {
		if session != 0 {
			return s.cfg.Store.ConversationVersion(ctx, session)
		}
		return s.cfg.Store.InboxVersion(ctx)
	}
	// Only someone who may read the conversations gets their stream (the
	// route asks the permission; Get asks it again for a session).
	if session != 0 {
		if _, err := s.cfg.Handover.Get(ctx, actor(c), session); err != nil {
			return err
		}
	} else if _, err := s.cfg.Handover.Count(ctx, actor(c)); err != nil {
		return err
	}
	if !strings.Contains(c.Request().Header.Get(echo.HeaderAccept), "text/event-stream") {
		// Not an EventSource: the version now, once (a poll).
		v, err := read()
		if errors.Is(err, store.ErrNotFound) {
			return problem.New(problem.NotFound, handover.CodeNotFound, "There is no conversation %d.", session)
		}
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"version": v, "changed": v != version})
	}
	var done <-chan struct{}
	if s.cfg.Live != nil {
		// The hub counts the stream against its limits and ends it when
		// the server stops.
		sub, err := s.cfg.Live.Subscribe(0, "console:"+itoa(currentUser(c).ID), auth.ClientKey(c.RealIP()))
		if err != nil {
			return err
		}
		defer sub.Close()
		done = sub.Done()
	}

	w := c.Response()
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set(echo.HeaderContentType, "text/event-stream; charset=utf-8")
	h.Set(echo.HeaderCacheControl, "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(b string) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout))
		if _, err := w.Write([]byte(b)); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send("retry: " + strconv.FormatInt(eventRetry.Milliseconds(), 10) + "\n\n") {
		return nil
	}
	poll := time.NewTicker(inboxPoll)
	defer poll.Stop()
	every := s.cfg.LiveHeartbeat
	if every <= 0 {
		every = defaultHeartbeat
	}
	beat := time.NewTicker(every)
	defer beat.Stop()
	for {
		v, err := read()
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("conversation events: reading the version", "error", err)
			}
			return nil // the browser reconnects
		}
		if v != version {
			version = v
			if !send("id: " + v + "\nevent: changed\ndata: " + v + "\n\n") {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-done:
			return nil
		case <-beat.C:
			if !send(": heartbeat\n\n") {
				return nil
			}
		case <-poll.C:
		}
	}
}
