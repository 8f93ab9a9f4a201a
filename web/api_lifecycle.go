package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/lifecycle"
)

// apiActivate is POST /api/v1/chatbots/{id}/activate.
func (s *Server) apiActivate(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var body struct {
		OverrideWarnings     bool   `json:"override_warnings"`
		Reason               string `json:"reason"`
		PreviousGraceSeconds *int64 `json:"previous_grace_seconds"`
		EndCurrentGrace      bool   `json:"end_current_grace"`
	}
	if c.Request().ContentLength != 0 {
		if err := decodeJSON(c, &body); err != nil {
			return err
		}
	}
	grace, err := statedSeconds(body.PreviousGraceSeconds, "previous_grace_seconds")
	if err != nil {
		return err
	}
	bot, err := s.cfg.Lifecycle.Activate(c.Request().Context(), actor(c), id, lifecycle.ActivateOptions{
		OverrideWarnings: body.OverrideWarnings, Reason: body.Reason,
		PreviousGrace: grace, EndCurrentGrace: body.EndCurrentGrace,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIChatbot(bot))
}

// apiEndGrace is POST /api/v1/chatbots/{id}/end-grace.
func (s *Server) apiEndGrace(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	bot, err := s.cfg.Lifecycle.EndGrace(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIChatbot(bot))
}

// apiDeleteChatbot is DELETE /api/v1/chatbots/{id}.
func (s *Server) apiDeleteChatbot(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.cfg.Chatbots.Delete(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// graceBody reads {"grace_seconds": n} from an API body; an empty body or
// a missing field leaves the grace unstated (0 states none).
func graceBody(c echo.Context) (lifecycle.Grace, error) {
	var body struct {
		GraceSeconds *int64 `json:"grace_seconds"`
	}
	if c.Request().ContentLength != 0 {
		if err := decodeJSON(c, &body); err != nil {
			return lifecycle.Grace{}, err
		}
	}
	return statedSeconds(body.GraceSeconds, "grace_seconds")
}

// statedSeconds reads an optional number of seconds: absent is unstated.
func statedSeconds(n *int64, field string) (lifecycle.Grace, error) {
	if n == nil {
		return lifecycle.Grace{}, nil
	}
	d, err := seconds(*n, field)
	if err != nil {
		return lifecycle.Grace{}, err
	}
	return lifecycle.GraceOf(d), nil
}

// graceAPI runs a grace transition from the JSON API, body
// {"grace_seconds": n}.
func (s *Server) graceAPI(c echo.Context, do graceAction) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	grace, err := graceBody(c)
	if err != nil {
		return err
	}
	bot, err := do(c.Request().Context(), actor(c), id, grace, "")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIChatbot(bot))
}

// apiDeactivate is POST /api/v1/chatbots/{id}/deactivate.
func (s *Server) apiDeactivate(c echo.Context) error {
	return s.graceAPI(c, s.cfg.Lifecycle.DeactivatePlanned)
}

// apiExtendGrace is POST /api/v1/chatbots/{id}/extend-grace.
func (s *Server) apiExtendGrace(c echo.Context) error { return s.graceAPI(c, s.extendAction) }

// apiRollback is POST /api/v1/chatbots/{id}/rollback.
func (s *Server) apiRollback(c echo.Context) error { return s.graceAPI(c, s.rollbackAction) }
