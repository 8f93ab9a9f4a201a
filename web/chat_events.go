package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
)

// The web chat's live stream (SPEC §10): GET /chat/<address>/events sends
// the visitor's conversation as Server-Sent Events while the page is
// open, on whichever replica the visitor reached. Each message is one
// event whose id is the message's id (a sequence within the
// conversation, see store.ConversationMessagesAfter); a browser that
// reconnects sends the last one as Last-Event-ID and gets what it missed.
// The visitor is the one the signed chat cookie names, as on the page, or
// the embedded chat's X-Chat-Visitor header; EventSource sends no headers
// of its own, so a framed page whose browser keeps no cookie for it names
// the same signed value in the visitor parameter (streamVisitor). Without
// any there is no conversation yet and the answer is 204, which tells
// EventSource not to come back (the page's script opens the stream again
// after its first message, or once it knows its visitor).

const (
	// defaultHeartbeat is how often an idle stream gets a comment, so
	// that proxies keep it open and a dead client is noticed.
	defaultHeartbeat = 25 * time.Second
	// eventWriteTimeout drops a client that does not take an event in
	// this long: a slow reader costs its own stream, never the others'.
	eventWriteTimeout = 10 * time.Second
	// eventBatch is how many messages one read of the database sends.
	eventBatch = 100
	// eventRetry is the reconnection delay the stream asks of EventSource.
	eventRetry = 3 * time.Second
)

// chatEvent is the data of one event: a message of the conversation. Its
// shape fits every speaker: direction "in" (the visitor), "out" (the
// chatbot) and later "person" (someone who took the conversation over).
type chatEvent struct {
	Seq       int64  `json:"seq"`
	Session   int64  `json:"session"`
	Direction string `json:"direction"`
	// Author names the person who wrote a "person" message.
	Author string    `json:"author,omitempty"`
	Text   string    `json:"text"`
	At     time.Time `json:"at"`
	// Notice marks the chatbot's notice that the previous conversation
	// was closed (the page shows it as a line of its own).
	Notice bool `json:"notice,omitempty"`
	// Ended marks the last message of a conversation that finished.
	Ended bool `json:"ended,omitempty"`
}

func (s *Server) chatEvents(c echo.Context) error {
	snd, err := s.chatSender(c)
	if err != nil {
		return err
	}
	if s.cfg.Live == nil {
		return echo.ErrNotFound
	}
	visitor, err := s.streamVisitor(c)
	if err != nil {
		return err
	}
	if visitor == "" {
		return c.NoContent(http.StatusNoContent)
	}
	ctx := c.Request().Context()
	after, given, err := eventStart(c)
	if err != nil {
		return err
	}
	if !given {
		// A new stream starts now: the page shows what came before.
		if after, err = s.cfg.Store.LastConversationMessage(ctx, snd.ID, visitor); err != nil {
			return err
		}
	}
	sub, err := s.cfg.Live.Subscribe(snd.ID, visitor, auth.ClientKey(c.RealIP()))
	if err != nil {
		return err
	}
	defer sub.Close()

	w := c.Response()
	rc := http.NewResponseController(w)
	// The server's read and write timeouts are for ordinary requests; a
	// stream lives until the visitor leaves, and each write has its own
	// deadline instead (TestChatEventsOutliveServerTimeouts). The read
	// deadline is lifted too: the request has no body left to read, and
	// the connection's background read must not time out under it.
	_ = rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set(echo.HeaderContentType, "text/event-stream; charset=utf-8")
	h.Set(echo.HeaderCacheControl, "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass events on at once
	w.WriteHeader(http.StatusOK)
	send := func(b []byte) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout))
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send([]byte("retry: " + strconv.FormatInt(eventRetry.Milliseconds(), 10) + "\n\n")) {
		return nil
	}
	every := s.cfg.LiveHeartbeat
	if every <= 0 {
		every = defaultHeartbeat
	}
	beat := time.NewTicker(every)
	defer beat.Stop()
	var buf []byte
	for {
		// Everything after the last event sent: a wake-up only says
		// there may be more, so a lost one loses nothing the next read
		// does not find.
		for {
			msgs, err := s.cfg.Live.Messages(ctx, snd.ID, visitor, after, eventBatch)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("chat events: reading messages", "error", err)
				}
				return nil // the browser reconnects from its last id
			}
			buf = buf[:0]
			for _, m := range msgs {
				buf = appendEvent(buf, m)
				after = m.ID
			}
			if len(buf) > 0 && !send(buf) {
				return nil
			}
			if len(msgs) < eventBatch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-sub.Done():
			return nil // the server is stopping
		case <-beat.C:
			if !send([]byte(": heartbeat\n\n")) {
				return nil
			}
		case <-sub.Wake():
		}
	}
}

// visitorParam is the events URL's parameter that carries the signed
// visitor id where neither a cookie nor a header can (EventSource in a
// frame whose browser keeps no cookie for it). It is the same value as
// the X-Chat-Visitor header, so it is as secret as the cookie: the
// request log writes the path only, never the query (logRequests).
const visitorParam = "visitor"

// streamVisitor is the visitor of an events request: the cookie's or the
// header's (visitor), else the visitor parameter's. A value this server
// did not sign is no visitor, as everywhere: the stream gets 204.
func (s *Server) streamVisitor(c echo.Context) (string, error) {
	id, err := s.visitor(c)
	if err != nil || id != "" {
		return id, err
	}
	v := c.QueryParam(visitorParam)
	if v == "" {
		return "", nil
	}
	keys, err := s.signingKeys(c.Request().Context())
	if err != nil {
		return "", err
	}
	return verifyVisitor(keys.visitor, v), nil
}

// chatSeqHeader names, on the answer to a new visitor's first message,
// the id of the last message it stored: the page's script opens its
// stream after it (?after=), so that a stream that drops before its first
// event resumes from there, not from whenever it reconnects.
const chatSeqHeader = "X-Chat-Seq"

// setChatSeq sets chatSeqHeader for a new visitor's first message, whose
// routing stored n messages (the visitor's and the replies). They are the
// first of the conversation, so its first stored messages are exactly
// these, whatever comes after them meanwhile. The message is delivered
// already: a failed read costs only the header (the stream then starts
// when it opens, as without it).
func (s *Server) setChatSeq(c echo.Context, senderID int64, visitor string, n int) {
	msgs, err := s.cfg.Store.ConversationMessagesAfter(c.Request().Context(), senderID, visitor, 0, n)
	if err != nil {
		s.log.Warn("chat: reading the first message's id", "error", err)
		return
	}
	if len(msgs) > 0 {
		c.Response().Header().Set(chatSeqHeader, strconv.FormatInt(msgs[len(msgs)-1].ID, 10))
	}
}

// webChatVisitor reports whether endUser is a web chat visitor (an id
// endUser made), the only end users with event streams.
func webChatVisitor(endUser string) bool { return strings.HasPrefix(endUser, webChatPrefix) }

// appendEvent appends message m as an event.
func appendEvent(b []byte, m store.LiveMessage) []byte {
	data, _ := json.Marshal(chatEvent{Seq: m.ID, Session: m.SessionID, Direction: m.Direction, Author: m.Author, Text: m.Text, At: m.At, Notice: m.Notice, Ended: m.Ended}) // plain fields marshal
	b = append(b, "id: "...)
	b = strconv.AppendInt(b, m.ID, 10)
	b = append(b, "\nevent: message\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}

// eventStart is where a stream starts: after the Last-Event-ID a
// reconnecting browser sends, or the after parameter the page gives
// (the last message it shows); given is false when there is neither.
func eventStart(c echo.Context) (after int64, given bool, err error) {
	v := strings.TrimSpace(c.Request().Header.Get("Last-Event-ID"))
	name := "Last-Event-ID"
	if v == "" {
		v, name = strings.TrimSpace(c.QueryParam("after")), "after"
	}
	if v == "" {
		return 0, false, nil
	}
	after, err = strconv.ParseInt(v, 10, 64)
	if err != nil || after < 0 {
		return 0, false, problem.New(problem.Invalid, "invalid_event_id", "%s must be the id of a message: a whole number, 0 or more.", name)
	}
	return after, true, nil
}
