package accounts_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

func TestSetup(t *testing.T) {
	ctx := context.Background()
	app := testkit.Empty(t)
	svc := app.Accounts

	// Before any token was made, no token opens the page.
	for _, tok := range []string{"", "guess"} {
		testkit.WantProblem(t, svc.CheckSetupToken(ctx, tok), problem.Forbidden, "bad_setup_token")
	}
	first, err := svc.PrepareSetup(ctx)
	if err != nil || first == "" {
		t.Fatalf("PrepareSetup on an empty database = %q, %v", first, err)
	}
	// A restart prints a new link; the old one stops working.
	token, err := svc.PrepareSetup(ctx)
	if err != nil || token == "" || token == first {
		t.Fatalf("second PrepareSetup = %q, %v (first %q)", token, err, first)
	}
	testkit.WantProblem(t, svc.CheckSetupToken(ctx, first), problem.Forbidden, "bad_setup_token")
	testkit.WantProblem(t, svc.CheckSetupToken(ctx, token+"x"), problem.Forbidden, "bad_setup_token")
	if err := svc.CheckSetupToken(ctx, token); err != nil {
		t.Fatalf("CheckSetupToken(right token): %v", err)
	}

	const pw = "the first admin's password"
	in := accounts.NewUserInput{Email: "Root@Example.com", Name: "Root", Password: pw, Role: "analyzer"}
	for _, tt := range []struct {
		name, token, confirm string
		in                   accounts.NewUserInput
		kind                 problem.Kind
		code                 string
	}{
		{"wrong token", first, pw, in, problem.Forbidden, "bad_setup_token"},
		{"passwords differ", token, pw + "!", in, problem.Invalid, "invalid_confirm"},
		{"short password", token, "short", accounts.NewUserInput{Email: in.Email, Name: in.Name, Password: "short"}, problem.Invalid, "invalid_password"},
		{"bad email", token, pw, accounts.NewUserInput{Email: "root", Name: in.Name, Password: pw}, problem.Invalid, "invalid_email"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Setup(ctx, tt.token, tt.in, tt.confirm, ip)
			testkit.WantProblem(t, err, tt.kind, tt.code)
			if n, _ := app.Store.CountUsers(ctx); n != 0 {
				t.Errorf("%d users after a refused setup", n)
			}
			if entries := auditLog(t, app.Store); len(entries) != 0 {
				t.Errorf("audit entries after a refused setup: %+v", entries)
			}
		})
	}

	u, err := svc.Setup(ctx, token, in, pw, ip)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	if u.Email != "root@example.com" || u.Role != rbac.Admin || !u.Active() {
		t.Errorf("first user %+v, want an active admin root@example.com (the role asked for is ignored)", u)
	}
	entries := auditLog(t, app.Store)
	if len(entries) != 1 {
		t.Fatalf("%d entries, want 1", len(entries))
	}
	wantEntry(t, entries[0], audit.ActionSetup, who.Actor{User: u, IP: ip}, u, map[string]any{
		"after": map[string]any{"email": "root@example.com", "name": "Root", "role": "admin"},
	})

	// The token is spent.
	if _, err := app.Store.SetupTokenHash(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("setup token still stored: %v", err)
	}
	_, err = svc.Setup(ctx, token, accounts.NewUserInput{Email: "second@example.com", Name: "Second", Password: pw}, pw, ip)
	testkit.WantProblem(t, err, problem.NotFound, "setup_done")
	testkit.WantProblem(t, svc.CheckSetupToken(ctx, token), problem.NotFound, "setup_done")
	if tok, err := svc.PrepareSetup(ctx); err != nil || tok != "" {
		t.Errorf("PrepareSetup once set up = %q, %v; want none", tok, err)
	}
	if n, _ := app.Store.CountUsers(ctx); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
	if _, err := svc.SignIn(ctx, "root@example.com", pw, ip); err != nil {
		t.Errorf("the first admin signs in: %v", err)
	}
}

func TestPrepareSetupWithUsers(t *testing.T) {
	app := testkit.New(t)
	tok, err := app.Accounts.PrepareSetup(context.Background())
	if err != nil || tok != "" {
		t.Fatalf("PrepareSetup with users = %q, %v; want no token", tok, err)
	}
	if _, err := app.Store.SetupTokenHash(context.Background()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a setup token was stored: %v", err)
	}
}

func TestAPITokens(t *testing.T) {
	ctx := context.Background()
	app := testkit.New(t)
	svc := app.Accounts
	me := as(app, rbac.Designer)

	before := snap(t, app.Store)
	secret, tok, err := svc.CreateToken(ctx, me, me.User.ID, accounts.NewToken{Name: "  ", Password: testkit.Password(rbac.Designer)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, accounts.TokenPrefix) || len(secret) < 30 || !strings.HasPrefix(secret, tok.Prefix) ||
		tok.UserID != me.User.ID || tok.Name != "API token" {
		t.Errorf("CreateToken = %q, %+v", secret, tok)
	}
	entries := before.newEntries(t, app.Store)
	if len(entries) != 1 {
		t.Fatalf("%d entries, want 1", len(entries))
	}
	wantEntry(t, entries[0], audit.ActionTokenCreated, me, me.User, map[string]any{
		"token": map[string]any{"id": float64(tok.ID), "name": "API token", "prefix": tok.Prefix},
	})
	if u, err := svc.AuthenticateToken(ctx, secret); err != nil || u.ID != me.User.ID {
		t.Fatalf("AuthenticateToken = %+v, %v", u, err)
	}
	for _, bad := range []string{"", "ans_", secret + "x", strings.TrimPrefix(secret, accounts.TokenPrefix), strings.ToUpper(secret)} {
		_, err := svc.AuthenticateToken(ctx, bad)
		testkit.WantProblem(t, err, problem.Unauthorized, "bad_token")
	}

	t.Run("not for someone else", func(t *testing.T) {
		analyzer := app.Users[rbac.Analyzer]
		before := snap(t, app.Store)
		_, _, err := svc.CreateToken(ctx, me, analyzer.ID, accounts.NewToken{Name: "mine now"})
		testkit.WantProblem(t, err, problem.Forbidden, "not_own_token")
		before.mustEqual(t, app.Store)
		if list, _ := app.Store.APITokens(ctx, analyzer.ID); len(list) != 0 {
			t.Errorf("analyzer has tokens: %+v", list)
		}
	})

	t.Run("revoked by someone else", func(t *testing.T) {
		before := snap(t, app.Store)
		testkit.WantProblem(t, svc.RevokeToken(ctx, as(app, rbac.Admin), tok.ID), problem.NotFound, "token_not_found")
		before.mustEqual(t, app.Store)
		if _, err := svc.AuthenticateToken(ctx, secret); err != nil {
			t.Errorf("token stopped working: %v", err)
		}
	})

	t.Run("revoked by its owner", func(t *testing.T) {
		before := snap(t, app.Store)
		if err := svc.RevokeToken(ctx, me, tok.ID); err != nil {
			t.Fatal(err)
		}
		_, err := svc.AuthenticateToken(ctx, secret)
		testkit.WantProblem(t, err, problem.Unauthorized, "bad_token")
		entries := before.newEntries(t, app.Store)
		if len(entries) != 1 || entries[0].Action != audit.ActionTokenRevoked {
			t.Errorf("entries %+v, want one %s", entries, audit.ActionTokenRevoked)
		}
	})
}

func TestAPITokenOfADisabledUser(t *testing.T) {
	ctx := context.Background()
	app := testkit.New(t)
	svc := app.Accounts
	analyzer := app.Users[rbac.Analyzer]

	// The CLI (the system actor) may make a token for anybody.
	secret, _, err := svc.CreateToken(ctx, who.System(), analyzer.ID, accounts.NewToken{Name: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	if entries := auditLog(t, app.Store); entries[len(entries)-1].ActorName != "system" {
		t.Errorf("token made by the CLI recorded as made by %q", entries[len(entries)-1].ActorName)
	}
	if _, err := svc.SetDisabled(ctx, as(app, rbac.Manager), analyzer.ID, true); err != nil {
		t.Fatal(err)
	}
	_, err = svc.AuthenticateToken(ctx, secret)
	testkit.WantProblem(t, err, problem.Unauthorized, "bad_token")
	_, _, err = svc.CreateToken(ctx, who.System(), analyzer.ID, accounts.NewToken{Name: "another"})
	testkit.WantProblem(t, err, problem.Forbidden, "inactive")
	// Enabling the account again does not revive its tokens.
	if _, err := svc.SetDisabled(ctx, as(app, rbac.Manager), analyzer.ID, false); err != nil {
		t.Fatal(err)
	}
	_, err = svc.AuthenticateToken(ctx, secret)
	testkit.WantProblem(t, err, problem.Unauthorized, "bad_token")
}

// TestPasswordResetRevokesTokens: a manager's reset, the fix for a
// compromised account, ends the user's API tokens too.
func TestPasswordResetRevokesTokens(t *testing.T) {
	ctx := context.Background()
	app := testkit.New(t)
	designer := app.Users[rbac.Designer]
	secret, _, err := app.Accounts.CreateToken(ctx, who.System(), designer.ID, accounts.NewToken{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := app.Accounts.ResetPassword(ctx, as(app, rbac.Manager), designer.ID); err != nil {
		t.Fatal(err)
	}
	_, err = app.Accounts.AuthenticateToken(ctx, secret)
	testkit.WantProblem(t, err, problem.Unauthorized, "bad_token")
	if e := auditLog(t, app.Store); e[len(e)-1].Details["tokens_revoked"] != float64(1) {
		t.Errorf("reset entry details %v, want tokens_revoked 1", e[len(e)-1].Details)
	}
}

// TestTokenNeedsPasswordAndExpires: making a token asks for the current
// password (a wrong one is audited and slowed down like a sign-in); a
// token with an expiry stops working then, and records when it was used.
func TestTokenNeedsPasswordAndExpires(t *testing.T) {
	ctx := context.Background()
	app := testkit.New(t)
	clock := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	app.Accounts.Now = func() time.Time { return clock }
	me := as(app, rbac.Designer)
	before := snap(t, app.Store)
	_, _, err := app.Accounts.CreateToken(ctx, me, me.User.ID, accounts.NewToken{Name: "x", Password: "not my password"})
	testkit.WantProblem(t, err, problem.Invalid, "invalid_password")
	if e := before.newEntries(t, app.Store); len(e) != 1 || e[0].Action != audit.ActionPasswordCheckFailed {
		t.Errorf("entries %+v, want one %s", e, audit.ActionPasswordCheckFailed)
	}
	for range 5 {
		if _, _, err := app.Accounts.CreateToken(ctx, me, me.User.ID, accounts.NewToken{Name: "x", Password: "guess"}); err == nil {
			t.Fatal("a wrong current password made a token")
		}
	}
	_, _, err = app.Accounts.CreateToken(ctx, me, me.User.ID, accounts.NewToken{Name: "x", Password: testkit.Password(rbac.Designer)})
	testkit.WantProblem(t, err, problem.TooMany, "throttled")
	clock = clock.Add(time.Hour)

	secret, tok, err := app.Accounts.CreateToken(ctx, me, me.User.ID, accounts.NewToken{Name: "x", Password: testkit.Password(rbac.Designer), ExpiresIn: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if !tok.ExpiresAt.Equal(clock.Add(24 * time.Hour)) {
		t.Errorf("expires at %v", tok.ExpiresAt)
	}
	if _, err := app.Accounts.AuthenticateToken(ctx, secret); err != nil {
		t.Fatal(err)
	}
	list, _ := app.Store.APITokens(ctx, me.User.ID)
	if len(list) != 1 || !list[0].LastUsedAt.Equal(clock) {
		t.Errorf("tokens %+v, want one last used now", list)
	}
	clock = clock.Add(24 * time.Hour)
	_, err = app.Accounts.AuthenticateToken(ctx, secret)
	testkit.WantProblem(t, err, problem.Unauthorized, "token_expired")
	_, _, err = app.Accounts.CreateToken(ctx, me, me.User.ID, accounts.NewToken{Password: testkit.Password(rbac.Designer), ExpiresIn: -time.Hour})
	testkit.WantProblem(t, err, problem.Invalid, "invalid_expires")
}

// TestManagersSeeAndRevokeTokens: an admin sees and revokes anyone's
// tokens, a manager those of users at or below their role, nobody else.
func TestManagersSeeAndRevokeTokens(t *testing.T) {
	ctx := context.Background()
	app := testkit.New(t)
	for _, r := range []rbac.Role{rbac.Designer, rbac.Admin} {
		if _, _, err := app.Accounts.CreateToken(ctx, who.System(), app.Users[r].ID, accounts.NewToken{Name: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	designer, admin := app.Users[rbac.Designer], app.Users[rbac.Admin]
	if list, err := app.Accounts.UserTokens(ctx, as(app, rbac.Manager), designer.ID); err != nil || len(list) != 1 {
		t.Fatalf("manager lists a designer's tokens: %d, %v", len(list), err)
	}
	_, err := app.Accounts.UserTokens(ctx, as(app, rbac.Manager), admin.ID)
	testkit.WantProblem(t, err, problem.Forbidden, "above_own_role")
	_, err = app.Accounts.UserTokens(ctx, as(app, rbac.Supervisor), designer.ID)
	testkit.WantProblem(t, err, problem.Forbidden, "forbidden")
	list, _ := app.Store.APITokens(ctx, admin.ID)
	testkit.WantProblem(t, app.Accounts.RevokeUserToken(ctx, as(app, rbac.Manager), admin.ID, list[0].ID), problem.Forbidden, "above_own_role")
	if err := app.Accounts.RevokeUserToken(ctx, as(app, rbac.Admin), designer.ID, mustTokens(t, app, designer.ID)[0].ID); err != nil {
		t.Fatal(err)
	}
	if n := len(mustTokens(t, app, designer.ID)); n != 0 {
		t.Errorf("%d tokens left after the admin revoked the designer's", n)
	}
	e := auditLog(t, app.Store)
	if last := e[len(e)-1]; last.Action != audit.ActionTokenRevoked || last.ActorID != admin.ID || last.TargetID != strconv.FormatInt(designer.ID, 10) {
		t.Errorf("revoke entry %+v", last)
	}
}

func mustTokens(t *testing.T, app *testkit.App, userID int64) []store.APIToken {
	t.Helper()
	list, err := app.Store.APITokens(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return list
}
