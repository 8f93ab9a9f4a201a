package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ClosedNotice is a chatbot's wording of the notice an end user gets when
// their previous conversation was closed by a deactivation, a grace end or
// a cascade; "" means the default text.
func (q queries) ClosedNotice(ctx context.Context, chatbotID int64) (string, error) {
	var text sql.NullString
	err := q.q.QueryRowContext(ctx, `SELECT closed_notice FROM chatbots WHERE id = ?`, chatbotID).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return text.String, err
}

// SetClosedNotice stores a chatbot's notice text ("" for the default).
func (tx *Tx) SetClosedNotice(ctx context.Context, chatbotID int64, text string, now time.Time) error {
	var v any
	if text != "" {
		v = text
	}
	res, err := tx.q.ExecContext(ctx, `UPDATE chatbots SET closed_notice = ?, updated_at = ? WHERE id = ?`, v, fmtTime(now), chatbotID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
