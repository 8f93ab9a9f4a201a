// Package testkit builds a complete console on a fresh database for
// tests — SQLite, or PostgreSQL when the run names a server (see
// testdb) — the store, the services and one user per role. The web
// server over it is web.ForApp's (the web package's tests keep one per
// App).
package testkit

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/app"
	"github.com/answers-console/answers/internal/auth"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testdb"
	"github.com/answers-console/answers/internal/who"
)

// App is a console for one test.
type App struct {
	*app.App
	// Users holds one active user per role, signed in with Password(role).
	Users map[rbac.Role]store.User
}

// Email is the address of the test user with role r.
func Email(r rbac.Role) string { return r.String() + "@test.local" }

// Password is the password of the test user with role r.
func Password(r rbac.Role) string { return "password-" + r.String() }

// New opens a fresh database in t.TempDir() with one user per role.
func New(t testing.TB) *App {
	t.Helper()
	app := Empty(t)
	app.Users = map[rbac.Role]store.User{}
	for _, r := range rbac.Roles() {
		u, _, err := app.Accounts.AddUser(context.Background(), who.System(), accounts.NewUserInput{
			Email: Email(r), Name: "Test " + r.Title(), Role: r.String(), Password: Password(r),
		})
		if err != nil {
			t.Fatalf("add %s: %v", r, err)
		}
		app.Users[r] = u
	}
	return app
}

// Empty opens a fresh database with no users (first-run state).
func Empty(t testing.TB) *App {
	t.Helper()
	st, err := store.Open(context.Background(), testdb.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a := app.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	a.Accounts.Hasher = auth.Hasher{Cost: 4} // bcrypt's minimum: tests need speed, not strength
	// Tests sign in many times from one address: the network allows more.
	a.Accounts.IPBackoff.Free = 1000
	return &App{App: a}
}
