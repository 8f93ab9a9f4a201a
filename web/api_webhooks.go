package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/webhooks"
)

type apiWebhook struct {
	ID             int64    `json:"id"`
	URL            string   `json:"url"`
	Events         []string `json:"events"`
	SenderID       *int64   `json:"sender_id"`
	Description    string   `json:"description"`
	Enabled        bool     `json:"enabled"`
	DisabledReason string   `json:"disabled_reason,omitempty"`
	FailingSince   string   `json:"failing_since,omitempty"`
	// Secret is in the answer of a create and of a rotation only.
	Secret string `json:"secret,omitempty"`
	// PreviousSecretUntil: a rotated-out secret still signs until then.
	PreviousSecretUntil string `json:"previous_secret_until,omitempty"`
	CreatedAt           string `json:"created_at"`
	UpdatedAt           string `json:"updated_at"`
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func toAPIWebhook(ep store.WebhookEndpoint, withSecret bool) apiWebhook {
	out := apiWebhook{ID: ep.ID, URL: ep.URL, Events: ep.Events, Description: ep.Description, Enabled: ep.Enabled,
		DisabledReason: ep.DisabledReason, FailingSince: rfc3339(ep.FailingSince),
		CreatedAt: rfc3339(ep.CreatedAt), UpdatedAt: rfc3339(ep.UpdatedAt)}
	if ep.SenderID != 0 {
		out.SenderID = &ep.SenderID
	}
	if withSecret {
		out.Secret = ep.Secret
	}
	if ep.PreviousSecret != "" && time.Now().Before(ep.PreviousUntil) {
		out.PreviousSecretUntil = rfc3339(ep.PreviousUntil)
	}
	return out
}

func (s *Server) apiWebhooks(c echo.Context) error {
	list, err := s.cfg.Webhooks.List(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	out := make([]apiWebhook, 0, len(list))
	for _, ep := range list {
		out = append(out, toAPIWebhook(ep, false))
	}
	return c.JSON(http.StatusOK, out)
}

// apiCreateWebhook: {"url", "events", "sender_id"?, "description"} → 201
// with the secret, shown this once.
func (s *Server) apiCreateWebhook(c echo.Context) error {
	var in webhooks.Input
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ep, err := s.cfg.Webhooks.Create(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAPIWebhook(ep, true))
}

func (s *Server) apiWebhook(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ep, err := s.cfg.Webhooks.Get(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIWebhook(ep, false))
}

func (s *Server) apiUpdateWebhook(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in webhooks.Input
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ep, err := s.cfg.Webhooks.Update(c.Request().Context(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIWebhook(ep, false))
}

func (s *Server) apiDeleteWebhook(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.cfg.Webhooks.Delete(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiRotateWebhook gives the endpoint a new secret (in the answer, once);
// the old one signs too for 24 hours.
func (s *Server) apiRotateWebhook(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ep, err := s.cfg.Webhooks.Rotate(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIWebhook(ep, true))
}

func (s *Server) apiTestWebhook(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.cfg.Webhooks.SendTest(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]any{"queued": true})
}

type apiWebhookAttempt struct {
	ID         int64  `json:"id"`
	DeliveryID int64  `json:"delivery_id"`
	EventID    int64  `json:"event_id"`
	WebhookID  string `json:"webhook_id"`
	Event      string `json:"event"`
	Attempt    int    `json:"attempt"`
	At         string `json:"at"`
	Status     int    `json:"status"`
	LatencyMS  int64  `json:"latency_ms"`
	Response   string `json:"response"`
	Error      string `json:"error"`
	State      string `json:"delivery_state"`
}

// apiWebhookDeliveries is the endpoint's delivery log, newest first
// (?before=<id>&limit=N).
func (s *Server) apiWebhookDeliveries(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var before int64
	if v := c.QueryParam("before"); v != "" {
		if before, err = strconv.ParseInt(v, 10, 64); err != nil || before < 0 {
			return problem.Field("before", "before is the id of a log row, a whole number.")
		}
	}
	limit := 50
	if v := c.QueryParam("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 200 {
			return problem.Field("limit", "limit is a whole number from 1 to 200.")
		}
	}
	list, err := s.cfg.Webhooks.Attempts(c.Request().Context(), actor(c), id, before, limit)
	if err != nil {
		return err
	}
	out := make([]apiWebhookAttempt, 0, len(list))
	for _, a := range list {
		out = append(out, apiWebhookAttempt{ID: a.ID, DeliveryID: a.DeliveryID, EventID: a.EventID, WebhookID: webhooks.MessageID(a.EventID),
			Event: a.EventType, Attempt: a.Attempt, At: rfc3339(a.At), Status: a.Status, LatencyMS: a.Latency.Milliseconds(),
			Response: a.Response, Error: a.Error, State: a.State})
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiResendWebhook(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	dl, err := strconv.ParseInt(c.Param("delivery"), 10, 64)
	if err != nil || dl <= 0 {
		return problem.New(problem.NotFound, "delivery_not_found", "There is no delivery %q.", c.Param("delivery"))
	}
	if err := s.cfg.Webhooks.Resend(c.Request().Context(), actor(c), id, dl); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]any{"queued": 1})
}

// apiReplayWebhooks sends again every failed delivery since a time:
// {"since": RFC 3339}.
func (s *Server) apiReplayWebhooks(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var body struct {
		Since string `json:"since"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	since, err := time.Parse(time.RFC3339, body.Since)
	if err != nil {
		return problem.Field("since", "since is a time in RFC 3339 form, such as 2026-12-01T00:00:00Z.")
	}
	n, err := s.cfg.Webhooks.Replay(c.Request().Context(), actor(c), id, since)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]any{"queued": n})
}
