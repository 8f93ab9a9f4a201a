package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/handover"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
)

// The JSON API of people in the loop (SPEC §11): the same handover
// service calls, with the same checks, as the console's inbox.

// apiSender is a sender as a conversation names it.
type apiConvSender struct {
	ID      int64  `json:"id"`
	Channel string `json:"channel"`
	Address string `json:"address"`
}

// apiPerson is a person as a conversation names them.
type apiPerson struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// apiConversation is a held conversation in a list.
type apiConversation struct {
	SessionID      int64         `json:"session_id"`
	ChatbotID      int64         `json:"chatbot_id"`
	ChatbotName    string        `json:"chatbot_name"`
	Sender         apiConvSender `json:"sender"`
	EndUser        string        `json:"end_user"`
	HeldBy         string        `json:"held_by"`
	HeldSince      time.Time     `json:"held_since"`
	WaitedSeconds  int64         `json:"waited_seconds"`
	Queue          string        `json:"queue"`
	Holder         *apiPerson    `json:"holder,omitempty"`
	LastMessage    string        `json:"last_message"`
	OpenedAt       time.Time     `json:"opened_at"`
	LastActivityAt time.Time     `json:"last_activity_at"`
	// ExpiresAt is when the conversation's time runs out: for a waiting
	// one its handover deadline, for a person's its session timeout.
	ExpiresAt time.Time `json:"expires_at"`
}

// apiConversations is GET /api/v1/conversations?held_by=waiting|person&queue=…&mine=true.
func (s *Server) apiConversations(c echo.Context) error {
	f := handover.Filter{HeldBy: c.QueryParam("held_by"), Queue: c.QueryParam("queue")}
	if v := c.QueryParam("mine"); v != "" {
		mine, err := strconv.ParseBool(v)
		if err != nil {
			return problem.Field("mine", "mine must be true or false.")
		}
		f.Mine = mine
	}
	list, err := s.cfg.Handover.List(c.Request().Context(), actor(c), f)
	if err != nil {
		return err
	}
	out := make([]apiConversation, 0, len(list))
	for _, h := range list {
		a := apiConversation{SessionID: h.ID, ChatbotID: h.ChatbotID, ChatbotName: h.ChatbotName,
			Sender:  apiConvSender{ID: h.SenderID, Channel: h.Channel, Address: h.SenderAddress},
			EndUser: h.EndUser, HeldBy: h.HeldBy, HeldSince: h.HeldSince, WaitedSeconds: int64(h.Waited.Seconds()), Queue: h.Queue,
			LastMessage: h.LastInbound, OpenedAt: h.OpenedAt, LastActivityAt: h.LastActivityAt, ExpiresAt: h.ExpiresAt}
		if h.HeldUserID != 0 {
			a.Holder = &apiPerson{ID: h.HeldUserID, Name: h.HolderName}
		}
		out = append(out, a)
	}
	return c.JSON(http.StatusOK, map[string]any{"conversations": out})
}

// apiTranscriptMessage is a message of a session's transcript.
type apiTranscriptMessage struct {
	ID int64 `json:"id"`
	// Direction is "in" (the end user), "out" (the bot) or "person".
	Direction string     `json:"direction"`
	Author    *apiPerson `json:"author,omitempty"`
	Text      string     `json:"text"`
	At        time.Time  `json:"at"`
}

// apiSessionDetail is a session with its transcript.
type apiSessionDetail struct {
	ID             int64                  `json:"id"`
	ChatbotID      int64                  `json:"chatbot_id"`
	ChatbotName    string                 `json:"chatbot_name"`
	Sender         apiConvSender          `json:"sender"`
	EndUser        string                 `json:"end_user"`
	Status         string                 `json:"status"`
	CloseReason    string                 `json:"close_reason,omitempty"`
	OpenedAt       time.Time              `json:"opened_at"`
	LastActivityAt time.Time              `json:"last_activity_at"`
	ClosedAt       *time.Time             `json:"closed_at,omitempty"`
	HeldBy         string                 `json:"held_by"`
	HeldSince      *time.Time             `json:"held_since,omitempty"`
	Queue          string                 `json:"queue,omitempty"`
	Holder         *apiPerson             `json:"holder,omitempty"`
	Note           string                 `json:"note,omitempty"`
	Entry          string                 `json:"entry"`
	Dialogs        []apiDialogName        `json:"dialogs"`
	Messages       []apiTranscriptMessage `json:"messages"`
}

type apiDialogName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// apiSession is GET /api/v1/sessions/{id}.
func (s *Server) apiSession(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	d, err := s.cfg.Handover.Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPISessionDetail(d))
}

func toAPISessionDetail(d handover.Detail) apiSessionDetail {
	ss := d.Session
	out := apiSessionDetail{ID: ss.ID, ChatbotID: ss.ChatbotID, ChatbotName: d.ChatbotName,
		Sender:  apiConvSender{ID: ss.SenderID, Channel: d.Channel, Address: d.SenderAddress},
		EndUser: ss.EndUser, Status: "open", CloseReason: ss.CloseReason, OpenedAt: ss.OpenedAt, LastActivityAt: ss.LastActivityAt,
		HeldBy: heldByOrBot(ss.HeldBy), Queue: ss.Queue, Note: d.Note, Entry: d.Entry,
		Dialogs: make([]apiDialogName, 0, len(d.Dialogs)), Messages: make([]apiTranscriptMessage, 0, len(d.Transcript))}
	if !ss.Open() {
		closed := ss.ClosedAt
		out.Status, out.ClosedAt = "closed", &closed
	}
	if !ss.HeldSince.IsZero() {
		since := ss.HeldSince
		out.HeldSince = &since
	}
	if ss.HeldUserID != 0 {
		out.Holder = &apiPerson{ID: ss.HeldUserID, Name: d.HolderName}
	}
	for _, dl := range d.Dialogs {
		out.Dialogs = append(out.Dialogs, apiDialogName{ID: dl.ID, Name: dl.Name})
	}
	for _, m := range d.Transcript {
		am := apiTranscriptMessage{ID: m.ID, Direction: m.Who(), Text: m.Text, At: m.At}
		if m.AuthorID != 0 {
			am.Author = &apiPerson{ID: m.AuthorID, Name: m.Author}
		}
		out.Messages = append(out.Messages, am)
	}
	return out
}

func heldByOrBot(h string) string {
	if h == "" {
		return store.HeldByBot
	}
	return h
}

// apiHeldSession is the answer of a change: the session as it is now.
type apiHeldSession struct {
	ID        int64      `json:"id"`
	Status    string     `json:"status"`
	HeldBy    string     `json:"held_by"`
	HeldSince *time.Time `json:"held_since,omitempty"`
	Queue     string     `json:"queue,omitempty"`
	HolderID  int64      `json:"holder_id,omitempty"`
	// Replies are the bot's words when it took the conversation back
	// (resume only).
	Replies []string `json:"replies,omitempty"`
}

func toAPIHeldSession(ss store.ChatSession) apiHeldSession {
	out := apiHeldSession{ID: ss.ID, Status: "open", HeldBy: heldByOrBot(ss.HeldBy), Queue: ss.Queue, HolderID: ss.HeldUserID}
	if !ss.Open() {
		out.Status = "closed"
	}
	if !ss.HeldSince.IsZero() {
		since := ss.HeldSince
		out.HeldSince = &since
	}
	return out
}

// apiTakeSession is POST /api/v1/sessions/{id}/take.
func (s *Server) apiTakeSession(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ss, err := s.cfg.Handover.Take(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIHeldSession(ss))
}

// apiReplySession is POST /api/v1/sessions/{id}/messages {"text"}.
func (s *Server) apiReplySession(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var body struct {
		Text *string `json:"text"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if body.Text == nil {
		return problem.Field("text", "text is required: the message to send to the end user.")
	}
	m, err := s.cfg.Handover.Reply(c.Request().Context(), actor(c), id, *body.Text)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiTranscriptMessage{ID: m.ID, Direction: m.Who(), Text: m.Text, At: m.At,
		Author: &apiPerson{ID: m.AuthorID, Name: m.Author}})
}

// apiResumeSession is POST /api/v1/sessions/{id}/resume {"dialog"?}.
func (s *Server) apiResumeSession(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var body struct {
		Dialog string `json:"dialog"`
	}
	if c.Request().ContentLength != 0 {
		if err := decodeJSON(c, &body); err != nil {
			return err
		}
	}
	r, err := s.cfg.Handover.Resume(c.Request().Context(), actor(c), id, strings.TrimSpace(body.Dialog))
	if err != nil {
		return err
	}
	out := toAPIHeldSession(r.Session)
	out.Replies = r.Replies
	return c.JSON(http.StatusOK, out)
}

// apiCloseSession is POST /api/v1/sessions/{id}/close.
func (s *Server) apiCloseSession(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ss, err := s.cfg.Handover.Close(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIHeldSession(ss))
}
