package accounts

import (
	"context"
	"fmt"
	"strconv"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// ResetPassword gives another user a new random password, returned once,
// and ends their sessions, their API tokens and their known devices.
func (s *Service) ResetPassword(ctx context.Context, a who.Actor, id int64) (store.User, string, error) {
	password := auth.GeneratePassword()
	hash, err := s.Hasher.Hash(password)
	if err != nil {
		return store.User{}, "", err
	}
	var u store.User
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if _, u, err = s.loadTarget(ctx, tx, a, id, "reset the password of"); err != nil {
			return err
		}
		if u.Provider != "" {
			// A password would open a second way in, one the
			// organisation's provider does not control.
			return problem.New(problem.Conflict, CodePasswordFromProvider, "%s signs in through %s and has no password here; their password is reset there.", u.Email, u.Provider)
		}
		if err := tx.SetUserPassword(ctx, id, hash, true, s.now()); err != nil {
			return err
		}
		if u, err = tx.UserByID(ctx, id); err != nil {
			return err
		}
		// A reset is the fix for a compromised account: whatever the
		// intruder took with the old password goes too.
		n, err := tx.RevokeUserAPITokens(ctx, id, s.now())
		if err != nil {
			return err
		}
		if err := tx.ForgetSigninDevices(ctx, id); err != nil {
			return err
		}
		var details map[string]any
		if n > 0 {
			details = map[string]any{"tokens_revoked": n}
		}
		return s.audit(ctx, tx, userEntry(a, audit.ActionPasswordReset, u, details))
	})
	if err != nil {
		return store.User{}, "", err
	}
	return u, password, nil
}

// ChangeOwnPassword changes the actor's password after checking the
// current one. Other sessions of the user end; the caller renews its own.
func (s *Service) ChangeOwnPassword(ctx context.Context, a who.Actor, current, next, confirm string) (store.User, error) {
	if err := s.checkCurrentPassword(ctx, a, current, "current"); err != nil {
		return store.User{}, err
	}
	if err := auth.CheckPasswordRules(next); err != nil {
		return store.User{}, problem.Field("password", "New password: %s.", err)
	}
	if next != confirm {
		return store.User{}, problem.Field("confirm", "The two new passwords differ.")
	}
	if a.User.MustChangePassword && next == current {
		// The point of the forced change is a password nobody else saw.
		return store.User{}, problem.Field("password", "Choose a password other than the one you were given.")
	}
	hash, err := s.Hasher.Hash(next)
	if err != nil {
		return store.User{}, err
	}
	var u store.User
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetUserPassword(ctx, a.User.ID, hash, false, s.now()); err != nil {
			return err
		}
		var err error
		if u, err = tx.UserByID(ctx, a.User.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, userEntry(a, audit.ActionPasswordChanged, u, nil))
	})
	return u, err
}

// checkCurrentPassword asks a signed-in user for their password again (to
// change it, to make an API token). Like a sign-in it is slowed down after
// a few failures, per account, and every failure is audited: a session
// left open must not become a password oracle.
func (s *Service) checkCurrentPassword(ctx context.Context, a who.Actor, password, field string) error {
	key := "pw:" + strconv.FormatInt(a.User.ID, 10)
	v, err := s.Store.ThrottleBegin(ctx, key, s.now(), s.AccountBackoff.Quiet, s.AccountBackoff.Wait)
	if err != nil {
		return err
	}
	if !v.OK {
		return &problem.Error{Kind: problem.TooMany, Code: "throttled", RetryAfter: v.Wait,
			Message: fmt.Sprintf("Too many wrong passwords. Try again in %s.", roundUp(v.Wait))}
	}
	if !s.Hasher.Check(a.User.PasswordHash, password) {
		if err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			return s.audit(ctx, tx, userEntry(a, audit.ActionPasswordCheckFailed, a.User, nil))
		}); err != nil {
			return err
		}
		return problem.Field(field, "The current password is wrong.")
	}
	return s.Store.ThrottleSucceed(ctx, key, true)
}
