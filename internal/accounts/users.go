package accounts

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// NewUserInput is the form for adding a user.
type NewUserInput struct {
	Email    string
	Name     string
	Role     string
	Password string // generated when empty
	// BreakGlass: the account signs in with its password even when
	// password sign-in is turned off (the CLI's --break-glass).
	BreakGlass bool
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
	if in.BreakGlass && !a.System {
		// Break-glass accounts bypass the organisation's provider: only
		// whoever runs the server (the CLI) makes them.
		return store.User{}, "", problem.New(problem.Forbidden, "break_glass_cli_only", "Break-glass accounts are made with the command line (answers user add --break-glass).")
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
		u, err = tx.CreateUser(ctx, store.NewUser{Email: email, Name: name, Role: role, PasswordHash: hash, MustChangePassword: !a.System, BreakGlass: in.BreakGlass}, s.now())
		if errors.Is(err, store.ErrDuplicate) {
			return problem.Field("email", "A user with the email %s already exists.", email)
		}
		if err != nil {
			return err
		}
		after := map[string]any{"email": u.Email, "name": u.Name, "role": u.Role.String(), "status": "active"}
		if u.BreakGlass {
			after["break_glass"] = true
		}
		return s.audit(ctx, tx, userEntry(a, audit.ActionUserAdded, u, map[string]any{"after": after}))
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

// CodeRoleFromProvider refuses a role change of a user whose role follows
// an OpenID provider.
const CodeRoleFromProvider = "role_from_provider"

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
		if target.Provider != "" {
			return problem.New(problem.Conflict, CodeRoleFromProvider, "The role of %s comes from %s and is set again at each sign-in; change their groups there.", target.Email, target.Provider)
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
