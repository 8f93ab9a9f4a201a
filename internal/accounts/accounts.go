// Package accounts is the service for people: sign-in, setup, users and
// their roles, passwords and API tokens. The console and the JSON API both
// call it, so every guard rule lives here, checked inside the transaction
// that applies the change and writes its audit entry.
package accounts

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// Service is the accounts service.
type Service struct {
	Store  *store.Store
	Hasher auth.Hasher
	Now    func() time.Time
	// Sign-ins slow down per account (or per known device) and per client
	// network; the state is in the database, shared by every replica.
	AccountBackoff auth.Backoff
	IPBackoff      auth.Backoff
}

// Production sign-in slow-downs: five free tries an account, then 2 s,
// 4 s, … up to 5 minutes between tries; twenty a client network, up to
// 15 minutes. Quiet for 15 minutes, a key starts afresh.
var (
	DefaultAccountBackoff = auth.Backoff{Free: 5, Base: 2 * time.Second, Max: 5 * time.Minute, Quiet: 15 * time.Minute}
	DefaultIPBackoff      = auth.Backoff{Free: 20, Base: 2 * time.Second, Max: 15 * time.Minute, Quiet: 15 * time.Minute}
)

// New makes a service with production settings.
func New(st *store.Store) *Service {
	return &Service{
		Store:          st,
		Hasher:         auth.DefaultHasher,
		Now:            time.Now,
		AccountBackoff: DefaultAccountBackoff,
		IPBackoff:      DefaultIPBackoff,
	}
}

// userEntry is an audit entry of a's action on the user target.
func userEntry(a who.Actor, action string, target store.User, details map[string]any) audit.Entry {
	return a.Entry(action, "user", target.ID, target.Email, details)
}

func (s *Service) now() time.Time { return s.Now().UTC() }

func (s *Service) audit(ctx context.Context, tx *store.Tx, e audit.Entry) error {
	e.At = s.now()
	_, err := tx.AppendAudit(ctx, e)
	return err
}

var (
	errNoUser = problem.New(problem.NotFound, "user_not_found", "No such user.")
)

// ---- sign-in -------------------------------------------------------------

// MaxEmailBytes is the longest email address (RFC 5321's path limit).
// Longer sign-in input is cut to it before it becomes a throttle key or an
// audit entry.
const MaxEmailBytes = 254

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

// ---- users -----------------------------------------------------------------

// NewUserInput is the form for adding a user.
type NewUserInput struct {
	Email    string
	Name     string
	Role     string
	Password string // generated when empty
}

// AddUser creates an account. It returns the password, which is the
// generated one when none was given. An account a person adds (in the
// console or over the API) must choose its own password at its first
// console sign-in, as the one it got was seen by someone else; the
// system's adds (the CLI, the demo, first-run setup) are not.
func (s *Service) AddUser(ctx context.Context, a who.Actor, in NewUserInput) (store.User, string, error) {
	email, name, role, err := checkUserInput(in)
	if err != nil {
		return store.User{}, "", err
	}
	password := in.Password
	if password == "" {
		password = auth.GeneratePassword()
	} else if err := auth.CheckPasswordRules(password); err != nil {
		return store.User{}, "", problem.Field("password", "Password: %s.", err)
	}
	hash, err := s.Hasher.Hash(password)
	if err != nil {
		return store.User{}, "", err
	}
	var u store.User
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if !a.System {
			me, err := s.reloadActor(ctx, tx, a)
			if err != nil {
				return err
			}
			if !rbac.CanAssign(me.Role, role) {
				return problem.Field("role", "You can only give roles up to your own (%s).", me.Role)
			}
		}
		u, err = tx.CreateUser(ctx, store.NewUser{Email: email, Name: name, Role: role, PasswordHash: hash, MustChangePassword: !a.System}, s.now())
		if errors.Is(err, store.ErrDuplicate) {
			return problem.Field("email", "A user with the email %s already exists.", email)
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, userEntry(a, audit.ActionUserAdded, u, map[string]any{
			"after": map[string]any{"email": u.Email, "name": u.Name, "role": u.Role.String(), "status": "active"},
		}))
	})
	if err != nil {
		return store.User{}, "", err
	}
	return u, password, nil
}

func checkUserInput(in NewUserInput) (email, name string, role rbac.Role, err error) {
	email = normEmail(in.Email)
	if email == "" {
		return "", "", 0, problem.Field("email", "Enter an email address.")
	}
	if addr, perr := mail.ParseAddress(email); perr != nil || addr.Address != email || len(email) > 254 {
		return "", "", 0, problem.Field("email", "%q is not an email address.", in.Email)
	}
	name = strings.TrimSpace(in.Name)
	if name == "" {
		return "", "", 0, problem.Field("name", "Enter a name.")
	}
	if utf8.RuneCountInString(name) > 100 {
		return "", "", 0, problem.Field("name", "Use at most 100 characters for the name.")
	}
	role, perr := rbac.ParseRole(in.Role)
	if perr != nil {
		return "", "", 0, problem.Field("role", "Choose a role.")
	}
	return email, name, role, nil
}

// reloadActor reads the acting user again inside the transaction, so that
// a manager demoted a moment ago cannot still act as one.
func (s *Service) reloadActor(ctx context.Context, tx *store.Tx, a who.Actor) (store.User, error) {
	me, err := tx.UserByID(ctx, a.User.ID)
	if err != nil || !me.Active() {
		return store.User{}, problem.New(problem.Unauthorized, "signed_out", "Your account is no longer active.")
	}
	if !rbac.Can(me.Role, rbac.ManageUsers) {
		return store.User{}, problem.New(problem.Forbidden, "forbidden", "Only managers and admins manage users.")
	}
	return me, nil
}

// loadTarget loads the user a manager acts on and applies the rules every
// such action shares: not oneself, and not someone above one's own role.
func (s *Service) loadTarget(ctx context.Context, tx *store.Tx, a who.Actor, id int64, what string) (me, target store.User, err error) {
	if me, err = s.reloadActor(ctx, tx, a); err != nil {
		return
	}
	if target, err = tx.UserByID(ctx, id); errors.Is(err, store.ErrNotFound) {
		err = errNoUser
		return
	} else if err != nil {
		return
	}
	if target.ID == me.ID {
		err = problem.New(problem.Forbidden, "self", "You cannot %s your own account.", what)
		return
	}
	if target.Role > me.Role {
		err = problem.New(problem.Forbidden, "above_own_role", "You cannot %s an account with a role above your own (%s).", what, target.Role)
	}
	return
}

// ChangeRole gives a user another role: only roles at or below the actor's
// own, never the actor's own account, never the last active admin.
func (s *Service) ChangeRole(ctx context.Context, a who.Actor, id int64, roleName string) (store.User, error) {
	role, err := rbac.ParseRole(roleName)
	if err != nil {
		return store.User{}, problem.Field("role", "Choose a role.")
	}
	var u store.User
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		me, target, err := s.loadTarget(ctx, tx, a, id, "change the role of")
		if err != nil {
			return err
		}
		if !rbac.CanAssign(me.Role, role) {
			return problem.Field("role", "You can only give roles up to your own (%s).", me.Role)
		}
		if target.Role == role {
			u = target
			return nil
		}
		if err := tx.SetUserRole(ctx, id, role, s.now()); errors.Is(err, store.ErrLastAdmin) {
			return problem.New(problem.Conflict, "last_admin", "%s is the last active admin; make someone else an admin first.", target.Email)
		} else if err != nil {
			return err
		}
		u, err = tx.UserByID(ctx, id)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, userEntry(a, audit.ActionRoleChanged, u, map[string]any{
			"before": map[string]any{"role": target.Role.String()},
			"after":  map[string]any{"role": role.String()},
		}))
	})
	return u, err
}

// SetDisabled disables or enables an account. Disabling ends the user's
// sessions and revokes their API tokens.
func (s *Service) SetDisabled(ctx context.Context, a who.Actor, id int64, disabled bool) (store.User, error) {
	verb, action := "enable", audit.ActionUserEnabled
	if disabled {
		verb, action = "disable", audit.ActionUserDisabled
	}
	var u store.User
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		_, target, err := s.loadTarget(ctx, tx, a, id, verb)
		if err != nil {
			return err
		}
		if target.Active() == !disabled {
			u = target
			return nil
		}
		if err := tx.SetUserDisabled(ctx, id, disabled, s.now()); errors.Is(err, store.ErrLastAdmin) {
			return problem.New(problem.Conflict, "last_admin", "%s is the last active admin and cannot be disabled.", target.Email)
		} else if err != nil {
			return err
		}
		if u, err = tx.UserByID(ctx, id); err != nil {
			return err
		}
		details := map[string]any{
			"before": map[string]any{"status": status(target)},
			"after":  map[string]any{"status": status(u)},
		}
		if disabled {
			// Re-enabling must not revive the tokens of an account that
			// was disabled, perhaps because it was compromised.
			n, err := tx.RevokeUserAPITokens(ctx, id, s.now())
			if err != nil {
				return err
			}
			if n > 0 {
				details["tokens_revoked"] = n
			}
		}
		return s.audit(ctx, tx, userEntry(a, action, u, details))
	})
	return u, err
}

func status(u store.User) string {
	if u.Active() {
		return "active"
	}
	return "disabled"
}

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

func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
