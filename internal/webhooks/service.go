package webhooks

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// Audit actions for endpoints; each is an event too.
const (
	ActionCreated  = "webhook.created"
	ActionUpdated  = "webhook.updated"
	ActionDeleted  = "webhook.deleted"
	ActionRotated  = "webhook.secret_rotated"
	ActionDisabled = "webhook.disabled"
	ActionResent   = "webhook.resent"
	ActionReplayed = "webhook.replayed"
	ActionTested   = "webhook.test_sent"
)

// Event types that are not audit actions.
const (
	EventSessionOpened = "session.opened"
	EventSessionClosed = "session.closed"
	EventTest          = "webhook.test"
)

// RotationOverlap is how long a rotated-out secret still signs.
const RotationOverlap = 24 * time.Hour

// Service manages endpoints (admins: rbac.ManageWebhooks).
type Service struct {
	Store *store.Store
	Guard Guard
	Now   func() time.Time
}

// New makes the service.
func New(st *store.Store, g Guard) *Service { return &Service{Store: st, Guard: g, Now: time.Now} }

// Input is what a person sets on an endpoint. Nil fields of an update
// keep their value.
type Input struct {
	URL         *string   `json:"url"`
	Events      *[]string `json:"events"`
	SenderID    *int64    `json:"sender_id"`
	Description *string   `json:"description"`
	Enabled     *bool     `json:"enabled"`
}

var errNotFound = problem.New(problem.NotFound, "webhook_not_found", "No such webhook endpoint.")

// checkEvents validates event patterns: a type such as chatbot.activated,
// a group such as chatbot.*, or * for every event.
func checkEvents(events []string) ([]string, error) {
	if len(events) == 0 {
		return nil, problem.Field("events", "Choose at least one event, such as chatbot.* or user.role_changed (* for every event).")
	}
	if len(events) > 50 {
		return nil, problem.Field("events", "Use at most 50 event patterns.")
	}
	var out []string
	for _, e := range events {
		e = strings.TrimSpace(e)
		ok := e != "" && len(e) <= 64
		for i, r := range e {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '*' && i == len(e)-1 && (i == 0 || e[i-1] == '.')) {
				ok = false
			}
		}
		if !ok {
			return nil, problem.Field("events", "%q is not an event pattern: use a type such as chatbot.activated, a group such as chatbot.*, or *.", e)
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

func (s *Service) apply(ctx context.Context, tx *store.Tx, ep *store.WebhookEndpoint, in Input) error {
	if in.URL != nil {
		u, err := s.Guard.CheckURL(*in.URL)
		if err != nil {
			return problem.Field("url", "%s.", upperFirst(err.Error()))
		}
		ep.URL = u.String()
	}
	if in.Events != nil {
		ev, err := checkEvents(*in.Events)
		if err != nil {
			return err
		}
		ep.Events = ev
	}
	if in.Description != nil {
		d := strings.TrimSpace(*in.Description)
		if utf8.RuneCountInString(d) > 200 {
			return problem.Field("description", "Use at most 200 characters for the description.")
		}
		ep.Description = d
	}
	if in.SenderID != nil {
		if *in.SenderID != 0 {
			if _, err := tx.SenderByID(ctx, *in.SenderID); errors.Is(err, store.ErrNotFound) {
				return problem.Field("sender_id", "No sender has the id %d.", *in.SenderID)
			} else if err != nil {
				return err
			}
		}
		ep.SenderID = *in.SenderID
	}
	if in.Enabled != nil && *in.Enabled != ep.Enabled {
		ep.Enabled = *in.Enabled
		ep.DisabledReason, ep.FailingSince = "", time.Time{}
	}
	return nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func view(ep store.WebhookEndpoint) map[string]any {
	return map[string]any{"url": ep.URL, "events": ep.Events, "sender_id": ep.SenderID, "description": ep.Description, "enabled": ep.Enabled}
}

// Create registers an endpoint; the result carries its secret, which the
// API and the console show this once.
func (s *Service) Create(ctx context.Context, a who.Actor, in Input) (store.WebhookEndpoint, error) {
	if err := a.Require(rbac.ManageWebhooks, "manage webhooks"); err != nil {
		return store.WebhookEndpoint{}, err
	}
	if in.URL == nil {
		return store.WebhookEndpoint{}, problem.Field("url", "Enter the endpoint's URL, such as https://example.com/hooks.")
	}
	if in.Events == nil {
		in.Events = &[]string{}
	}
	var ep store.WebhookEndpoint
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		now := s.Now().UTC()
		e := store.WebhookEndpoint{Enabled: true, CreatedAt: now, UpdatedAt: now, Secret: NewSecret()}
		in.Enabled = nil
		if err := s.apply(ctx, tx, &e, in); err != nil {
			return err
		}
		var err error
		if ep, err = tx.CreateWebhook(ctx, e); err != nil {
			return err
		}
		ae := a.Entry(ActionCreated, "webhook", ep.ID, ep.URL, map[string]any{"after": view(ep)})
		ae.At = now
		_, err = tx.AppendAudit(ctx, ae)
		return err
	})
	return ep, err
}

// List returns every endpoint.
func (s *Service) List(ctx context.Context, a who.Actor) ([]store.WebhookEndpoint, error) {
	if err := a.Require(rbac.ManageWebhooks, "manage webhooks"); err != nil {
		return nil, err
	}
	return s.Store.Webhooks(ctx)
}

// Get returns one endpoint.
func (s *Service) Get(ctx context.Context, a who.Actor, id int64) (store.WebhookEndpoint, error) {
	if err := a.Require(rbac.ManageWebhooks, "manage webhooks"); err != nil {
		return store.WebhookEndpoint{}, err
	}
	ep, err := s.Store.WebhookByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return ep, errNotFound
	}
	return ep, err
}

// change loads an endpoint in a transaction, lets fn change it, saves it
// and audits action with the before and after.
func (s *Service) change(ctx context.Context, a who.Actor, id int64, action string, fn func(tx *store.Tx, ep *store.WebhookEndpoint, now time.Time) error) (store.WebhookEndpoint, error) {
	if err := a.Require(rbac.ManageWebhooks, "manage webhooks"); err != nil {
		return store.WebhookEndpoint{}, err
	}
	var ep store.WebhookEndpoint
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		before, err := tx.WebhookByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound
		} else if err != nil {
			return err
		}
		now := s.Now().UTC()
		ep = before
		if err := fn(tx, &ep, now); err != nil {
			return err
		}
		ep.UpdatedAt = now
		if err := tx.SaveWebhook(ctx, ep); err != nil {
			return err
		}
		ae := a.Entry(action, "webhook", ep.ID, ep.URL, map[string]any{"before": view(before), "after": view(ep)})
		ae.At = now
		_, err = tx.AppendAudit(ctx, ae)
		return err
	})
	return ep, err
}

// Update changes an endpoint's URL, events, sender, description or
// enabled state (enabling one the product disabled clears its failures).
func (s *Service) Update(ctx context.Context, a who.Actor, id int64, in Input) (store.WebhookEndpoint, error) {
	return s.change(ctx, a, id, ActionUpdated, func(tx *store.Tx, ep *store.WebhookEndpoint, _ time.Time) error {
		return s.apply(ctx, tx, ep, in)
	})
}

// Rotate gives an endpoint a new secret; the old one keeps signing too
// for RotationOverlap, so receivers can switch without missing a message.
func (s *Service) Rotate(ctx context.Context, a who.Actor, id int64) (store.WebhookEndpoint, error) {
	return s.change(ctx, a, id, ActionRotated, func(_ *store.Tx, ep *store.WebhookEndpoint, now time.Time) error {
		ep.PreviousSecret, ep.PreviousUntil = ep.Secret, now.Add(RotationOverlap)
		ep.Secret = NewSecret()
		return nil
	})
}

// Delete removes an endpoint with its delivery log.
func (s *Service) Delete(ctx context.Context, a who.Actor, id int64) error {
	if err := a.Require(rbac.ManageWebhooks, "manage webhooks"); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		ep, err := tx.WebhookByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound
		} else if err != nil {
			return err
		}
		if err := tx.DeleteWebhook(ctx, id); err != nil {
			return err
		}
		ae := a.Entry(ActionDeleted, "webhook", ep.ID, ep.URL, map[string]any{"before": view(ep)})
		ae.At = s.Now().UTC()
		_, err = tx.AppendAudit(ctx, ae)
		return err
	})
}

// Attempts is an endpoint's delivery log, newest first.
func (s *Service) Attempts(ctx context.Context, a who.Actor, id, before int64, limit int) ([]store.WebhookAttempt, error) {
	if _, err := s.Get(ctx, a, id); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return s.Store.WebhookAttempts(ctx, id, before, limit)
}

// Resend sends one delivery again, with the same webhook-id.
func (s *Service) Resend(ctx context.Context, a who.Actor, id, deliveryID int64) error {
	_, err := s.change(ctx, a, id, ActionResent, func(tx *store.Tx, ep *store.WebhookEndpoint, now time.Time) error {
		err := tx.RequeueWebhookDelivery(ctx, ep.ID, deliveryID, now)
		if errors.Is(err, store.ErrNotFound) {
			return problem.New(problem.NotFound, "delivery_not_found", "This endpoint has no delivery %d.", deliveryID)
		}
		return err
	})
	return err
}

// Replay sends again every failed delivery of the endpoint since a time;
// it returns how many.
func (s *Service) Replay(ctx context.Context, a who.Actor, id int64, since time.Time) (int64, error) {
	var n int64
	_, err := s.change(ctx, a, id, ActionReplayed, func(tx *store.Tx, ep *store.WebhookEndpoint, now time.Time) error {
		if since.IsZero() || since.After(now) {
			return problem.Field("since", "Choose a time in the past to replay failed deliveries from.")
		}
		var err error
		n, err = tx.ReplayFailedWebhookDeliveries(ctx, ep.ID, since, now)
		return err
	})
	return n, err
}

// SendTest queues a webhook.test event for this endpoint only.
func (s *Service) SendTest(ctx context.Context, a who.Actor, id int64) error {
	_, err := s.change(ctx, a, id, ActionTested, func(tx *store.Tx, ep *store.WebhookEndpoint, now time.Time) error {
		if !ep.Enabled {
			return problem.New(problem.Conflict, "webhook_disabled", "This endpoint is disabled: enable it first, then send a test event.")
		}
		return tx.AddWebhookEvent(ctx, EventTest, now.Format(store.TimeFormat),
			map[string]any{"endpoint_id": ep.ID, "message": "A test event from Answers Console."}, 0, ep.ID)
	})
	return err
}
