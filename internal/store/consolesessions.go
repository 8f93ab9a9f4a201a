package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"time"
)

// SessionStore keeps console sessions (github.com/alexedwards/scs/v2's
// Store and CtxStore interfaces) in the database, keyed by the SHA-256 of
// the session token: the token itself is never stored, so a copy of the
// database opens no session. Reads go through the reader pool, writes
// through the writer, so loading a session never waits behind a write.
type SessionStore struct{ s *Store }

// Sessions returns the console session store of this database.
func (s *Store) Sessions() SessionStore { return SessionStore{s} }

func sessionKey(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// FindCtx returns the data of a session that has not expired.
func (ss SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := ss.s.R.QueryRowContext(ctx,
		`SELECT data FROM console_sessions WHERE token_hash = ? AND expiry > ?`,
		sessionKey(token), fmtTime(time.Now())).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// CommitCtx adds or replaces a session.
func (ss SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, err := ss.s.W.ExecContext(ctx,
		`INSERT INTO console_sessions (token_hash, data, expiry) VALUES (?, ?, ?)
		 ON CONFLICT (token_hash) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`,
		sessionKey(token), b, fmtTime(expiry))
	return err
}

// DeleteCtx removes a session.
func (ss SessionStore) DeleteCtx(ctx context.Context, token string) error {
	_, err := ss.s.W.ExecContext(ctx, `DELETE FROM console_sessions WHERE token_hash = ?`, sessionKey(token))
	return err
}

// Find is the context-free scs.Store method (scs calls FindCtx, CommitCtx
// and DeleteCtx when a store has them).
func (ss SessionStore) Find(token string) ([]byte, bool, error) {
	return ss.FindCtx(context.Background(), token)
}

// Commit adds or replaces a session.
func (ss SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return ss.CommitCtx(context.Background(), token, b, expiry)
}

// Delete removes a session.
func (ss SessionStore) Delete(token string) error {
	return ss.DeleteCtx(context.Background(), token)
}

// DeleteExpired removes the sessions that expired before now and returns
// how many.
func (ss SessionStore) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	res, err := ss.s.W.ExecContext(ctx, `DELETE FROM console_sessions WHERE expiry <= ?`, fmtTime(now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
