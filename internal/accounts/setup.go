package accounts

import (
	"context"
	"errors"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

var errSetupDone = problem.New(problem.NotFound, "setup_done", "This console is already set up. Sign in instead.")

// PrepareSetup makes a new one-time setup token when the database has no
// users yet, and returns it; "" when setup is already done.
func (s *Service) PrepareSetup(ctx context.Context) (string, error) {
	token := auth.RandomToken(20)
	created := false
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		n, err := tx.CountUsers(ctx)
		if err != nil || n > 0 {
			return err
		}
		created = true
		return tx.PutSetupToken(ctx, auth.TokenHash(token), s.now())
	})
	if err != nil || !created {
		return "", err
	}
	return token, nil
}

// CheckSetupToken says whether token opens the setup page.
func (s *Service) CheckSetupToken(ctx context.Context, token string) error {
	n, err := s.Store.CountUsers(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return errSetupDone
	}
	return s.matchSetupToken(ctx, s.Store, token)
}

type setupReader interface {
	SetupTokenHash(ctx context.Context) ([]byte, error)
}

func (s *Service) matchSetupToken(ctx context.Context, q setupReader, token string) error {
	h, err := q.SetupTokenHash(ctx)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !auth.SameHash(h, auth.TokenHash(token))) {
		return problem.New(problem.Forbidden, "bad_setup_token", "This setup link is not valid. Use the link printed when the server started.")
	}
	return err
}

// Setup creates the first admin with the one-time token and consumes it.
func (s *Service) Setup(ctx context.Context, token string, in NewUserInput, confirm, ip string) (store.User, error) {
	in.Role = rbac.Admin.String()
	email, name, role, err := checkUserInput(in)
	if err != nil {
		return store.User{}, err
	}
	if err := auth.CheckPasswordRules(in.Password); err != nil {
		return store.User{}, problem.Field("password", "Password: %s.", err)
	}
	if in.Password != confirm {
		return store.User{}, problem.Field("confirm", "The two passwords differ.")
	}
	hash, err := s.Hasher.Hash(in.Password)
	if err != nil {
		return store.User{}, err
	}
	var u store.User
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if n, err := tx.CountUsers(ctx); err != nil {
			return err
		} else if n > 0 {
			return errSetupDone
		}
		if err := s.matchSetupToken(ctx, tx, token); err != nil {
			return err
		}
		if u, err = tx.CreateUser(ctx, store.NewUser{Email: email, Name: name, Role: role, PasswordHash: hash}, s.now()); err != nil {
			return err
		}
		if err := tx.DeleteSetupToken(ctx); err != nil {
			return err
		}
		return s.audit(ctx, tx, userEntry(who.Actor{User: u, IP: ip}, audit.ActionSetup, u, map[string]any{
			"after": map[string]any{"email": u.Email, "name": u.Name, "role": u.Role.String()},
		}))
	})
	return u, err
}
