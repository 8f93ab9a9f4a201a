package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"sync"
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

// With an idle timeout, scs commits the session again on every request,
// only to move its expiry on: a write through the single writer per page
// view, queued behind routed messages. A commit that changes nothing but
// moves the expiry by less than touchEvery is skipped: the stored expiry
// then lags the exact idle timeout by at most that (a session idle for
// two hours may end a minute early), never the other way.
const touchEvery = time.Minute

// maxTouches bounds the sessions remembered; the memory starts over when
// full (the next commit of each writes again).
const maxTouches = 10_000

type touch struct {
	data   [sha256.Size]byte
	expiry time.Time
}

type touches struct {
	mu sync.Mutex
	m  map[string]touch // by token hash
}

func (t *touches) remember(key []byte, data []byte, expiry time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil || len(t.m) >= maxTouches {
		t.m = map[string]touch{}
	}
	t.m[string(key)] = touch{sha256.Sum256(data), expiry}
}

// fresh reports whether the stored session already holds data and an
// expiry less than touchEvery before expiry.
func (t *touches) fresh(key []byte, data []byte, expiry time.Time) bool {
	t.mu.Lock()
	old, ok := t.m[string(key)]
	t.mu.Unlock()
	return ok && !expiry.Before(old.expiry) && expiry.Sub(old.expiry) < touchEvery && old.data == sha256.Sum256(data)
}

func (t *touches) forget(key []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, string(key))
}

// FindCtx returns the data of a session that has not expired.
func (ss SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	var expiry string
	key := sessionKey(token)
	err := ss.s.R.QueryRowContext(ctx,
		`SELECT data, expiry FROM console_sessions WHERE token_hash = ? AND expiry > ?`,
		key, fmtTime(time.Now())).Scan(&b, &expiry)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	ss.s.touches.remember(key, b, parseTime(expiry))
	return b, true, nil
}

// CommitCtx adds or replaces a session.
func (ss SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	key := sessionKey(token)
	if ss.s.touches.fresh(key, b, expiry) {
		return nil
	}
	_, err := ss.s.W.ExecContext(ctx,
		`INSERT INTO console_sessions (token_hash, data, expiry) VALUES (?, ?, ?)
		 ON CONFLICT (token_hash) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`,
		key, b, fmtTime(expiry))
	if err == nil {
		ss.s.touches.remember(key, b, expiry)
	}
	return err
}

// DeleteCtx removes a session.
func (ss SessionStore) DeleteCtx(ctx context.Context, token string) error {
	key := sessionKey(token)
	ss.s.touches.forget(key)
	_, err := ss.s.W.ExecContext(ctx, `DELETE FROM console_sessions WHERE token_hash = ?`, key)
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
