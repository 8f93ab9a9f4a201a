package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/problem"
)

type apiAuditEntry struct {
	ID         int64          `json:"id"`
	At         time.Time      `json:"at"`
	ActorID    int64          `json:"actor_id,omitempty"`
	Actor      string         `json:"actor"`
	Action     string         `json:"action"`
	TargetType string         `json:"target_type"`
	TargetID   string         `json:"target_id"`
	TargetName string         `json:"target_name"`
	Details    map[string]any `json:"details"`
	IP         string         `json:"ip"`
	Hash       string         `json:"hash"`
}

func auditJSON(e audit.Entry) apiAuditEntry {
	return apiAuditEntry{e.ID, e.At, e.ActorID, e.ActorName, e.Action, e.TargetType, e.TargetID, e.TargetName, e.Details, e.IP, e.Hash}
}

// apiAudit is GET /api/v1/audit: the same filters, cursor pagination.
func (s *Server) apiAudit(c echo.Context) error {
	f, _, err := auditFilter(c)
	if err != nil {
		return err
	}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return problem.Field("limit", "limit must be between 1 and 500.")
		}
		f.Limit = n
	}
	p, err := s.cfg.Store.FilterAudit(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := struct {
		Entries    []apiAuditEntry `json:"entries"`
		NextCursor string          `json:"next_cursor,omitempty"`
	}{Entries: make([]apiAuditEntry, 0, len(p.Entries))}
	for _, e := range p.Entries {
		out.Entries = append(out.Entries, auditJSON(e))
	}
	if p.NextBefore > 0 {
		out.NextCursor = itoa(p.NextBefore)
	}
	return c.JSON(http.StatusOK, out)
}
