package accounts_test

import (
	"context"
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
)

// wantFailure checks a sign-in failure entry: anonymous actor, the email
// tried as target (with its id when the account exists), and the reason.
func wantFailure(t *testing.T, e audit.Entry, email string, target store.User, reason string) {
	t.Helper()
	wantID := ""
	if target.ID != 0 {
		wantID = strconv.FormatInt(target.ID, 10)
	}
	if e.Action != audit.ActionSignInFailed || e.ActorID != 0 || e.ActorName != "anonymous" || e.IP != ip ||
		e.TargetType != "user" || e.TargetID != wantID || e.TargetName != email || e.Details["reason"] != reason {
		t.Errorf("failure entry %+v, want %s for %q (id %q) because %s", e, audit.ActionSignInFailed, email, wantID, reason)
	}
}

func TestSignIn(t *testing.T) {
	ctx := context.Background()
	app := testkit.New(t)
	designer := app.Users[rbac.Designer]

	t.Run("success", func(t *testing.T) {
		before := snap(t, app.Store)
		u, err := app.Accounts.SignIn(ctx, "  Designer@TEST.local ", testkit.Password(rbac.Designer), ip)
		if err != nil || u.ID != designer.ID {
			t.Fatalf("SignIn = %+v, %v", u, err)
		}
		if got := mustUser(t, app.Store, u.ID); got.LastLoginAt.IsZero() {
			t.Error("last login not recorded")
		}
		entries := before.newEntries(t, app.Store)
		if len(entries) != 1 {
			t.Fatalf("%d entries, want 1", len(entries))
		}
		wantEntry(t, entries[0], audit.ActionSignIn, as(app, rbac.Designer), designer, nil)
	})

	disabled := app.Users[rbac.Analyzer]
	if _, err := app.Accounts.SetDisabled(ctx, as(app, rbac.Admin), disabled.ID, true); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, email, password string
		target                store.User // the account the email names, if any
		kind                  problem.Kind
		code, reason          string
	}{
		{"wrong password", designer.Email, "not the password", designer, problem.Unauthorized, "bad_credentials", "bad_credentials"},
		{"unknown email", "nobody@test.local", "whatever-password", store.User{}, problem.Unauthorized, "bad_credentials", "bad_credentials"},
		{"empty password", designer.Email, "", designer, problem.Unauthorized, "bad_credentials", "bad_credentials"},
		{"disabled account", disabled.Email, testkit.Password(rbac.Analyzer), disabled, problem.Forbidden, "account_disabled", "disabled"},
		// A wrong password on a disabled account does not tell that it is disabled.
		{"disabled account, wrong password", disabled.Email, "not the password", disabled, problem.Unauthorized, "bad_credentials", "bad_credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snap(t, app.Store)
			_, err := app.Accounts.SignIn(ctx, tt.email, tt.password, ip)
			testkit.WantProblem(t, err, tt.kind, tt.code)
			entries := before.newEntries(t, app.Store)
			if len(entries) != 1 {
				t.Fatalf("%d entries, want 1", len(entries))
			}
			wantFailure(t, entries[0], tt.email, tt.target, tt.reason)
		})
	}
}

func TestSignInThrottle(t *testing.T) {
	ctx := context.Background()
	app := testkit.New(t)
	clock := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	app.Accounts.Now = func() time.Time { return clock }
	mgr := app.Users[rbac.Manager]
	right := testkit.Password(rbac.Manager)

	// Four failures and then the right password: let in, and the count
	// starts again.
	for round := range 2 {
		for range 4 {
			_, err := app.Accounts.SignIn(ctx, mgr.Email, "wrong password", ip)
			testkit.WantProblem(t, err, problem.Unauthorized, "bad_credentials")
		}
		if _, err := app.Accounts.SignIn(ctx, mgr.Email, right, ip); err != nil {
			t.Fatalf("round %d: the right password after 4 failures: %v", round, err)
		}
	}

	// Five failures, in any letter case, slow the account down: the next
	// try waits 2 s, audited once however often it is refused.
	for _, email := range []string{mgr.Email, "MANAGER@test.local", mgr.Email, "Manager@Test.Local", mgr.Email} {
		_, err := app.Accounts.SignIn(ctx, email, "wrong password", ip)
		testkit.WantProblem(t, err, problem.Unauthorized, "bad_credentials")
	}
	clock = clock.Add(time.Second)
	before := snap(t, app.Store)
	for range 3 {
		_, err := app.Accounts.SignIn(ctx, mgr.Email, right, ip)
		p := testkit.WantProblem(t, err, problem.TooMany, "throttled")
		if p.RetryAfter != time.Second {
			t.Errorf("RetryAfter = %v, want 1s (2s after the fifth failure, 1s ago)", p.RetryAfter)
		}
	}
	if entries := before.newEntries(t, app.Store); len(entries) != 1 {
		t.Errorf("%d entries for the throttled attempts, want 1", len(entries))
	} else {
		wantFailure(t, entries[0], mgr.Email, mgr, "throttled")
	}
	// Another account from the same IP is not affected.
	if _, err := app.Accounts.SignIn(ctx, testkit.Email(rbac.Designer), testkit.Password(rbac.Designer), ip); err != nil {
		t.Errorf("another account from the same IP: %v", err)
	}
	// Each further failure doubles the wait, up to five minutes: never a
	// hard lock, however many strangers try.
	var last time.Duration
	for n := 6; n < 20; n++ {
		clock = clock.Add(last + time.Second)
		if _, err := app.Accounts.SignIn(ctx, mgr.Email, "wrong password", ip); err == nil || !problem.Is(err, problem.Unauthorized) {
			t.Fatalf("failure %d: %v", n, err)
		}
		_, err := app.Accounts.SignIn(ctx, mgr.Email, right, ip)
		p := testkit.WantProblem(t, err, problem.TooMany, "throttled")
		if want := min(2*time.Second<<(n-5), 5*time.Minute); p.RetryAfter != want {
			t.Fatalf("after failure %d: wait %v, want %v", n, p.RetryAfter, want)
		}
		last = p.RetryAfter
	}
	// Once the wait has passed the right password works again.
	clock = clock.Add(last)
	if _, err := app.Accounts.SignIn(ctx, mgr.Email, right, ip); err != nil {
		t.Errorf("after the wait: %v", err)
	}
}

// TestKnownDeviceGetsThrough: while strangers keep an account slowed
// down, its owner, on a device that signed it in before, gets in at once;
// the device cookie is worth nothing for another account.
func TestKnownDeviceGetsThrough(t *testing.T) {
	ctx := context.Background()
	app := testkit.New(t)
	admin := app.Users[rbac.Admin]
	right := testkit.Password(rbac.Admin)
	_, device, err := app.Accounts.SignInDevice(ctx, admin.Email, right, ip, "")
	if err != nil || device == "" {
		t.Fatalf("first sign-in: device %q, %v", device, err)
	}
	for range 8 {
		if _, err := app.Accounts.SignIn(ctx, admin.Email, "a stranger guesses", "198.51.100.9"); err == nil {
			t.Fatal("a wrong password was accepted")
		}
	}
	_, err = app.Accounts.SignIn(ctx, admin.Email, right, ip)
	testkit.WantProblem(t, err, problem.TooMany, "throttled")
	if _, again, err := app.Accounts.SignInDevice(ctx, admin.Email, right, ip, device); err != nil || again != device {
		t.Fatalf("the owner's device: %q, %v; want in, same device", again, err)
	}
	// Another account with that device cookie is slowed down as usual.
	mgr := app.Users[rbac.Manager]
	for range 5 {
		if _, err := app.Accounts.SignIn(ctx, mgr.Email, "wrong password", ip); err == nil {
			t.Fatal("a wrong password was accepted")
		}
	}
	_, _, err = app.Accounts.SignInDevice(ctx, mgr.Email, testkit.Password(rbac.Manager), ip, device)
	testkit.WantProblem(t, err, problem.TooMany, "throttled")
	// Guesses from the device count against the device, not the account.
	for range 5 {
		if _, _, err := app.Accounts.SignInDevice(ctx, admin.Email, "wrong", ip, device); err == nil {
			t.Fatal("a wrong password was accepted")
		}
	}
	_, _, err = app.Accounts.SignInDevice(ctx, admin.Email, right, ip, device)
	testkit.WantProblem(t, err, problem.TooMany, "throttled")
}

// TestSignInThrottleKeysIPv6ByNetwork: addresses of one IPv6 /64 share a
// budget, so a client cannot take a fresh address for every guess.
func TestSignInThrottleKeysIPv6ByNetwork(t *testing.T) {
	ctx := context.Background()
	app := testkit.New(t)
	app.Accounts.IPBackoff.Free = 3
	for i := range 3 {
		if _, err := app.Accounts.SignIn(ctx, "nobody"+strconv.Itoa(i)+"@test.local", "wrong password", "2001:db8:0:1::"+strconv.Itoa(i+1)); err == nil {
			t.Fatal("a wrong password was accepted")
		}
	}
	_, err := app.Accounts.SignIn(ctx, testkit.Email(rbac.Designer), testkit.Password(rbac.Designer), "2001:db8:0:1:ffff::9")
	testkit.WantProblem(t, err, problem.TooMany, "throttled")
	if _, err := app.Accounts.SignIn(ctx, testkit.Email(rbac.Designer), testkit.Password(rbac.Designer), "2001:db8:0:2::1"); err != nil {
		t.Errorf("another /64: %v", err)
	}
}

// TestSignInThrottleIsShared: two services on one database (two replicas)
// share the count: failures spread over them add up.
func TestSignInThrottleIsShared(t *testing.T) {
	ctx := context.Background()
	app := testkit.New(t)
	other := *app.Accounts // a second replica: same database, own process state
	mgr := app.Users[rbac.Manager]
	for i := range 5 {
		svc := app.Accounts
		if i%2 == 1 {
			svc = &other
		}
		if _, err := svc.SignIn(ctx, mgr.Email, "wrong password", ip); err == nil {
			t.Fatal("a wrong password was accepted")
		}
	}
	_, err := other.SignIn(ctx, mgr.Email, testkit.Password(rbac.Manager), ip)
	testkit.WantProblem(t, err, problem.TooMany, "throttled")
}

// TestHugeSignInEmailIsCapped: a 1.9 MB email is cut to 254 bytes before
// it becomes a throttle key or an audit entry.
func TestHugeSignInEmailIsCapped(t *testing.T) {
	ctx := context.Background()
	app := testkit.New(t)
	huge := strings.Repeat("a", 1900<<10) + "@test.local"
	before := snap(t, app.Store)
	for range 3 {
		_, err := app.Accounts.SignIn(ctx, huge, "wrong password", ip)
		testkit.WantProblem(t, err, problem.Unauthorized, "bad_credentials")
	}
	entries := before.newEntries(t, app.Store)
	for _, e := range entries {
		if len(e.TargetName) > accounts.MaxEmailBytes {
			t.Errorf("audited email of %d bytes", len(e.TargetName))
		}
	}
	var longest int
	if err := app.Store.R.QueryRowContext(ctx, `SELECT coalesce(max(length(key)), 0) FROM signin_throttle`).Scan(&longest); err != nil {
		t.Fatal(err)
	}
	if longest > accounts.MaxEmailBytes+len("acct:") {
		t.Errorf("throttle key of %d bytes", longest)
	}
}

func TestChangeOwnPassword(t *testing.T) {
	ctx := context.Background()
	app := testkit.New(t)
	me := as(app, rbac.Supervisor)
	old := testkit.Password(rbac.Supervisor)
	const next = "a brand new password"

	for _, tt := range []struct {
		name, current, next, confirm, code string
	}{
		{"new passwords differ", old, next, next + "!", "invalid_confirm"},
		{"new password too short", old, "short", "short", "invalid_password"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := snap(t, app.Store)
			_, err := app.Accounts.ChangeOwnPassword(ctx, me, tt.current, tt.next, tt.confirm)
			testkit.WantProblem(t, err, problem.Invalid, tt.code)
			before.mustEqual(t, app.Store)
		})
	}

	// A wrong current password changes nothing but is audited.
	before := snap(t, app.Store)
	_, err := app.Accounts.ChangeOwnPassword(ctx, me, "not it at all", next, next)
	testkit.WantProblem(t, err, problem.Invalid, "invalid_current")
	if e := before.newEntries(t, app.Store); len(e) != 1 || e[0].Action != audit.ActionPasswordCheckFailed || e[0].ActorID != me.User.ID {
		t.Errorf("entries %+v, want one %s", e, audit.ActionPasswordCheckFailed)
	}

	before = snap(t, app.Store)
	u, err := app.Accounts.ChangeOwnPassword(ctx, me, old, next, next)
	if err != nil {
		t.Fatal(err)
	}
	if u.SessionEpoch != me.User.SessionEpoch+1 || mustUser(t, app.Store, me.User.ID).SessionEpoch != me.User.SessionEpoch+1 {
		t.Errorf("session epoch %d → %d, want +1", me.User.SessionEpoch, u.SessionEpoch)
	}
	entries := before.newEntries(t, app.Store)
	if len(entries) != 1 {
		t.Fatalf("%d entries, want 1", len(entries))
	}
	wantEntry(t, entries[0], audit.ActionPasswordChanged, me, u, nil)
	if _, err := app.Accounts.SignIn(ctx, u.Email, next, ip); err != nil {
		t.Errorf("sign-in with the new password: %v", err)
	}
	_, err = app.Accounts.SignIn(ctx, u.Email, old, ip)
	testkit.WantProblem(t, err, problem.Unauthorized, "bad_credentials")
}
