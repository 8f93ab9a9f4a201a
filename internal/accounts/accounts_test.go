package accounts_test

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

const ip = "192.0.2.7"

func (s snapshot) mustEqual(t *testing.T, st *store.Store) {
	t.Helper()
	now := snap(t, st)
	if !reflect.DeepEqual(now.users, s.users) {
		t.Errorf("users changed:\nbefore %+v\nafter  %+v", s.users, now.users)
	}
	if len(now.audit) != len(s.audit) {
		t.Errorf("%d audit entries written, want none: %+v", len(now.audit)-len(s.audit), now.audit[len(s.audit):])
	}
}

// newEntries returns the entries written since the snapshot.
func (s snapshot) newEntries(t *testing.T, st *store.Store) []audit.Entry {
	t.Helper()
	return auditLog(t, st)[len(s.audit):]
}

func addAdmin(t *testing.T, app *testkit.App, email string) store.User {
	t.Helper()
	u, _, err := app.Accounts.AddUser(context.Background(), who.System(), accounts.NewUserInput{
		Email: email, Name: "Second Admin", Role: "admin", Password: "second-admin-pw",
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// action is one of the guarded changes a person makes to another account.
type action func(ctx context.Context, svc *accounts.Service, a who.Actor, id int64) error

func changeRole(role string) action {
	return func(ctx context.Context, svc *accounts.Service, a who.Actor, id int64) error {
		_, err := svc.ChangeRole(ctx, a, id, role)
		return err
	}
}

func setDisabled(disabled bool) action {
	return func(ctx context.Context, svc *accounts.Service, a who.Actor, id int64) error {
		_, err := svc.SetDisabled(ctx, a, id, disabled)
		return err
	}
}

func resetPassword(ctx context.Context, svc *accounts.Service, a who.Actor, id int64) error {
	_, _, err := svc.ResetPassword(ctx, a, id)
	return err
}

const (
	self    rbac.Role = -1 // the target is the actor
	unknown rbac.Role = -2 // the target does not exist
)

func TestGuardRefusals(t *testing.T) {
	const (
		analyzer   = rbac.Analyzer
		supervisor = rbac.Supervisor
		designer   = rbac.Designer
		manager    = rbac.Manager
		admin      = rbac.Admin
	)
	tests := []struct {
		name   string
		actor  rbac.Role // 0: nobody signed in
		target rbac.Role
		do     action
		kind   problem.Kind
		code   string
	}{
		{"manager grants admin", manager, analyzer, changeRole("admin"), problem.Invalid, "invalid_role"},
		{"supervisor grants designer", supervisor, analyzer, changeRole("designer"), problem.Forbidden, "forbidden"},
		{"manager demotes an admin", manager, admin, changeRole("analyzer"), problem.Forbidden, "above_own_role"},
		{"manager changes own role", manager, self, changeRole("designer"), problem.Forbidden, "self"},
		{"the only admin demotes themself", admin, self, changeRole("manager"), problem.Forbidden, "self"},
		{"designer changes a role", designer, analyzer, changeRole("supervisor"), problem.Forbidden, "forbidden"},
		{"analyzer changes a role", analyzer, supervisor, changeRole("analyzer"), problem.Forbidden, "forbidden"},
		{"nobody changes a role", 0, analyzer, changeRole("supervisor"), problem.Unauthorized, "signed_out"},
		{"role that does not exist", manager, analyzer, changeRole("overlord"), problem.Invalid, "invalid_role"},
		{"role of an unknown user", manager, unknown, changeRole("designer"), problem.NotFound, "user_not_found"},

		{"manager disables an admin", manager, admin, setDisabled(true), problem.Forbidden, "above_own_role"},
		{"manager disables themself", manager, self, setDisabled(true), problem.Forbidden, "self"},
		{"the only admin disables themself", admin, self, setDisabled(true), problem.Forbidden, "self"},
		{"designer disables someone", designer, analyzer, setDisabled(true), problem.Forbidden, "forbidden"},
		{"nobody disables someone", 0, analyzer, setDisabled(true), problem.Unauthorized, "signed_out"},
		{"disable an unknown user", admin, unknown, setDisabled(true), problem.NotFound, "user_not_found"},

		{"manager resets an admin's password", manager, admin, resetPassword, problem.Forbidden, "above_own_role"},
		{"manager resets own password", manager, self, resetPassword, problem.Forbidden, "self"},
		{"designer resets a password", designer, analyzer, resetPassword, problem.Forbidden, "forbidden"},
		{"supervisor resets a password", supervisor, analyzer, resetPassword, problem.Forbidden, "forbidden"},
		{"reset an unknown user", manager, unknown, resetPassword, problem.NotFound, "user_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := testkit.New(t)
			a := as(app, tt.actor)
			var id int64
			switch tt.target {
			case self:
				id = a.User.ID
			case unknown:
				id = 999
			default:
				id = app.Users[tt.target].ID
			}
			before := snap(t, app.Store)
			err := tt.do(context.Background(), app.Accounts, a, id)
			testkit.WantProblem(t, err, tt.kind, tt.code)
			before.mustEqual(t, app.Store)
		})
	}
}

func TestGuardedChangesSucceedAndAreAudited(t *testing.T) {
	tests := []struct {
		name      string
		actor     rbac.Role
		target    rbac.Role
		do        action
		action    string
		details   map[string]any
		epochStep int64
		check     func(t *testing.T, u store.User)
	}{
		{"admin promotes an analyzer to manager", rbac.Admin, rbac.Analyzer, changeRole("manager"),
			audit.ActionRoleChanged, beforeAfter("role", "analyzer", "manager"), 0,
			func(t *testing.T, u store.User) { wantRole(t, u, rbac.Manager) }},
		{"manager grants their own role", rbac.Manager, rbac.Designer, changeRole("manager"),
			audit.ActionRoleChanged, beforeAfter("role", "designer", "manager"), 0,
			func(t *testing.T, u store.User) { wantRole(t, u, rbac.Manager) }},
		{"manager demotes a designer", rbac.Manager, rbac.Designer, changeRole("Analyzer"),
			audit.ActionRoleChanged, beforeAfter("role", "designer", "analyzer"), 0,
			func(t *testing.T, u store.User) { wantRole(t, u, rbac.Analyzer) }},
		{"manager disables a designer", rbac.Manager, rbac.Designer, setDisabled(true),
			audit.ActionUserDisabled, beforeAfter("status", "active", "disabled"), 1,
			func(t *testing.T, u store.User) {
				if u.Active() {
					t.Error("still active")
				}
			}},
		{"admin disables a manager", rbac.Admin, rbac.Manager, setDisabled(true),
			audit.ActionUserDisabled, beforeAfter("status", "active", "disabled"), 1, nil},
		{"manager resets a designer's password", rbac.Manager, rbac.Designer, resetPassword,
			audit.ActionPasswordReset, nil, 1, nil},
		{"admin resets a manager's password", rbac.Admin, rbac.Manager, resetPassword,
			audit.ActionPasswordReset, nil, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			app := testkit.New(t)
			a, target := as(app, tt.actor), app.Users[tt.target]
			before := snap(t, app.Store)
			if err := tt.do(ctx, app.Accounts, a, target.ID); err != nil {
				t.Fatalf("refused: %v", err)
			}
			after := mustUser(t, app.Store, target.ID)
			if after.SessionEpoch != target.SessionEpoch+tt.epochStep {
				t.Errorf("session epoch %d → %d, want +%d", target.SessionEpoch, after.SessionEpoch, tt.epochStep)
			}
			if tt.check != nil {
				tt.check(t, after)
			}
			entries := before.newEntries(t, app.Store)
			if len(entries) != 1 {
				t.Fatalf("%d audit entries, want 1: %+v", len(entries), entries)
			}
			wantEntry(t, entries[0], tt.action, a, after, tt.details)
		})
	}
}

func beforeAfter(field, before, after string) map[string]any {
	return map[string]any{"before": map[string]any{field: before}, "after": map[string]any{field: after}}
}

func wantRole(t *testing.T, u store.User, r rbac.Role) {
	t.Helper()
	if u.Role != r {
		t.Errorf("role = %s, want %s", u.Role, r)
	}
}

func TestEnableAndNoOps(t *testing.T) {
	ctx := context.Background()
	app := testkit.New(t)
	mgr, designer := as(app, rbac.Manager), app.Users[rbac.Designer]

	// Changing nothing writes nothing.
	before := snap(t, app.Store)
	if _, err := app.Accounts.ChangeRole(ctx, mgr, designer.ID, "designer"); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Accounts.SetDisabled(ctx, mgr, designer.ID, false); err != nil {
		t.Fatal(err)
	}
	before.mustEqual(t, app.Store)

	if _, err := app.Accounts.SetDisabled(ctx, mgr, designer.ID, true); err != nil {
		t.Fatal(err)
	}
	before = snap(t, app.Store)
	u, err := app.Accounts.SetDisabled(ctx, mgr, designer.ID, false)
	if err != nil || !u.Active() {
		t.Fatalf("enable: %+v, %v", u, err)
	}
	entries := before.newEntries(t, app.Store)
	if len(entries) != 1 {
		t.Fatalf("%d entries, want 1", len(entries))
	}
	wantEntry(t, entries[0], audit.ActionUserEnabled, mgr, u, beforeAfter("status", "disabled", "active"))
	if _, err := app.Accounts.SignIn(ctx, designer.Email, testkit.Password(rbac.Designer), ip); err != nil {
		t.Errorf("sign-in after enabling: %v", err)
	}
}

func TestResetPasswordGivesAWorkingPassword(t *testing.T) {
	ctx := context.Background()
	app := testkit.New(t)
	designer := app.Users[rbac.Designer]
	_, pw, err := app.Accounts.ResetPassword(ctx, as(app, rbac.Manager), designer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Accounts.SignIn(ctx, designer.Email, pw, ip); err != nil {
		t.Errorf("sign-in with the new password: %v", err)
	}
	_, err = app.Accounts.SignIn(ctx, designer.Email, testkit.Password(rbac.Designer), ip)
	testkit.WantProblem(t, err, problem.Unauthorized, "bad_credentials")
}

// A manager demoted (or disabled) after their request was authenticated
// is refused: the service reads the actor again inside the transaction.
func TestStaleActorIsReloaded(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		change action // what the admin does to the manager first
		kind   problem.Kind
		code   string
	}{
		{"demoted", changeRole("designer"), problem.Forbidden, "forbidden"},
		{"disabled", setDisabled(true), problem.Unauthorized, "signed_out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := testkit.New(t)
			stale := as(app, rbac.Manager) // loaded while still an active manager
			if err := tt.change(ctx, app.Accounts, as(app, rbac.Admin), stale.User.ID); err != nil {
				t.Fatal(err)
			}
			target := app.Users[rbac.Analyzer].ID
			for name, do := range map[string]action{
				"change role": changeRole("supervisor"), "disable": setDisabled(true), "reset password": resetPassword,
			} {
				before := snap(t, app.Store)
				err := do(ctx, app.Accounts, stale, target)
				p, ok := problem.As(err)
				if !ok || p.Kind != tt.kind || p.Code != tt.code {
					t.Errorf("%s by a stale manager: err = %v, want %d/%s", name, err, tt.kind, tt.code)
				}
				before.mustEqual(t, app.Store)
			}
			_, _, err := app.Accounts.AddUser(ctx, stale, accounts.NewUserInput{Email: "new@test.local", Name: "New", Role: "analyzer"})
			testkit.WantProblem(t, err, tt.kind, tt.code)
		})
	}
}

// The last active admin is protected twice: by the service's rules (only
// an admin may touch an admin, and never themself) and by a database
// trigger. With the actor reloaded in the transaction, any admin who acts
// on another admin is a second active admin, so the service's rules refuse
// first; the trigger itself is exercised in the store tests.
func TestLastAdminStaysAdmin(t *testing.T) {
	ctx := context.Background()

	t.Run("admins demoting each other in turn", func(t *testing.T) {
		app := testkit.New(t)
		a := as(app, rbac.Admin)
		b := who.Actor{User: addAdmin(t, app, "b@test.local"), IP: ip}
		if _, err := app.Accounts.ChangeRole(ctx, b, a.User.ID, "manager"); err != nil {
			t.Fatalf("with two admins, one may demote the other: %v", err)
		}
		before := snap(t, app.Store)
		_, err := app.Accounts.ChangeRole(ctx, a, b.User.ID, "manager") // a still thinks they are admin
		testkit.WantProblem(t, err, problem.Forbidden, "above_own_role")
		_, err = app.Accounts.ChangeRole(ctx, b, b.User.ID, "manager")
		testkit.WantProblem(t, err, problem.Forbidden, "self")
		before.mustEqual(t, app.Store)
		wantActiveAdmins(t, app.Store, b.User.ID)
	})

	t.Run("admins disabling each other in turn", func(t *testing.T) {
		app := testkit.New(t)
		a := as(app, rbac.Admin)
		b := who.Actor{User: addAdmin(t, app, "b@test.local"), IP: ip}
		if _, err := app.Accounts.SetDisabled(ctx, a, b.User.ID, true); err != nil {
			t.Fatalf("with two admins, one may disable the other: %v", err)
		}
		before := snap(t, app.Store)
		_, err := app.Accounts.SetDisabled(ctx, b, a.User.ID, true)
		testkit.WantProblem(t, err, problem.Unauthorized, "signed_out")
		before.mustEqual(t, app.Store)
		wantActiveAdmins(t, app.Store, a.User.ID)
	})

	t.Run("admins disabling or demoting each other at once", func(t *testing.T) {
		for _, do := range []action{setDisabled(true), changeRole("manager")} {
			for range 5 {
				app := testkit.New(t)
				a := as(app, rbac.Admin)
				b := who.Actor{User: addAdmin(t, app, "b@test.local"), IP: ip}
				errs := make(chan error, 2)
				go func() { errs <- do(ctx, app.Accounts, a, b.User.ID) }()
				go func() { errs <- do(ctx, app.Accounts, b, a.User.ID) }()
				var refused int
				for range 2 {
					if err := <-errs; err != nil {
						if _, ok := problem.As(err); !ok {
							t.Fatalf("unexpected error: %v", err)
						}
						refused++
					}
				}
				if refused != 1 {
					t.Fatalf("%d of the two actions refused, want exactly one", refused)
				}
				if n, _ := app.Store.CountActiveAdmins(ctx); n != 1 {
					t.Fatalf("%d active admins afterwards, want 1", n)
				}
			}
		}
	})
}

func wantActiveAdmins(t *testing.T, st *store.Store, ids ...int64) {
	t.Helper()
	users, err := st.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, u := range users {
		if u.Role == rbac.Admin && u.Active() {
			got = append(got, u.ID)
		}
	}
	if !slices.Equal(got, ids) {
		t.Errorf("active admins %v, want %v", got, ids)
	}
}

func TestAddUserGuards(t *testing.T) {
	ctx := context.Background()
	app := testkit.New(t)
	mgr := as(app, rbac.Manager)
	tests := []struct {
		name  string
		actor who.Actor
		in    accounts.NewUserInput
		kind  problem.Kind
		code  string
	}{
		{"manager adds an admin", mgr, accounts.NewUserInput{Email: "x@test.local", Name: "X", Role: "admin"}, problem.Invalid, "invalid_role"},
		{"designer adds a user", as(app, rbac.Designer), accounts.NewUserInput{Email: "x@test.local", Name: "X", Role: "analyzer"}, problem.Forbidden, "forbidden"},
		{"email taken, other case", mgr, accounts.NewUserInput{Email: "Designer@Test.Local", Name: "X", Role: "analyzer"}, problem.Invalid, "invalid_email"},
		{"not an email", mgr, accounts.NewUserInput{Email: "not an email", Name: "X", Role: "analyzer"}, problem.Invalid, "invalid_email"},
		{"no name", mgr, accounts.NewUserInput{Email: "x@test.local", Name: "  ", Role: "analyzer"}, problem.Invalid, "invalid_name"},
		{"short password", mgr, accounts.NewUserInput{Email: "x@test.local", Name: "X", Role: "analyzer", Password: "short"}, problem.Invalid, "invalid_password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snap(t, app.Store)
			_, _, err := app.Accounts.AddUser(ctx, tt.actor, tt.in)
			testkit.WantProblem(t, err, tt.kind, tt.code)
			before.mustEqual(t, app.Store)
		})
	}

	before := snap(t, app.Store)
	u, pw, err := app.Accounts.AddUser(ctx, mgr, accounts.NewUserInput{Email: " New@Test.Local ", Name: "New One", Role: "designer"})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "new@test.local" || u.Role != rbac.Designer || pw == "" {
		t.Errorf("added %+v with password %q", u, pw)
	}
	entries := before.newEntries(t, app.Store)
	if len(entries) != 1 {
		t.Fatalf("%d entries, want 1", len(entries))
	}
	wantEntry(t, entries[0], audit.ActionUserAdded, mgr, u, map[string]any{
		"after": map[string]any{"email": "new@test.local", "name": "New One", "role": "designer", "status": "active"},
	})
	if _, err := app.Accounts.SignIn(ctx, "new@test.local", pw, ip); err != nil {
		t.Errorf("sign-in with the generated password: %v", err)
	}
}
