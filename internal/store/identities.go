package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Identity is who a console user is at an OpenID provider.
type Identity struct {
	UserID   int64
	Issuer   string
	Subject  string
	Provider string // the provider's name, as the console shows it
}

// UserByIdentity loads the user with that issuer and subject.
func (q queries) UserByIdentity(ctx context.Context, issuer, subject string) (User, error) {
	return scanUser(q.q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users
		WHERE id = (SELECT user_id FROM user_identities WHERE issuer = ? AND subject = ?)`, issuer, subject))
}

// IdentityOf returns the identity of a user; ErrNotFound when the user
// signs in with a password only.
func (q queries) IdentityOf(ctx context.Context, userID int64) (Identity, error) {
	var i Identity
	err := q.q.QueryRowContext(ctx, `SELECT user_id, issuer, subject, provider FROM user_identities WHERE user_id = ?`, userID).
		Scan(&i.UserID, &i.Issuer, &i.Subject, &i.Provider)
	if errors.Is(err, sql.ErrNoRows) {
		return Identity{}, ErrNotFound
	}
	return i, err
}

// AddIdentity ties a user to an identity; ErrDuplicate when either is
// tied already.
func (t *Tx) AddIdentity(ctx context.Context, i Identity, now time.Time) error {
	_, err := t.q.ExecContext(ctx, `INSERT INTO user_identities (user_id, issuer, subject, provider, created_at) VALUES (?, ?, ?, ?, ?)`,
		i.UserID, i.Issuer, i.Subject, i.Provider, fmtTime(now))
	return constraintError(err)
}

// OIDCFlow is a sign-in under way at the OpenID provider.
type OIDCFlow struct {
	StateHash   []byte
	BrowserHash []byte
	Nonce       string
	Verifier    string // the PKCE code verifier
	Next        string // where to go after signing in
	ExpiresAt   time.Time
}

// SaveOIDCFlow stores a flow, and sweeps the flows that expired before
// now, so abandoned sign-ins do not pile up.
func (s *Store) SaveOIDCFlow(ctx context.Context, f OIDCFlow, now time.Time) error {
	if _, err := s.W.ExecContext(ctx, `DELETE FROM oidc_flows WHERE expires_at <= ?`, fmtTime(now)); err != nil {
		return err
	}
	_, err := s.W.ExecContext(ctx, `INSERT INTO oidc_flows (state_hash, browser_hash, nonce, verifier, next, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		f.StateHash, f.BrowserHash, f.Nonce, f.Verifier, f.Next, fmtTime(f.ExpiresAt))
	return constraintError(err)
}

// TakeOIDCFlow removes and returns the flow of that state, if it has not
// expired; ErrNotFound otherwise. A flow is taken once: a replayed
// callback finds nothing.
func (s *Store) TakeOIDCFlow(ctx context.Context, stateHash []byte, now time.Time) (OIDCFlow, error) {
	var f OIDCFlow
	var exp string
	err := s.W.QueryRowContext(ctx, `DELETE FROM oidc_flows WHERE state_hash = ? RETURNING state_hash, browser_hash, nonce, verifier, next, expires_at`,
		stateHash).Scan(&f.StateHash, &f.BrowserHash, &f.Nonce, &f.Verifier, &f.Next, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return OIDCFlow{}, ErrNotFound
	}
	if err != nil {
		return OIDCFlow{}, err
	}
	f.ExpiresAt = parseTime(exp)
	if !f.ExpiresAt.After(now) {
		return OIDCFlow{}, ErrNotFound
	}
	return f, nil
}
