package accounts

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// TokenPrefix starts every personal API token, so that a leaked one is easy
// to recognise.
const TokenPrefix = "ans_"

// NewToken is the form for a new personal API token.
type NewToken struct {
	Name string
	// ExpiresIn is the token's lifetime; zero for none.
	ExpiresIn time.Duration
	// Password is the creator's current password: a token outlives the
	// session, so whoever holds a session must prove they are its owner.
	// The system actor (the CLI) needs none.
	Password string
}

// MaxTokenLifetime bounds ExpiresIn.
const MaxTokenLifetime = 5 * 365 * 24 * time.Hour

// CreateToken makes a personal API token for ownerID and returns it; it is
// shown once and only its hash is kept. People make tokens for themselves,
// after giving their current password (throttled and audited like a
// sign-in); the system actor (the CLI) may make one for anybody.
func (s *Service) CreateToken(ctx context.Context, a who.Actor, ownerID int64, in NewToken) (string, store.APIToken, error) {
	if !a.System && a.User.ID != ownerID {
		return "", store.APIToken{}, problem.New(problem.Forbidden, "not_own_token", "You can only create API tokens for yourself.")
	}
	if in.ExpiresIn < 0 || in.ExpiresIn > MaxTokenLifetime {
		return "", store.APIToken{}, problem.Field("expires", "Choose an expiry between one day and five years, or none.")
	}
	if !a.System {
		if err := s.checkCurrentPassword(ctx, a, in.Password, "password"); err != nil {
			return "", store.APIToken{}, err
		}
	}
	name := in.Name
	name = strings.TrimSpace(name)
	if name == "" {
		name = "API token"
	}
	if utf8.RuneCountInString(name) > 100 {
		return "", store.APIToken{}, problem.Field("name", "Use at most 100 characters for the token name.")
	}
	secret := TokenPrefix + auth.RandomToken(24)
	var expires time.Time
	if in.ExpiresIn > 0 {
		expires = s.now().Add(in.ExpiresIn)
	}
	var tok store.APIToken
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByID(ctx, ownerID)
		if err != nil || !u.Active() {
			return problem.New(problem.Forbidden, "inactive", "Only an active account can have API tokens.")
		}
		if tok, err = tx.CreateAPIToken(ctx, u.ID, name, secret[:len(TokenPrefix)+6], auth.TokenHash(secret), s.now(), expires); err != nil {
			return err
		}
		return s.audit(ctx, tx, userEntry(a, audit.ActionTokenCreated, u, map[string]any{
			"token": tokenDetails(tok),
		}))
	})
	if err != nil {
		return "", store.APIToken{}, err
	}
	return secret, tok, nil
}

// RevokeToken revokes one of the actor's own tokens.
func (s *Service) RevokeToken(ctx context.Context, a who.Actor, id int64) error {
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		tok, err := tx.RevokeAPIToken(ctx, a.User.ID, id, s.now())
		if errors.Is(err, store.ErrNotFound) {
			return problem.New(problem.NotFound, "token_not_found", "No such token.")
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, userEntry(a, audit.ActionTokenRevoked, a.User, map[string]any{"token": tokenDetails(tok)}))
	})
}

// AuthenticateToken finds the active user a bearer token belongs to.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (store.User, error) {
	bad := problem.New(problem.Unauthorized, "bad_token", "The API token is missing, revoked or wrong.")
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 200 {
		return store.User{}, bad
	}
	u, tok, err := s.Store.UserByTokenHash(ctx, auth.TokenHash(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, bad
	}
	if err != nil {
		return store.User{}, err
	}
	now := s.now()
	if !tok.ExpiresAt.IsZero() && !now.Before(tok.ExpiresAt) {
		return store.User{}, problem.New(problem.Unauthorized, "token_expired", "The API token has expired.")
	}
	if err := s.Store.TouchAPIToken(ctx, tok, now); err != nil {
		return store.User{}, err
	}
	if !u.Active() {
		return store.User{}, problem.New(problem.Unauthorized, "account_disabled", "The account this token belongs to is disabled.")
	}
	return u, nil
}

func tokenDetails(tok store.APIToken) map[string]any {
	d := map[string]any{"id": tok.ID, "name": tok.Name, "prefix": tok.Prefix}
	if !tok.ExpiresAt.IsZero() {
		d["expires_at"] = tok.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return d
}

// UserTokens lists a user's live tokens: an admin may see anyone's, a
// manager those of users at or below their role (as for other account
// management); everyone sees their own.
func (s *Service) UserTokens(ctx context.Context, a who.Actor, userID int64) ([]store.APIToken, error) {
	if !a.System && a.User.ID != userID {
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			_, _, err := s.loadTarget(ctx, tx, a, userID, "see the API tokens of")
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return s.Store.APITokens(ctx, userID)
}

// RevokeUserToken revokes one of a user's tokens, with the permission of
// UserTokens.
func (s *Service) RevokeUserToken(ctx context.Context, a who.Actor, userID, id int64) error {
	if !a.System && a.User.ID == userID {
		return s.RevokeToken(ctx, a, id)
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		target, err := tx.UserByID(ctx, userID)
		if !a.System {
			_, target, err = s.loadTarget(ctx, tx, a, userID, "revoke the API tokens of")
		}
		if errors.Is(err, store.ErrNotFound) {
			return errNoUser
		}
		if err != nil {
			return err
		}
		tok, err := tx.RevokeAPIToken(ctx, userID, id, s.now())
		if errors.Is(err, store.ErrNotFound) {
			return problem.New(problem.NotFound, "token_not_found", "No such token.")
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, userEntry(a, audit.ActionTokenRevoked, target, map[string]any{"token": tokenDetails(tok)}))
	})
}
