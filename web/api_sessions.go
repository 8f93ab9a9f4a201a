package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// apiSession is a session in the API.
type apiSession struct {
	ID             int64      `json:"id"`
	EndUser        string     `json:"end_user"`
	Status         string     `json:"status"`
	CloseReason    string     `json:"close_reason,omitempty"`
	OpenedAt       time.Time  `json:"opened_at"`
	LastActivityAt time.Time  `json:"last_activity_at"`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
	ReleaseID      int64      `json:"release_id,omitempty"`
	MessagesIn     int        `json:"messages_in"`
	MessagesOut    int        `json:"messages_out"`
}

// apiChatSessions is GET /api/v1/chatbots/{id}/sessions: newest first,
// with next_before to pass as before for the next page (absent on the
// last page).
func (s *Server) apiChatSessions(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, _, err := s.cfg.Chatbots.Get(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	f, err := sessionFilter(c, id, time.UTC)
	if err != nil {
		return err
	}
	list, next, err := s.cfg.Store.ChatSessions(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := struct {
		Sessions   []apiSession `json:"sessions"`
		NextBefore int64        `json:"next_before,omitempty"`
	}{Sessions: make([]apiSession, 0, len(list)), NextBefore: next}
	for _, ss := range list {
		a := apiSession{ID: ss.ID, EndUser: ss.EndUser, Status: "open", CloseReason: ss.CloseReason, OpenedAt: ss.OpenedAt,
			LastActivityAt: ss.LastActivityAt, ReleaseID: ss.ReleaseID, MessagesIn: ss.Inbound, MessagesOut: ss.Outbound}
		if !ss.Open() {
			closed := ss.ClosedAt
			a.Status, a.ClosedAt = "closed", &closed
		}
		out.Sessions = append(out.Sessions, a)
	}
	return c.JSON(http.StatusOK, out)
}
