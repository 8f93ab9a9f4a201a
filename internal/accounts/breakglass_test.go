package accounts_test

import (
	"context"
	"testing"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// TestPasswordSignInOff: with password sign-in off, the right password of
// an ordinary account is refused (audited, not counted as a guess), a
// wrong one is still just wrong, a break-glass account signs in, and API
// tokens keep working. Only the system (the CLI) makes break-glass
// accounts.
func TestPasswordSignInOff(t *testing.T) {
	ctx := context.Background()
	app := testkit.New(t)
	token, _, err := app.Accounts.CreateToken(ctx, as(app, rbac.Designer), app.Users[rbac.Designer].ID, accounts.NewToken{Name: "ci", Password: testkit.Password(rbac.Designer)})
	if err != nil {
		t.Fatal(err)
	}
	glass, pw, err := app.Accounts.AddUser(ctx, who.System(), accounts.NewUserInput{Email: "glass@test.local", Name: "Glass", Role: "admin", BreakGlass: true})
	if err != nil || !glass.BreakGlass {
		t.Fatalf("AddUser break-glass: %+v, %v", glass, err)
	}
	_, _, err = app.Accounts.AddUser(ctx, as(app, rbac.Admin), accounts.NewUserInput{Email: "g2@test.local", Name: "G2", Role: "analyzer", BreakGlass: true})
	testkit.WantProblem(t, err, problem.Forbidden, "break_glass_cli_only")

	app.Accounts.PasswordSignIn = false
	_, err = app.Accounts.SignIn(ctx, testkit.Email(rbac.Designer), testkit.Password(rbac.Designer), ip)
	testkit.WantProblem(t, err, problem.Forbidden, accounts.CodePasswordSignInOff)
	log := auditLog(t, app.Store)
	wantFailure(t, log[len(log)-1], testkit.Email(rbac.Designer), app.Users[rbac.Designer], "password_sign_in_off")
	_, err = app.Accounts.SignIn(ctx, testkit.Email(rbac.Designer), "wrong password", ip)
	testkit.WantProblem(t, err, problem.Unauthorized, "bad_credentials")

	if u, err := app.Accounts.SignIn(ctx, "glass@test.local", pw, ip); err != nil || u.ID != glass.ID {
		t.Errorf("break-glass sign-in: %+v, %v", u, err)
	}
	if u, err := app.Accounts.AuthenticateToken(ctx, token); err != nil || u.ID != app.Users[rbac.Designer].ID {
		t.Errorf("an API token stopped working with password sign-in off: %v", err)
	}
}
