// Package accounts is the service for people: sign-in (signin.go), the
// first run (setup.go), users and their roles (users.go), passwords
// (passwords.go) and API tokens (tokens.go). The console and the JSON API both
// call it, so every guard rule lives here, checked inside the transaction
// that applies the change and writes its audit entry.
package accounts

import (
	"context"
	"strings"
	"time"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/problem"
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
	// PasswordSignIn off (answers serve --password-sign-in=false) lets
	// only break-glass accounts sign in with a password; everyone else
	// signs in through the organisation's provider. API tokens still work.
	PasswordSignIn bool
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
		PasswordSignIn: true,
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

// normEmail is an email address as accounts are keyed by it.
func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
