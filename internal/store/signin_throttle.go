package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ThrottleVerdict is the answer to one sign-in attempt's ThrottleBegin.
type ThrottleVerdict struct {
	OK bool
	// Wait is how long the key must still wait when refused.
	Wait time.Duration
	// FirstRefusal is set on the first refusal of a wait, so that a flood
	// against a slowed-down key is audited once, not once per attempt.
	FirstRefusal bool
}

// ThrottleBegin counts one sign-in attempt against key, unless the key
// must still wait. The attempt counts before the password is checked, so
// a burst of concurrent guesses gets no more tries than a sequence of
// them; a success gives it back (ThrottleSucceed). wait says how long the
// key waits after its n-th attempt; attempts older than quiet are
// forgotten.
//
// The state is a row per key, read and written in one transaction and
// changed by compare-and-swap (the UPDATE names the row it read), so it
// holds on PostgreSQL with several replicas as well as on SQLite's single
// writer.
func (s *Store) ThrottleBegin(ctx context.Context, key string, now time.Time, quiet time.Duration, wait func(n int) time.Duration) (ThrottleVerdict, error) {
	var v ThrottleVerdict
	err := s.InTx(ctx, func(t *Tx) error {
		var err error
		v, err = t.throttleBegin(ctx, key, now, quiet, wait)
		return err
	})
	return v, err
}

func (t *Tx) throttleBegin(ctx context.Context, key string, now time.Time, quiet time.Duration, wait func(n int) time.Duration) (ThrottleVerdict, error) {
	if _, err := t.q.ExecContext(ctx,
		`INSERT INTO signin_throttle (key, attempts, last_at, next_at, reported) VALUES (?, 0, ?, ?, 0)
		 ON CONFLICT (key) DO NOTHING`, key, fmtTime(now), fmtTime(now)); err != nil {
		return ThrottleVerdict{}, err
	}
	var n int
	var lastAt, nextAt string
	if err := t.q.QueryRowContext(ctx,
		`SELECT attempts, last_at, next_at FROM signin_throttle WHERE key = ?`, key).
		Scan(&n, &lastAt, &nextAt); err != nil {
		return ThrottleVerdict{}, err
	}
	last, next := parseTime(lastAt), parseTime(nextAt)
	if now.Before(last) {
		// Attempts of a burst read the clock before queueing for this
		// transaction; one that read it earlier but comes later counts
		// at the last time seen, not as a time-traveller refused.
		now = last
	}
	if now.Sub(last) >= quiet {
		n = 0
	} else if now.Before(next) {
		// Only the attempt that flips reported audits the refusal.
		res, err := t.q.ExecContext(ctx, `UPDATE signin_throttle SET reported = 1 WHERE key = ? AND reported = 0`, key)
		if err != nil {
			return ThrottleVerdict{}, err
		}
		k, _ := res.RowsAffected()
		return ThrottleVerdict{Wait: next.Sub(now), FirstRefusal: k == 1}, nil
	}
	res, err := t.q.ExecContext(ctx,
		`UPDATE signin_throttle SET attempts = ?, last_at = ?, next_at = ?, reported = 0
		 WHERE key = ? AND last_at = ? AND next_at = ?`,
		n+1, fmtTime(now), fmtTime(now.Add(wait(n+1))), key, lastAt, nextAt)
	if err != nil {
		return ThrottleVerdict{}, err
	}
	if k, _ := res.RowsAffected(); k != 1 {
		// Another replica's attempt on this key committed between our
		// read and write (PostgreSQL, read committed): wait for it.
		return ThrottleVerdict{Wait: time.Second}, nil
	}
	return ThrottleVerdict{OK: true}, nil
}

// ThrottleSucceed gives back a successful attempt's count. With clear (an
// account or device that signed in) the key starts afresh; otherwise (a
// client network) only this attempt is taken off, so one good account
// cannot wash away the failures of a guessing client.
func (s *Store) ThrottleSucceed(ctx context.Context, key string, clear bool) error {
	if clear {
		_, err := s.W.ExecContext(ctx, `DELETE FROM signin_throttle WHERE key = ?`, key)
		return err
	}
	_, err := s.W.ExecContext(ctx, `UPDATE signin_throttle SET attempts = attempts - 1 WHERE key = ? AND attempts > 0`, key)
	return err
}

// ThrottleForget removes the keys without an attempt since before, so the
// table holds only recent ones whatever a flood of distinct keys does.
func (s *Store) ThrottleForget(ctx context.Context, before time.Time) error {
	_, err := s.W.ExecContext(ctx, `DELETE FROM signin_throttle WHERE last_at < ?`, fmtTime(before))
	return err
}

// AddSigninDevice records a device that signed u in, by its cookie's hash.
func (s *Store) AddSigninDevice(ctx context.Context, hash []byte, userID int64, now time.Time) error {
	_, err := s.W.ExecContext(ctx,
		`INSERT INTO signin_devices (token_hash, user_id, created_at, last_used_at) VALUES (?, ?, ?, ?)
		 ON CONFLICT (token_hash) DO UPDATE SET last_used_at = excluded.last_used_at`,
		hash, userID, fmtTime(now), fmtTime(now))
	return err
}

// SigninDeviceUser is the account a device signed in, or 0. Devices unused
// since before are not trusted any more.
func (q queries) SigninDeviceUser(ctx context.Context, hash []byte, since time.Time) (int64, error) {
	var id int64
	err := q.q.QueryRowContext(ctx,
		`SELECT user_id FROM signin_devices WHERE token_hash = ? AND last_used_at >= ?`, hash, fmtTime(since)).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	return id, nil
}
