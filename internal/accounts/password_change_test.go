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

// TestPasswordSetBySomeoneElseMustBeChanged: an account a person adds, or
// whose password a person resets, must choose its own password; the
// system's adds (CLI, demo, setup) need not; choosing one clears it, and
// the one given is not accepted as the new one.
func TestPasswordSetBySomeoneElseMustBeChanged(t *testing.T) {
	app := testkit.New(t)
	ctx := context.Background()
	for _, r := range rbac.Roles() {
		if app.Users[r].MustChangePassword {
			t.Fatalf("the system's add of %s must not force a change", r)
		}
	}
	u, given, err := app.Accounts.AddUser(ctx, as(app, rbac.Manager), accounts.NewUserInput{Email: "new@test.local", Name: "New", Role: "designer"})
	if err != nil {
		t.Fatal(err)
	}
	if !u.MustChangePassword {
		t.Fatal("a manager's add does not force a password change")
	}
	me := who.Actor{User: u, IP: ip}
	_, err = app.Accounts.ChangeOwnPassword(ctx, me, given, given, given)
	testkit.WantProblem(t, err, problem.Invalid, "invalid_password")
	if u, _ = app.Store.UserByID(ctx, u.ID); !u.MustChangePassword {
		t.Fatal("a refused change cleared the flag")
	}
	u, err = app.Accounts.ChangeOwnPassword(ctx, me, given, "a fresh secret 1", "a fresh secret 1")
	if err != nil {
		t.Fatal(err)
	}
	if u.MustChangePassword {
		t.Fatal("choosing a password did not clear the flag")
	}
	u, _, err = app.Accounts.ResetPassword(ctx, as(app, rbac.Admin), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored, _ := app.Store.UserByID(ctx, u.ID); !u.MustChangePassword || !stored.MustChangePassword {
		t.Fatal("a reset does not force a password change")
	}
	// A user who changes a password they chose themselves may keep
	// nothing of the rule: the same-password refusal is only for given ones.
	own := who.Actor{User: app.Users[rbac.Analyzer], IP: ip}
	if _, err := app.Accounts.ChangeOwnPassword(ctx, own, testkit.Password(rbac.Analyzer), "another secret 2", "another secret 2"); err != nil {
		t.Fatal(err)
	}
}
