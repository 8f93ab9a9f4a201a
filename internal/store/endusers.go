package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Sketch spans: an hour, or a UTC day of 24 hours.
const (
	SpanHour = 1
	SpanDay  = 24
)

// SessionOpener is an end user who opened a session, for the end-user
// sketches.
type SessionOpener struct {
	ChatbotID int64
	ReleaseID int64
	SenderID  int64
	EndUser   string
	Hour      int64
}

// SessionOpeners calls fn for every session opened in [from, to), of one
// chatbot (chatbotID 0: of all chatbots).
func (q queries) SessionOpeners(ctx context.Context, chatbotID int64, from, to time.Time, fn func(SessionOpener) error) error {
	query := `SELECT chatbot_id, coalesce(release_id, 0), sender_id, end_user, opened_at FROM chat_sessions
		WHERE opened_at >= ? AND opened_at < ?`
	args := []any{fmtTime(from), fmtTime(to)}
	if chatbotID != 0 {
		query, args = query+` AND chatbot_id = ?`, append(args, chatbotID)
	}
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var o SessionOpener
		var opened string
		if err := rows.Scan(&o.ChatbotID, &o.ReleaseID, &o.SenderID, &o.EndUser, &opened); err != nil {
			return err
		}
		o.Hour = Hour(parseTime(opened))
		if err := fn(o); err != nil {
			return err
		}
	}
	return rows.Err()
}

// FirstSessionHour is the hour the first session opened; ok is false when
// there are none.
func (q queries) FirstSessionHour(ctx context.Context) (int64, bool, error) {
	var first sql.NullString
	if err := q.q.QueryRowContext(ctx, `SELECT min(opened_at) FROM chat_sessions`).Scan(&first); err != nil {
		return 0, false, err
	}
	if !first.Valid {
		return 0, false, nil
	}
	return Hour(parseTime(first.String)), true, nil
}

// PutEndUserSketch stores (or replaces) the end-user sketch of a chatbot
// (0: all chatbots) for the span starting at hour.
func (t *Tx) PutEndUserSketch(ctx context.Context, chatbotID int64, span int, hour int64, sketch []byte) error {
	_, err := t.q.ExecContext(ctx, `INSERT INTO rollup_end_users (chatbot_id, span, hour, sketch) VALUES (?, ?, ?, ?)
		ON CONFLICT (chatbot_id, span, hour) DO UPDATE SET sketch = excluded.sketch`,
		chatbotID, span, hour, sketch)
	return err
}

// EndUserSketches calls fn with each stored sketch of the span kind whose
// start hour is in [from, to).
func (q queries) EndUserSketches(ctx context.Context, chatbotID int64, span int, from, to int64, fn func([]byte) error) error {
	rows, err := q.q.QueryContext(ctx, `SELECT sketch FROM rollup_end_users WHERE chatbot_id = ? AND span = ? AND hour >= ? AND hour < ?`,
		chatbotID, span, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EndUserSketchRow is one stored sketch, for comparing with a rebuild.
type EndUserSketchRow struct {
	ChatbotID int64
	Span      int
	Hour      int64
	Sketch    []byte
}

// AllEndUserSketches returns every stored sketch in key order.
func (q queries) AllEndUserSketches(ctx context.Context) ([]EndUserSketchRow, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT chatbot_id, span, hour, sketch FROM rollup_end_users ORDER BY chatbot_id, span, hour`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []EndUserSketchRow
	for rows.Next() {
		var r EndUserSketchRow
		if err := rows.Scan(&r.ChatbotID, &r.Span, &r.Hour, &r.Sketch); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ResetEndUserSketches forgets every sketch and the watermark, for a
// rebuild.
func (t *Tx) ResetEndUserSketches(ctx context.Context) error {
	if _, err := t.q.ExecContext(ctx, `DELETE FROM rollup_end_users`); err != nil {
		return err
	}
	_, err := t.q.ExecContext(ctx, `DELETE FROM analytics_state WHERE key IN (?, ?)`, keySketchedUntil, keyPartialUntil)
	return err
}

// keySketchedUntil names the hour before which every end-user sketch is
// written; keyPartialUntil the moment (unix microseconds) up to which the
// sketch of the hour after it holds the sessions opened so far.
const (
	keySketchedUntil = "end_users_sketched_until"
	keyPartialUntil  = "end_users_partial_until"
)

// PartialUntil is the moment up to which the unfinished hour's sketch is
// written; ok is false when there is none.
func (q queries) PartialUntil(ctx context.Context) (time.Time, bool, error) {
	var v int64
	err := q.q.QueryRowContext(ctx, `SELECT value FROM analytics_state WHERE key = ?`, keyPartialUntil).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	return time.UnixMicro(v).UTC(), err == nil, err
}

// SetPartialUntil records how far the unfinished hour's sketch goes.
func (t *Tx) SetPartialUntil(ctx context.Context, at time.Time) error {
	_, err := t.q.ExecContext(ctx, `INSERT INTO analytics_state (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, keyPartialUntil, at.UnixMicro())
	return err
}

// SketchedUntil is the hour before which the end-user sketches are
// complete; ok is false before the first sketch pass.
func (q queries) SketchedUntil(ctx context.Context) (int64, bool, error) {
	var v int64
	err := q.q.QueryRowContext(ctx, `SELECT value FROM analytics_state WHERE key = ?`, keySketchedUntil).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return v, err == nil, err
}

// SetSketchedUntil moves the watermark of the end-user sketches.
func (t *Tx) SetSketchedUntil(ctx context.Context, hour int64) error {
	_, err := t.q.ExecContext(ctx, `INSERT INTO analytics_state (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, keySketchedUntil, hour)
	return err
}

// HasRollups reports whether any rollup row exists.
func (q queries) HasRollups(ctx context.Context) (bool, error) {
	var has bool // SQLite answers 1 or 0, which database/sql turns into a bool too
	err := q.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM rollup_hours)`).Scan(&has)
	return has, err
}
