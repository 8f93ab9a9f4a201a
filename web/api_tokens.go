package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// apiUserToken is an API token as the API shows it (never the secret).
type apiUserToken struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

func (s *Server) apiUserTokens(c echo.Context) error {
	_, tokens, err := s.loadUserTokens(c)
	if err != nil {
		return err
	}
	out := make([]apiUserToken, 0, len(tokens))
	for _, t := range tokens {
		out = append(out, apiUserToken{ID: t.ID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt,
			ExpiresAt: optTime(t.ExpiresAt), LastUsedAt: optTime(t.LastUsedAt)})
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiRevokeUserToken(c echo.Context) error {
	id, tokenID, err := userTokenIDs(c)
	if err != nil {
		return err
	}
	if err := s.cfg.Accounts.RevokeUserToken(c.Request().Context(), actor(c), id, tokenID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
