package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/answers-console/answers/internal/audit"
)

// WebhookEndpoint is a destination of outbound webhooks (SPEC §10).
type WebhookEndpoint struct {
	ID             int64
	URL            string
	Description    string
	Events         []string // patterns: "chatbot.activated", "chatbot.*", "*"
	SenderID       int64    // 0: every sender
	Secret         string   // whsec_…
	PreviousSecret string   // still signs until PreviousUntil (rotation)
	PreviousUntil  time.Time
	Enabled        bool
	DisabledReason string
	FailingSince   time.Time
	AfterEvent     int64 // it gets the events after this one
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Secrets are the secrets that sign a message sent at now: the current
// one, and the previous one during its overlap.
func (e WebhookEndpoint) Secrets(now time.Time) []string {
	out := []string{e.Secret}
	if e.PreviousSecret != "" && now.Before(e.PreviousUntil) {
		out = append(out, e.PreviousSecret)
	}
	return out
}

// Wants reports whether the endpoint subscribes to an event type about a
// sender (0: not about one sender).
func (e WebhookEndpoint) Wants(typ string, senderID int64) bool {
	if e.SenderID != 0 && senderID != e.SenderID {
		return false
	}
	return EventMatches(e.Events, typ)
}

// EventMatches reports whether one of the patterns matches typ: a pattern
// is a type, "prefix.*" or "*".
func EventMatches(patterns []string, typ string) bool {
	for _, p := range patterns {
		if p == "*" || p == typ || strings.HasSuffix(p, ".*") && strings.HasPrefix(typ, p[:len(p)-1]) {
			return true
		}
	}
	return false
}

const webhookColumns = `id, url, description, events, coalesce(sender_id, 0), secret, previous_secret, previous_until,
	enabled, disabled_reason, failing_since, after_event, created_at, updated_at`

func scanWebhook(row interface{ Scan(...any) error }) (WebhookEndpoint, error) {
	var e WebhookEndpoint
	var events, created, updated string
	var prevUntil, failing sql.NullString
	var enabled int
	err := row.Scan(&e.ID, &e.URL, &e.Description, &events, &e.SenderID, &e.Secret, &e.PreviousSecret, &prevUntil,
		&enabled, &e.DisabledReason, &failing, &e.AfterEvent, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return WebhookEndpoint{}, ErrNotFound
	}
	if err != nil {
		return WebhookEndpoint{}, err
	}
	_ = json.Unmarshal([]byte(events), &e.Events)
	e.Enabled = enabled == 1
	e.PreviousUntil, e.FailingSince = nullTime(prevUntil), nullTime(failing)
	e.CreatedAt, e.UpdatedAt = parseTime(created), parseTime(updated)
	return e, nil
}

func eventsJSON(events []string) string {
	if events == nil {
		events = []string{}
	}
	b, _ := json.Marshal(events)
	return string(b)
}

func nullableSender(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// WebhookByID loads one endpoint.
func (q queries) WebhookByID(ctx context.Context, id int64) (WebhookEndpoint, error) {
	return scanWebhook(q.q.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhook_endpoints WHERE id = ?`, id))
}

// Webhooks lists every endpoint, oldest first.
func (q queries) Webhooks(ctx context.Context) ([]WebhookEndpoint, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhook_endpoints ORDER BY id`)
	return collect(rows, err, scanWebhook)
}

// CreateWebhook inserts an endpoint.
func (t *Tx) CreateWebhook(ctx context.Context, e WebhookEndpoint) (WebhookEndpoint, error) {
	t.webhooksChanged()
	at := fmtTime(e.CreatedAt)
	err := t.q.QueryRowContext(ctx, `INSERT INTO webhook_endpoints (url, description, events, sender_id, secret, enabled, after_event, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 1, (SELECT coalesce(max(id), 0) FROM webhook_events), ?, ?) RETURNING id`,
		e.URL, e.Description, eventsJSON(e.Events), nullableSender(e.SenderID), e.Secret, at, at).Scan(&e.ID)
	if err != nil {
		return WebhookEndpoint{}, constraintError(err)
	}
	return t.WebhookByID(ctx, e.ID)
}

// SaveWebhook writes an endpoint's settings, secrets and state.
func (t *Tx) SaveWebhook(ctx context.Context, e WebhookEndpoint) error {
	t.webhooksChanged()
	enabled := 0
	if e.Enabled {
		enabled = 1
	}
	res, err := t.q.ExecContext(ctx, `UPDATE webhook_endpoints SET url = ?, description = ?, events = ?, sender_id = ?,
		secret = ?, previous_secret = ?, previous_until = ?, enabled = ?, disabled_reason = ?, failing_since = ?, updated_at = ?
		WHERE id = ?`,
		e.URL, e.Description, eventsJSON(e.Events), nullableSender(e.SenderID), e.Secret, e.PreviousSecret,
		nullableTime(e.PreviousUntil), enabled, e.DisabledReason, nullableTime(e.FailingSince), fmtTime(e.UpdatedAt), e.ID)
	if err != nil {
		return constraintError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteWebhook removes an endpoint with its deliveries and their log.
func (t *Tx) DeleteWebhook(ctx context.Context, id int64) error {
	t.webhooksChanged()
	res, err := t.q.ExecContext(ctx, `DELETE FROM webhook_endpoints WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// auditEvent writes the outbox row of an audit entry, in the entry's
// transaction: the event commits with the change or not at all.
func (t *Tx) auditEvent(ctx context.Context, e audit.Entry, at string) error {
	var senderID int64
	switch e.TargetType {
	case "sender":
		senderID, _ = strconv.ParseInt(e.TargetID, 10, 64)
	case "session":
		id, _ := strconv.ParseInt(e.TargetID, 10, 64)
		err := t.q.QueryRowContext(ctx, `SELECT sender_id FROM chat_sessions WHERE id = ?`, id).Scan(&senderID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	case "chatbot":
		id, _ := strconv.ParseInt(e.TargetID, 10, 64)
		err := t.q.QueryRowContext(ctx, `SELECT coalesce(sender_id, 0) FROM chatbots WHERE id = ?`, id).Scan(&senderID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	data := map[string]any{
		"audit_id": e.ID, "hash": e.Hash, "prev_hash": e.PrevHash, "action": e.Action,
		"actor": e.ActorName, "target": map[string]any{"type": e.TargetType, "id": e.TargetID, "name": e.TargetName},
		"details": json.RawMessage(e.DetailsJSON()),
	}
	return t.AddWebhookEvent(ctx, e.Action, at, data, senderID, 0)
}

// AddWebhookEvent writes an event to the outbox: body is
// {"type", "timestamp", "data"}. endpointID addresses it to one endpoint
// only (a test event); 0 to every endpoint that subscribes.
func (t *Tx) AddWebhookEvent(ctx context.Context, typ, at string, data any, senderID, endpointID int64) error {
	body, err := json.Marshal(struct {
		Type      string `json:"type"`
		Timestamp string `json:"timestamp"`
		Data      any    `json:"data"`
	}{typ, at, data})
	if err != nil {
		return err
	}
	var ep any
	if endpointID != 0 {
		ep = endpointID
	}
	_, err = t.q.ExecContext(ctx, `INSERT INTO webhook_events (type, at, body, sender_id, endpoint_id, pending) VALUES (?, ?, ?, ?, ?, 1)`,
		typ, at, string(body), nullableSender(senderID), ep)
	t.eventAdded = true
	return err
}

// WebhookWakeups receives after a commit of this process that wrote a
// webhook event; the deliverer waits on it.
func (s *Store) WebhookWakeups() <-chan struct{} { return s.hookWake }

func (s *Store) signalHooks() {
	select {
	case s.hookWake <- struct{}{}:
	default:
	}
}

// FanOutWebhookEvents turns up to limit pending events into deliveries,
// one per enabled endpoint that wants each, due at now; it returns how
// many events it handled.
func (t *Tx) FanOutWebhookEvents(ctx context.Context, now time.Time, limit int) (int, error) {
	evs, err := t.pendingEvents(ctx, limit)
	if err != nil || len(evs) == 0 {
		return 0, err
	}
	eps, err := t.Webhooks(ctx)
	if err != nil {
		return 0, err
	}
	at := fmtTime(now)
	for _, e := range evs {
		for _, ep := range eps {
			if !ep.Enabled || e.id <= ep.AfterEvent || e.endpoint != 0 && e.endpoint != ep.ID || e.endpoint == 0 && !ep.Wants(e.typ, e.sender) {
				continue
			}
			if _, err := t.q.ExecContext(ctx, `INSERT INTO webhook_deliveries (endpoint_id, event_id, state, attempts, next_at, created_at, updated_at)
				VALUES (?, ?, 'pending', 0, ?, ?, ?)`, ep.ID, e.id, at, at, at); err != nil {
				return 0, err
			}
		}
	}
	_, err = t.q.ExecContext(ctx, `UPDATE webhook_events SET pending = 0 WHERE pending = 1 AND id <= ?`, evs[len(evs)-1].id)
	return len(evs), err
}

// outboxEvent is a pending event as the fan-out needs it.
type outboxEvent struct {
	id, sender, endpoint int64
	typ                  string
}

func (t *Tx) pendingEvents(ctx context.Context, limit int) ([]outboxEvent, error) {
	rows, err := t.q.QueryContext(ctx, `SELECT id, type, coalesce(sender_id, 0), coalesce(endpoint_id, 0) FROM webhook_events
		WHERE pending = 1 ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var evs []outboxEvent
	for rows.Next() {
		var e outboxEvent
		if err := rows.Scan(&e.id, &e.typ, &e.sender, &e.endpoint); err != nil {
			return nil, err
		}
		evs = append(evs, e)
	}
	return evs, rows.Err()
}

// WebhookDelivery is one event on its way to one endpoint.
type WebhookDelivery struct {
	ID         int64
	EndpointID int64
	EventID    int64
	EventType  string
	Body       string
	EventAt    time.Time
	State      string // pending, delivered, failed
	Attempts   int
	NextAt     time.Time
	CreatedAt  time.Time
}

const deliveryColumns = `d.id, d.endpoint_id, d.event_id, e.type, e.body, e.at, d.state, d.attempts, d.next_at, d.created_at`

func scanDelivery(row interface{ Scan(...any) error }) (WebhookDelivery, error) {
	var d WebhookDelivery
	var eat, next, created string
	err := row.Scan(&d.ID, &d.EndpointID, &d.EventID, &d.EventType, &d.Body, &eat, &d.State, &d.Attempts, &next, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNotFound
	}
	d.EventAt, d.NextAt, d.CreatedAt = parseTime(eat), parseTime(next), parseTime(created)
	return d, err
}

// collect scans every row of a query with scan, then closes the rows.
func collect[T any](rows *sql.Rows, err error, scan func(row interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// DueWebhookDeliveries lists up to limit pending deliveries due at now
// to enabled endpoints, earliest first.
func (q queries) DueWebhookDeliveries(ctx context.Context, now time.Time, limit int) ([]WebhookDelivery, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d
		JOIN webhook_events e ON e.id = d.event_id
		JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.enabled = 1
		WHERE d.state = 'pending' AND d.next_at <= ? ORDER BY d.next_at, d.id LIMIT ?`, fmtTime(now), limit)
	return collect(rows, err, scanDelivery)
}

// NextWebhookDelivery is when the earliest pending delivery is due (zero
// when none is).
func (q queries) NextWebhookDelivery(ctx context.Context) (time.Time, error) {
	var next sql.NullString
	err := q.q.QueryRowContext(ctx, `SELECT min(d.next_at) FROM webhook_deliveries d
		JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.enabled = 1 WHERE d.state = 'pending'`).Scan(&next)
	return nullTime(next), err
}

// PendingWebhookEvents reports whether events wait to be fanned out.
func (q queries) PendingWebhookEvents(ctx context.Context) (bool, error) {
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM webhook_events WHERE pending = 1 LIMIT 1) p`).Scan(&n)
	return n > 0, err
}

// WebhookDeliveryByID loads one delivery.
func (q queries) WebhookDeliveryByID(ctx context.Context, id int64) (WebhookDelivery, error) {
	return scanDelivery(q.q.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d
		JOIN webhook_events e ON e.id = d.event_id WHERE d.id = ?`, id))
}

// WebhookAttempt is one try of a delivery: a row of the delivery log.
type WebhookAttempt struct {
	ID         int64
	DeliveryID int64
	EndpointID int64
	EventID    int64
	EventType  string
	Attempt    int
	At         time.Time
	Status     int // the answer's HTTP status; 0 when there was none
	Latency    time.Duration
	Response   string // the first 1 KiB of the answer
	Error      string
	State      string // the delivery's state now
}

// RecordWebhookAttempt logs one try and moves its delivery to state
// (next due at next when still pending).
func (t *Tx) RecordWebhookAttempt(ctx context.Context, a WebhookAttempt, state string, next time.Time) error {
	if _, err := t.q.ExecContext(ctx, `INSERT INTO webhook_attempts (delivery_id, endpoint_id, attempt, at, status, latency_ms, response, error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.DeliveryID, a.EndpointID, a.Attempt, fmtTime(a.At), a.Status,
		a.Latency.Milliseconds(), a.Response, a.Error); err != nil {
		return err
	}
	_, err := t.q.ExecContext(ctx, `UPDATE webhook_deliveries SET state = ?, attempts = ?, next_at = ?, updated_at = ? WHERE id = ?`,
		state, a.Attempt, fmtTime(next), fmtTime(a.At), a.DeliveryID)
	return err
}

// WebhookAttempts is the delivery log of an endpoint, newest first: up to
// limit attempts older than before (all when 0).
func (q queries) WebhookAttempts(ctx context.Context, endpointID, before int64, limit int) ([]WebhookAttempt, error) {
	where := ""
	args := []any{endpointID}
	if before > 0 {
		where = " AND a.id < ?"
		args = append(args, before)
	}
	args = append(args, limit)
	rows, err := q.q.QueryContext(ctx, `SELECT a.id, a.delivery_id, a.endpoint_id, d.event_id, e.type, a.attempt, a.at, a.status,
		a.latency_ms, a.response, a.error, d.state
		FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id JOIN webhook_events e ON e.id = d.event_id
		WHERE a.endpoint_id = ?`+where+` ORDER BY a.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []WebhookAttempt
	for rows.Next() {
		var a WebhookAttempt
		var at string
		var ms int64
		if err := rows.Scan(&a.ID, &a.DeliveryID, &a.EndpointID, &a.EventID, &a.EventType, &a.Attempt, &at, &a.Status,
			&ms, &a.Response, &a.Error, &a.State); err != nil {
			return nil, err
		}
		a.At, a.Latency = parseTime(at), time.Duration(ms)*time.Millisecond
		out = append(out, a)
	}
	return out, rows.Err()
}

// RequeueWebhookDelivery makes one delivery of the endpoint pending again,
// due at now (a resend: same event, so the same webhook-id).
func (t *Tx) RequeueWebhookDelivery(ctx context.Context, endpointID, deliveryID int64, now time.Time) error {
	res, err := t.q.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'pending', next_at = ?, updated_at = ?
		WHERE id = ? AND endpoint_id = ?`, fmtTime(now), fmtTime(now), deliveryID, endpointID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ReplayFailedWebhookDeliveries makes every failed delivery of the
// endpoint created at or after since pending again; it returns how many.
func (t *Tx) ReplayFailedWebhookDeliveries(ctx context.Context, endpointID int64, since, now time.Time) (int64, error) {
	res, err := t.q.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'pending', next_at = ?, updated_at = ?
		WHERE endpoint_id = ? AND state = 'failed' AND created_at >= ?`, fmtTime(now), fmtTime(now), endpointID, fmtTime(since))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// DisabledWebhooks lists the endpoints the product disabled (410, or
// failing for too long), for the console's home page.
func (q queries) DisabledWebhooks(ctx context.Context) ([]WebhookEndpoint, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhook_endpoints WHERE enabled = 0 AND disabled_reason <> '' ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []WebhookEndpoint
	for rows.Next() {
		e, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// sessionHooks says, once per transaction (a routing batch shares one),
// whether any enabled endpoint wants session events: without one, routing
// writes none. Write transactions run one at a time, so what it reads is
// exact for the transaction.
type sessionHooks struct {
	checked            bool
	opened, closedWant bool
}

// pendingEvent is a session event gathered by a transaction, written with
// the others of its transaction (or batch) in a few multi-row inserts
// just before the commit.
type pendingEvent struct {
	typ, at, body string
	sender        int64
}

// hookCache is the cross-transaction cache of wantSessionEvents: on
// SQLite one process is the only writer, and a transaction that changes
// endpoints empties it before it commits, under the write lock, so no
// later transaction reads a stale answer. On PostgreSQL another replica
// may change endpoints, so each transaction (or routing batch) asks the
// table once.
func (s *Store) hookCache() *atomic.Pointer[sessionHooks] {
	if s.pg != nil {
		return nil
	}
	return &s.sessHooks
}

// webhooksChanged empties the cache; called by every write to endpoints.
func (t *Tx) webhooksChanged() {
	if t.hookCache != nil {
		t.hookCache.Store(nil)
		t.hookCache = nil // what this transaction reads may be rolled back
	}
	if t.hooks != nil {
		t.hooks.checked = false
	}
}

func (t *Tx) wantSessionEvents(ctx context.Context) (*sessionHooks, error) {
	if t.hooks == nil {
		t.hooks = &sessionHooks{}
	}
	h := t.hooks
	if h.checked {
		return h, nil
	}
	if t.hookCache != nil {
		if c := t.hookCache.Load(); c != nil {
			*h = *c
			return h, nil
		}
	}
	rows, err := t.q.QueryContext(ctx, `SELECT events FROM webhook_endpoints WHERE enabled = 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, err
		}
		var ev []string
		_ = json.Unmarshal([]byte(raw), &ev)
		h.opened = h.opened || EventMatches(ev, "session.opened")
		h.closedWant = h.closedWant || EventMatches(ev, "session.closed")
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	h.checked = true
	if t.hookCache != nil {
		c := *h
		t.hookCache.Store(&c)
	}
	return h, nil
}

func (t *Tx) gatherEvent(typ, at string, sender int64, data map[string]any) {
	body, _ := json.Marshal(map[string]any{"type": typ, "timestamp": at, "data": data})
	t.events = append(t.events, pendingEvent{typ: typ, at: at, body: string(body), sender: sender})
}

// sessionOpened gathers a session.opened event when an endpoint wants it.
func (t *Tx) sessionOpened(ctx context.Context, s ChatSession) error {
	h, err := t.wantSessionEvents(ctx)
	if err != nil || !h.opened {
		return err
	}
	at := fmtTime(s.OpenedAt)
	t.gatherEvent("session.opened", at, s.SenderID, map[string]any{
		"session_id": s.ID, "sender_id": s.SenderID, "chatbot_id": s.ChatbotID, "end_user": s.EndUser, "opened_at": at,
	})
	return nil
}

// maxEventsPerInsert bounds the variants of the multi-row insert.
const maxEventsPerInsert = 16

// flushEvents writes the gathered events, up to maxEventsPerInsert rows a
// statement.
func (t *Tx) flushEvents(ctx context.Context) error {
	evs := t.events
	t.events = nil
	for len(evs) > 0 {
		n := min(len(evs), maxEventsPerInsert)
		var b strings.Builder
		b.WriteString(`INSERT INTO webhook_events (type, at, body, sender_id, pending) VALUES `)
		args := make([]any, 0, 4*n)
		for i, e := range evs[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, 1)")
			args = append(args, e.typ, e.at, e.body, nullableSender(e.sender))
		}
		if _, err := t.q.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
		t.eventAdded = true
		evs = evs[n:]
	}
	return nil
}
