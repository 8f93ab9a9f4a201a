package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Setting names (the settings table).
const (
	// SettingSSOLinkVerifiedEmail: "1" when a first sign-in through the
	// OpenID provider with a verified email links the password account
	// of that email.
	SettingSSOLinkVerifiedEmail = "sso_link_verified_email"
)

// Setting returns a console-wide setting's value; "" when it was never
// set.
func (q queries) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := q.q.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetSetting stores a console-wide setting.
func (t *Tx) SetSetting(ctx context.Context, name, value string, now time.Time) error {
	_, err := t.q.ExecContext(ctx, `INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, name, value, fmtTime(now))
	return err
}

// SetUserProfile changes a user's name and email (from the OpenID
// provider's claims); ErrDuplicate when the email is taken.
func (t *Tx) SetUserProfile(ctx context.Context, id int64, name, email string, now time.Time) error {
	return t.updateUser(ctx, `UPDATE users SET name = ?, email = ?, updated_at = ? WHERE id = ?`, name, email, fmtTime(now), id)
}
