package accounts

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
)

// TokenPrefix starts every personal API token, so that a leaked one is easy
// to recognise.
const TokenPrefix = "ans_"

// CreateToken makes a personal API token for ownerID and returns it; it is
// shown once and only its hash is kept. People make tokens for themselves;
// the system actor (the CLI) may make one for anybody.
func (s *Service) CreateToken(ctx context.Context, a Actor, ownerID int64, name string) (string, store.APIToken, error) {
	if !a.System && a.User.ID != ownerID {
		return "", store.APIToken{}, problem.New(problem.Forbidden, "not_own_token", "You can only create API tokens for yourself.")
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "API token"
	}
	if utf8.RuneCountInString(name) > 100 {
		return "", store.APIToken{}, problem.Field("name", "Use at most 100 characters for the token name.")
	}
	secret := TokenPrefix + auth.RandomToken(24)
	var tok store.APIToken
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByID(ctx, ownerID)
		if err != nil || !u.Active() {
			return problem.New(problem.Forbidden, "inactive", "Only an active account can have API tokens.")
		}
		if tok, err = tx.CreateAPIToken(ctx, u.ID, name, secret[:len(TokenPrefix)+6], auth.TokenHash(secret), s.now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, a.entry(audit.ActionTokenCreated, u, map[string]any{
			"token": map[string]any{"id": tok.ID, "name": tok.Name, "prefix": tok.Prefix},
		}))
	})
	if err != nil {
		return "", store.APIToken{}, err
	}
	return secret, tok, nil
}

// RevokeToken revokes one of the actor's own tokens.
func (s *Service) RevokeToken(ctx context.Context, a Actor, id int64) error {
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		tok, err := tx.RevokeAPIToken(ctx, a.User.ID, id, s.now())
		if errors.Is(err, store.ErrNotFound) {
			return problem.New(problem.NotFound, "token_not_found", "No such token.")
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, a.entry(audit.ActionTokenRevoked, a.User, map[string]any{
			"token": map[string]any{"id": tok.ID, "name": tok.Name, "prefix": tok.Prefix},
		}))
	})
}

// AuthenticateToken finds the active user a bearer token belongs to.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (store.User, error) {
	bad := problem.New(problem.Unauthorized, "bad_token", "The API token is missing, revoked or wrong.")
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 200 {
		return store.User{}, bad
	}
	u, _, err := s.Store.UserByTokenHash(ctx, auth.TokenHash(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, bad
	}
	if err != nil {
		return store.User{}, err
	}
	if !u.Active() {
		return store.User{}, problem.New(problem.Unauthorized, "account_disabled", "The account this token belongs to is disabled.")
	}
	return u, nil
}
