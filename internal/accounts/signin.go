package accounts

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// MaxEmailBytes is the longest email address (RFC 5321's path limit).
// Longer sign-in input is cut to it before it becomes a throttle key or an
// audit entry.
const MaxEmailBytes = 254

// CodePasswordSignInOff refuses a password sign-in when only break-glass
// accounts may use one.
const CodePasswordSignInOff = "password_sign_in_off"

// deviceTrust is how long a device that signed in stays known.
const deviceTrust = 90 * 24 * time.Hour

// SignIn checks an email and password from a client with no device
// cookie. See SignInDevice.
func (s *Service) SignIn(ctx context.Context, email, password, ip string) (store.User, error) {
	u, _, err := s.SignInDevice(ctx, email, password, ip, "")
	return u, err
}

// SignInDevice checks an email and password. Each attempt counts against
// the account and the client network (IPv4 address, IPv6 /64) before the
// password is checked, so a burst of concurrent guesses gets no more tries
// than a sequence of them; past a few failures each further try must wait
// longer (auth.Backoff), with no hard lock. A client whose device cookie
// signed this account in before counts against its device instead of the
// account, so strangers guessing cannot keep the owner out. Every success
// and failure is audited. On success it returns the device cookie to set.
func (s *Service) SignInDevice(ctx context.Context, email, password, ip, device string) (store.User, string, error) {
	email = audit.Cap(normEmail(email), MaxEmailBytes)
	now := s.now()
	u, err := s.Store.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.User{}, "", err
	}
	acctKey := "acct:" + email
	if device != "" && u.ID != 0 {
		owner, err := s.Store.SigninDeviceUser(ctx, auth.TokenHash(device), now.Add(-deviceTrust))
		if err != nil {
			return store.User{}, "", err
		}
		if owner == u.ID {
			acctKey = "dev:" + hex.EncodeToString(auth.TokenHash(device))
		} else {
			device = ""
		}
	}
	ipKey := "ip:" + auth.ClientKey(ip)
	if err := s.beginAttempt(ctx, acctKey, s.AccountBackoff, email, ip); err != nil {
		return store.User{}, "", err
	}
	if err := s.beginAttempt(ctx, ipKey, s.IPBackoff, email, ip); err != nil {
		_ = s.Store.ThrottleSucceed(ctx, acctKey, false)
		return store.User{}, "", err
	}
	if !s.Hasher.Check(u.PasswordHash, password) {
		s.recordFailure(ctx, email, ip, "bad_credentials")
		return store.User{}, "", problem.New(problem.Unauthorized, "bad_credentials", "Wrong email or password.")
	}
	if !u.Active() {
		// The right password: the attempt is given back, not counted.
		_ = s.Store.ThrottleSucceed(ctx, acctKey, false)
		_ = s.Store.ThrottleSucceed(ctx, ipKey, false)
		s.recordFailure(ctx, email, ip, "disabled")
		return store.User{}, "", problem.New(problem.Forbidden, "account_disabled", "This account is disabled. Ask a manager to enable it.")
	}
	if !s.PasswordSignIn && !u.BreakGlass {
		// The right password, but not the way in: given back, not counted.
		_ = s.Store.ThrottleSucceed(ctx, acctKey, false)
		_ = s.Store.ThrottleSucceed(ctx, ipKey, false)
		s.recordFailure(ctx, email, ip, "password_sign_in_off")
		return store.User{}, "", problem.New(problem.Forbidden, CodePasswordSignInOff, "Password sign-in is turned off here: use the button to sign in with your organisation's account. Only break-glass accounts sign in with a password.")
	}
	if err := s.Store.ThrottleSucceed(ctx, acctKey, true); err != nil {
		return store.User{}, "", err
	}
	if err := s.Store.ThrottleSucceed(ctx, ipKey, false); err != nil {
		return store.User{}, "", err
	}
	if device == "" {
		device = auth.RandomToken(20)
	}
	if err := s.Store.AddSigninDevice(ctx, auth.TokenHash(device), u.ID, now); err != nil {
		return store.User{}, "", err
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.TouchLogin(ctx, u.ID, now); err != nil {
			return err
		}
		return s.audit(ctx, tx, userEntry(who.Actor{User: u, IP: ip}, audit.ActionSignIn, u, nil))
	})
	return u, device, err
}

// beginAttempt counts a sign-in attempt against key, or answers how long
// to wait.
func (s *Service) beginAttempt(ctx context.Context, key string, b auth.Backoff, email, ip string) error {
	v, err := s.Store.ThrottleBegin(ctx, key, s.now(), b.Quiet, b.Wait)
	if err != nil || v.OK {
		return err
	}
	// Recorded once per wait: a flood against a slowed-down account or
	// network must not flood the audit log.
	if v.FirstRefusal {
		s.recordFailure(ctx, email, ip, "throttled")
	}
	return &problem.Error{Kind: problem.TooMany, Code: "throttled", RetryAfter: v.Wait,
		Message: fmt.Sprintf("Too many sign-in attempts. Try again in %s.", roundUp(v.Wait))}
}

// SweepThrottle forgets sign-in throttle keys that have been quiet longer
// than any backoff remembers them.
func (s *Service) SweepThrottle(ctx context.Context) error {
	return s.Store.ThrottleForget(ctx, s.now().Add(-max(s.AccountBackoff.Quiet, s.IPBackoff.Quiet)))
}

// recordFailure writes the failed sign-in entry. A failure to write it is
// not the caller's problem: the sign-in is refused either way.
func (s *Service) recordFailure(ctx context.Context, email, ip, reason string) {
	_ = s.Store.InTx(ctx, func(tx *store.Tx) error {
		e := audit.Entry{ActorName: "anonymous", Action: audit.ActionSignInFailed, IP: ip,
			TargetType: "user", TargetName: email, Details: map[string]any{"reason": reason}}
		if u, err := tx.UserByEmail(ctx, email); err == nil {
			e.TargetID = strconv.FormatInt(u.ID, 10)
		}
		return s.audit(ctx, tx, e)
	})
}

// SignOut records the end of a session.
func (s *Service) SignOut(ctx context.Context, a who.Actor) error {
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		return s.audit(ctx, tx, userEntry(a, audit.ActionSignOut, a.User, nil))
	})
}

func roundUp(d time.Duration) string {
	if d < time.Minute {
		n := int((d + time.Second - 1) / time.Second)
		if n <= 1 {
			return "a second"
		}
		return fmt.Sprintf("%d seconds", n)
	}
	if d == time.Minute {
		return "a minute"
	}
	return fmt.Sprintf("%d minutes", int((d+time.Minute-1)/time.Minute))
}
