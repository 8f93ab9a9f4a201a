package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// APIToken is a personal API token; the secret itself is never stored.
type APIToken struct {
	ID        int64
	UserID    int64
	Name      string
	Prefix    string // the first characters, to tell tokens apart
	CreatedAt time.Time
	RevokedAt time.Time
	// ExpiresAt is zero for a token that does not expire.
	ExpiresAt time.Time
	// LastUsedAt is when it last authenticated a request (to the minute),
	// zero if never.
	LastUsedAt time.Time
}

const tokenColumns = `id, user_id, name, prefix, created_at, revoked_at, expires_at, last_used_at`

// CreateAPIToken stores the hash of a new token.
// A zero expires means the token does not expire.
func (t *Tx) CreateAPIToken(ctx context.Context, userID int64, name, prefix string, hash []byte, now, expires time.Time) (APIToken, error) {
	var id int64
	err := t.q.QueryRowContext(ctx,
		`INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		userID, name, hash, prefix, fmtTime(now), nullableTime(expires)).Scan(&id)
	if err != nil {
		return APIToken{}, constraintError(err)
	}
	return APIToken{ID: id, UserID: userID, Name: name, Prefix: prefix, CreatedAt: now, ExpiresAt: expires}, nil
}

// RevokeUserAPITokens revokes every live token of a user (a password
// reset, a disabled account) and returns how many.
func (t *Tx) RevokeUserAPITokens(ctx context.Context, userID int64, now time.Time) (int64, error) {
	res, err := t.q.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, fmtTime(now), userID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// TouchAPIToken records that a token was used, at most once a minute per
// token: the caller passes the last use it read, and nothing is written
// when that is recent, so a busy API client does not write on every call.
func (s *Store) TouchAPIToken(ctx context.Context, tok APIToken, now time.Time) error {
	if now.Sub(tok.LastUsedAt) < time.Minute {
		return nil
	}
	_, err := s.W.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, fmtTime(now), tok.ID)
	return err
}

// RevokeAPIToken revokes one of the user's tokens.
func (t *Tx) RevokeAPIToken(ctx context.Context, userID, id int64, now time.Time) (APIToken, error) {
	tok, err := t.apiToken(ctx, userID, id)
	if err != nil {
		return APIToken{}, err
	}
	if !tok.RevokedAt.IsZero() {
		return APIToken{}, ErrNotFound // already revoked: nothing to do, nothing to record
	}
	_, err = t.q.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, fmtTime(now), id)
	return tok, err
}

func (q queries) apiToken(ctx context.Context, userID, id int64) (APIToken, error) {
	return scanToken(q.q.QueryRowContext(ctx,
		`SELECT `+tokenColumns+` FROM api_tokens WHERE id = ? AND user_id = ?`, id, userID))
}

// APITokens lists a user's tokens that are not revoked, newest first.
func (q queries) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := q.q.QueryContext(ctx,
		`SELECT `+tokenColumns+` FROM api_tokens
		 WHERE user_id = ? AND revoked_at IS NULL ORDER BY id DESC`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		tok, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, tok)
	}
	return out, rows.Err()
}

// UserByTokenHash finds the owner of a live token.
func (q queries) UserByTokenHash(ctx context.Context, hash []byte) (User, APIToken, error) {
	var tokenID int64
	err := q.q.QueryRowContext(ctx, `SELECT id FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL`, hash).Scan(&tokenID)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, APIToken{}, ErrNotFound
	}
	if err != nil {
		return User{}, APIToken{}, err
	}
	u, err := scanUser(q.q.QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE id = (SELECT user_id FROM api_tokens WHERE id = ?)`, tokenID))
	if err != nil {
		return User{}, APIToken{}, err
	}
	tok, err := q.apiToken(ctx, u.ID, tokenID)
	return u, tok, err
}

func scanToken(row interface{ Scan(...any) error }) (APIToken, error) {
	var tok APIToken
	var created string
	var revoked, expires, used sql.NullString
	err := row.Scan(&tok.ID, &tok.UserID, &tok.Name, &tok.Prefix, &created, &revoked, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return APIToken{}, ErrNotFound
	}
	if err != nil {
		return APIToken{}, err
	}
	tok.CreatedAt, tok.RevokedAt = parseTime(created), nullTime(revoked)
	tok.ExpiresAt, tok.LastUsedAt = nullTime(expires), nullTime(used)
	return tok, nil
}

// SetupTokenHash returns the stored one-time setup token hash.
func (q queries) SetupTokenHash(ctx context.Context) ([]byte, error) {
	var h []byte
	err := q.q.QueryRowContext(ctx, `SELECT token_hash FROM setup_tokens WHERE id = 1`).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return h, err
}

// PutSetupToken replaces the one-time setup token.
func (t *Tx) PutSetupToken(ctx context.Context, hash []byte, now time.Time) error {
	_, err := t.q.ExecContext(ctx, `INSERT INTO setup_tokens (id, token_hash, created_at) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at`, hash, fmtTime(now))
	return err
}

// DeleteSetupToken consumes the setup token.
func (t *Tx) DeleteSetupToken(ctx context.Context) error {
	_, err := t.q.ExecContext(ctx, `DELETE FROM setup_tokens`)
	return err
}
