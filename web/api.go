package web

import (
	"net/http"
	"time"

	"github.com/answers-console/answers/internal/chatbot"

	"github.com/labstack/echo/v4"
)

// apiUser is a user as the JSON API shows it.
type apiUser struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
}

// apiMe answers who the token belongs to.
func (s *Server) apiMe(c echo.Context) error {
	u := currentUser(c)
	return c.JSON(http.StatusOK, apiUser{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role.String()})
}

// apiChatbot is a chatbot as SPEC §6 shows it.
type apiChatbot struct {
	ID                    int64               `json:"id"`
	Name                  string              `json:"name"`
	Status                string              `json:"status"`
	Draft                 bool                `json:"draft"`
	Channel               string              `json:"channel"`
	SenderID              *int64              `json:"sender_id"`
	SessionTimeoutSeconds int                 `json:"session_timeout_seconds"`
	GraceEndsAt           *time.Time          `json:"grace_ends_at"`
	CreatedAt             time.Time           `json:"created_at"`
	UpdatedAt             time.Time           `json:"updated_at"`
	Language              string              `json:"language"`
	Version               int64               `json:"version"`
	Definition            *chatbot.Definition `json:"definition,omitempty"`
	// FamilyID is the id of the family's first chatbot; FamilyVersion the
	// N of its "vN"; BasedOnID the chatbot this version was made from.
	FamilyID      int64  `json:"family_id"`
	FamilyVersion int    `json:"family_version"`
	BasedOnID     *int64 `json:"based_on_id"`
	// Revisions fingerprint the parts of the definition an edit may be
	// scoped to (PUT /chatbots/{id}/dialogs/{dialog}); with details only.
	Revisions *apiRevisions `json:"revisions,omitempty"`
}

// apiRevisions are the revisions of a chatbot's parts (chatbots.Revision).
type apiRevisions struct {
	Settings string            `json:"settings"`
	Tests    string            `json:"tests"`
	Dialogs  map[string]string `json:"dialogs"`
}
