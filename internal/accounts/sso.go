package accounts

import (
	"context"
	"errors"
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// SSOSignIn is a sign-in the OpenID provider vouched for: who the person
// is there, and the role the console's rules give them (internal/sso).
type SSOSignIn struct {
	Issuer   string
	Subject  string
	Provider string // the provider's name, as the console shows it
	Email    string
	// EmailVerified is the provider's email_verified claim: only a
	// verified email links a password account, or replaces the email of
	// an account at a later sign-in.
	EmailVerified bool
	Name          string
	// Role is the highest role the rules gave; 0 when none matched.
	Role rbac.Role
	// Seen are the claim values the rules looked at, by claim path: they
	// go into the audit entry of a refusal.
	Seen map[string]any
	// Overage names the claims the provider left out for being too many.
	Overage []string
	IP      string
}

// Refusal codes of SignInSSO.
const (
	CodeSSONoRole     = "sso_no_role"
	CodeSSOLastAdmin  = "last_admin"
	CodeSSODisabled   = "account_disabled"
	CodeSSONoEmail    = "sso_no_email"
	CodeSSOEmailTaken = "sso_email_taken"
	// CodeSSOEmailUnverified refuses to link a password account to a
	// sign-in whose email the provider did not say is verified.
	CodeSSOEmailUnverified = "sso_email_unverified"
	// CodePasswordFromProvider refuses to give a password to a person who
	// signs in through the provider.
	CodePasswordFromProvider = "password_from_provider"
)

// SignInSSO signs in the person the provider vouched for. Users are found
// by issuer and subject, never by email; the first sign-in makes the
// account (name and email from the claims); every sign-in sets the role
// the rules give, under the same last-admin rule as a manager's change. A
// person no rule gives a role, an account an admin disabled, and a role
// change that would leave no active admin are refused and audited as
// auth.sso_refused with the claim values seen.
func (s *Service) SignInSSO(ctx context.Context, in SSOSignIn) (store.User, error) {
	if in.Role == 0 {
		msg := "Your account at " + in.Provider + " is in no group that gives a role in this console. Ask a console admin to add a rule for one of your groups, or your " + in.Provider + " admin to add you to one."
		if len(in.Overage) > 0 {
			msg = in.Provider + " did not send your groups (" + strings.Join(in.Overage, ", ") + ") because you are in too many; ask your " + in.Provider + " admin to send only the groups assigned to this application."
		}
		return store.User{}, s.refuseSSO(ctx, in, 0, CodeSSONoRole, problem.New(problem.Forbidden, CodeSSONoRole, "%s", msg))
	}
	var u store.User
	var refusal *problem.Error
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.UserByIdentity(ctx, in.Issuer, in.Subject)
		if errors.Is(err, store.ErrNotFound) {
			u, refusal, err = s.provision(ctx, tx, in)
			if err != nil || refusal != nil {
				return err
			}
		} else if err != nil {
			return err
		} else if u, err = s.syncProfile(ctx, tx, who.Actor{User: u, IP: in.IP}, u, in); err != nil {
			return err
		}
		if !u.Active() {
			// Whatever the provider says, an account an admin disabled
			// stays disabled.
			refusal = problem.New(problem.Forbidden, CodeSSODisabled, "This account is disabled in the console. Ask a console manager to enable it.")
			return errRefused
		}
		me := who.Actor{User: u, IP: in.IP}
		if u.Role != in.Role {
			if err := tx.SetUserRole(ctx, u.ID, in.Role, s.now()); errors.Is(err, store.ErrLastAdmin) {
				refusal = problem.New(problem.Conflict, CodeSSOLastAdmin, "%s gives you the role %s now, but you are the console's last active admin: make someone else an admin first (or ask your %s admin to keep you in the admins' group).", in.Provider, in.Role, in.Provider)
				return errRefused
			} else if err != nil {
				return err
			}
			if err := s.audit(ctx, tx, userEntry(me, audit.ActionRoleSynced, u, map[string]any{
				"before": map[string]any{"role": u.Role.String()}, "after": map[string]any{"role": in.Role.String()},
				"provider": in.Provider, "claims": in.Seen,
			})); err != nil {
				return err
			}
			u.Role = in.Role
		}
		if err := tx.TouchLogin(ctx, u.ID, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, userEntry(me, audit.ActionSignIn, u, map[string]any{"method": "sso", "provider": in.Provider}))
	})
	if errors.Is(err, errRefused) {
		return store.User{}, s.refuseSSO(ctx, in, u.ID, refusal.Code, refusal)
	}
	if err != nil {
		return store.User{}, err
	}
	return u, nil
}

// errRefused rolls back a sign-in that is refused; the refusal is audited
// after, on its own.
var errRefused = errors.New("sso sign-in refused")

// provision makes the account of a first sign-in.
func (s *Service) provision(ctx context.Context, tx *store.Tx, in SSOSignIn) (store.User, *problem.Error, error) {
	email := normEmail(in.Email)
	if addr, err := mail.ParseAddress(email); email == "" || err != nil || addr.Address != email || len(email) > MaxEmailBytes {
		return store.User{}, problem.New(problem.Forbidden, CodeSSONoEmail, "%s sent no usable email address for you; the console needs one to make your account. Ask your %s admin.", in.Provider, in.Provider), errRefused
	}
	if existing, err := tx.UserByEmail(ctx, email); err == nil {
		return s.link(ctx, tx, in, existing)
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.User{}, nil, err
	}
	name := ssoName(in.Name)
	if name == "" {
		name = email
	}
	// No password: the account signs in through the provider only
	// (auth.Hasher.Check never accepts an empty hash).
	u, err := tx.CreateUser(ctx, store.NewUser{Email: email, Name: name, Role: in.Role}, s.now())
	if errors.Is(err, store.ErrDuplicate) {
		return store.User{}, problem.New(problem.Conflict, CodeSSOEmailTaken, "The console already has an account with the email %s that signs in with a password; it is not linked to %s. Sign in with the password, or ask a console admin.", email, in.Provider), errRefused
	}
	if err != nil {
		return store.User{}, nil, err
	}
	if err := tx.AddIdentity(ctx, store.Identity{UserID: u.ID, Issuer: in.Issuer, Subject: in.Subject, Provider: in.Provider}, s.now()); err != nil {
		return store.User{}, nil, err
	}
	err = s.audit(ctx, tx, userEntry(who.Actor{User: u, IP: in.IP}, audit.ActionSSOProvisioned, u, map[string]any{
		"after":    map[string]any{"email": u.Email, "name": u.Name, "role": u.Role.String(), "status": "active"},
		"provider": in.Provider, "issuer": in.Issuer, "subject": in.Subject, "claims": in.Seen,
	}))
	return u, nil, err
}

// ssoName is the name from the claims, trimmed and bounded ("" for
// none).
func ssoName(name string) string {
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > 100 {
		name = string([]rune(name)[:100])
	}
	return name
}

// link ties the password account that has the email of a first sign-in
// to the provider's identity, when an admin allows it and the provider
// says the email is verified; a disabled account is never linked.
func (s *Service) link(ctx context.Context, tx *store.Tx, in SSOSignIn, u store.User) (store.User, *problem.Error, error) {
	on, err := ssoLinking(ctx, tx)
	if err != nil {
		return store.User{}, nil, err
	}
	if !on {
		return store.User{}, problem.New(problem.Conflict, CodeSSOEmailTaken, "The console already has an account with the email %s that signs in with a password; it is not linked to %s. Sign in with the password, or ask a console admin: an admin can turn on linking of %s sign-ins to accounts with the same verified email on the Users page.", u.Email, in.Provider, in.Provider), errRefused
	}
	if !in.EmailVerified {
		return store.User{}, problem.New(problem.Forbidden, CodeSSOEmailUnverified, "The console already has an account with the email %s, but %s does not say that this email is verified, so it is not linked. Ask your %s admin to verify your email, or sign in with the password.", u.Email, in.Provider, in.Provider), errRefused
	}
	if !u.Active() {
		return store.User{}, problem.New(problem.Forbidden, CodeSSODisabled, "This account is disabled in the console. Ask a console manager to enable it."), errRefused
	}
	if _, err := tx.IdentityOf(ctx, u.ID); err == nil {
		return store.User{}, problem.New(problem.Conflict, CodeSSOEmailTaken, "The console already has an account with the email %s, linked to another %s account. Ask a console admin.", u.Email, in.Provider), errRefused
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.User{}, nil, err
	}
	if err := tx.AddIdentity(ctx, store.Identity{UserID: u.ID, Issuer: in.Issuer, Subject: in.Subject, Provider: in.Provider}, s.now()); err != nil {
		return store.User{}, nil, err
	}
	err = s.audit(ctx, tx, userEntry(who.Actor{User: u, IP: in.IP}, audit.ActionSSOLinked, u, map[string]any{
		"provider": in.Provider, "issuer": in.Issuer, "subject": in.Subject, "claims": in.Seen,
	}))
	return u, nil, err
}

// syncProfile follows the name and email of the claims at a later
// sign-in: the email only when the provider says it is verified and no
// other account has it (else the old one stays), audited when either
// changes.
func (s *Service) syncProfile(ctx context.Context, tx *store.Tx, me who.Actor, u store.User, in SSOSignIn) (store.User, error) {
	name, email := u.Name, u.Email
	if n := ssoName(in.Name); n != "" {
		name = n
	}
	if e := normEmail(in.Email); in.EmailVerified && e != u.Email {
		if addr, err := mail.ParseAddress(e); err == nil && addr.Address == e && len(e) <= MaxEmailBytes {
			if _, err := tx.UserByEmail(ctx, e); errors.Is(err, store.ErrNotFound) {
				email = e
			} else if err != nil {
				return u, err
			}
		}
	}
	if name == u.Name && email == u.Email {
		return u, nil
	}
	if err := tx.SetUserProfile(ctx, u.ID, name, email, s.now()); err != nil {
		return u, err
	}
	err := s.audit(ctx, tx, userEntry(me, audit.ActionProfileSynced, u, map[string]any{
		"before": map[string]any{"name": u.Name, "email": u.Email}, "after": map[string]any{"name": name, "email": email},
		"provider": in.Provider,
	}))
	u.Name, u.Email = name, email
	return u, err
}

// ssoLinking reads whether a first sign-in through the provider with a
// verified email links the password account of that email.
func ssoLinking(ctx context.Context, tx *store.Tx) (bool, error) {
	v, err := tx.Setting(ctx, store.SettingSSOLinkVerifiedEmail)
	return v == "1", err
}

// SSOLinking says whether an admin allowed linking provider sign-ins to
// password accounts with the same verified email.
func (s *Service) SSOLinking(ctx context.Context) (bool, error) {
	v, err := s.Store.Setting(ctx, store.SettingSSOLinkVerifiedEmail)
	return v == "1", err
}

// SetSSOLinking turns linking of provider sign-ins to password accounts
// with the same verified email on or off: admins only, audited.
func (s *Service) SetSSOLinking(ctx context.Context, actor who.Actor, on bool) error {
	if err := actor.Require(rbac.ManageSettings, "change console settings"); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		before, err := ssoLinking(ctx, tx)
		if err != nil || before == on {
			return err
		}
		v := "0"
		if on {
			v = "1"
		}
		if err := tx.SetSetting(ctx, store.SettingSSOLinkVerifiedEmail, v, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor.Entry(audit.ActionSettingChanged, "setting", 0, store.SettingSSOLinkVerifiedEmail, map[string]any{
			"before": map[string]any{"value": before}, "after": map[string]any{"value": on},
		}))
	})
}

// refuseSSO audits a refused sign-in and returns the refusal.
func (s *Service) refuseSSO(ctx context.Context, in SSOSignIn, userID int64, reason string, p *problem.Error) error {
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		e := audit.Entry{ActorName: "anonymous", Action: audit.ActionSSORefused, IP: in.IP,
			TargetType: "user", TargetName: audit.Cap(normEmail(in.Email), MaxEmailBytes),
			Details: map[string]any{"reason": reason, "provider": in.Provider, "issuer": in.Issuer, "subject": in.Subject, "claims": in.Seen}}
		if userID != 0 {
			e.TargetID = strconv.FormatInt(userID, 10)
		}
		return s.audit(ctx, tx, e)
	})
	if err != nil {
		return err
	}
	return p
}

// EndSSOSessions ends every console session of the person the provider
// names (back-channel logout), on every replica at once. A person the
// console does not know is no error: there is nothing to end.
func (s *Service) EndSSOSessions(ctx context.Context, issuer, subject, provider, ip string) error {
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByIdentity(ctx, issuer, subject)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if err := tx.EndUserSessions(ctx, u.ID, s.now()); err != nil {
			return err
		}
		e := userEntry(who.Actor{IP: ip}, audit.ActionSSOLoggedOut, u, map[string]any{"provider": provider})
		e.ActorName = "system" // the provider, by a token it signed (details name it)
		return s.audit(ctx, tx, e)
	})
}
