package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/rbac"
)

func mustUser(t *testing.T, st *Store, id int64) User {
	t.Helper()
	u, err := st.UserByID(context.Background(), id)
	if err != nil {
		t.Fatalf("UserByID(%d): %v", id, err)
	}
	return u
}

func TestCreateUser(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	u := addUser(t, st, "ana@example.com", rbac.Designer)

	if u.ID == 0 || u.Email != "ana@example.com" || u.Role != rbac.Designer || u.PasswordHash != "hash" {
		t.Errorf("created user = %+v", u)
	}
	if u.SessionEpoch != 1 || !u.Active() || !u.CreatedAt.Equal(now) || !u.UpdatedAt.Equal(now) || !u.LastLoginAt.IsZero() {
		t.Errorf("new user state: epoch %d active %v created %v updated %v last login %v",
			u.SessionEpoch, u.Active(), u.CreatedAt, u.UpdatedAt, u.LastLoginAt)
	}

	for _, email := range []string{"ana@example.com", "ANA@Example.COM"} {
		err := st.InTx(ctx, func(tx *Tx) error {
			_, err := tx.CreateUser(ctx, NewUser{Email: email, Name: "Other", Role: rbac.Analyzer, PasswordHash: "h"}, now)
			return err
		})
		if !errors.Is(err, ErrDuplicate) {
			t.Errorf("CreateUser(%q) again: err = %v, want ErrDuplicate", email, err)
		}
	}
	if n, _ := st.CountUsers(ctx); n != 1 {
		t.Errorf("CountUsers = %d after refused duplicates, want 1", n)
	}

	got, err := st.UserByEmail(ctx, "Ana@EXAMPLE.com")
	if err != nil || got.ID != u.ID {
		t.Errorf("UserByEmail ignoring case: %+v, %v", got, err)
	}
	if _, err := st.UserByEmail(ctx, "nobody@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("UserByEmail(unknown) err = %v, want ErrNotFound", err)
	}
	if _, err := st.UserByID(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("UserByID(999) err = %v, want ErrNotFound", err)
	}
}

func TestUsersListAndCounts(t *testing.T) {
	ctx := context.Background()
	st, _ := openStore(t)
	zed := addUser(t, st, "zed@example.com", rbac.Admin)
	bob := addUser(t, st, "bob@example.com", rbac.Admin)
	amy := addUser(t, st, "amy@example.com", rbac.Analyzer)
	mustTx(t, st, func(tx *Tx) error { return tx.SetUserDisabled(ctx, bob.ID, true, now) })

	users, err := st.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, u := range users {
		ids = append(ids, u.ID)
	}
	// Active ones first, by name; then the disabled.
	if want := []int64{amy.ID, zed.ID, bob.ID}; len(ids) != 3 || ids[0] != want[0] || ids[1] != want[1] || ids[2] != want[2] {
		t.Errorf("Users order = %v, want %v", ids, want)
	}
	if n, _ := st.CountUsers(ctx); n != 3 {
		t.Errorf("CountUsers = %d, want 3", n)
	}
	if n, _ := st.CountActiveAdmins(ctx); n != 1 {
		t.Errorf("CountActiveAdmins = %d, want 1 (bob is disabled)", n)
	}
}

func TestUserUpdatesAndSessionEpoch(t *testing.T) {
	ctx := context.Background()
	later := now.Add(time.Hour)
	tests := []struct {
		name      string
		update    func(tx *Tx, id int64) error
		epochStep int64
		check     func(t *testing.T, u User)
	}{
		{"role change keeps sessions (the role is read on every request)",
			func(tx *Tx, id int64) error { return tx.SetUserRole(ctx, id, rbac.Manager, later) }, 0,
			func(t *testing.T, u User) {
				if u.Role != rbac.Manager {
					t.Errorf("role = %s, want manager", u.Role)
				}
			}},
		{"disable ends sessions",
			func(tx *Tx, id int64) error { return tx.SetUserDisabled(ctx, id, true, later) }, 1,
			func(t *testing.T, u User) {
				if u.Active() || !u.DisabledAt.Equal(later) {
					t.Errorf("disabled at = %v, want %v", u.DisabledAt, later)
				}
			}},
		{"enable",
			func(tx *Tx, id int64) error {
				if err := tx.SetUserDisabled(ctx, id, true, now); err != nil {
					return err
				}
				return tx.SetUserDisabled(ctx, id, false, later)
			}, 1, // the disable step bumps, enabling does not
			func(t *testing.T, u User) {
				if !u.Active() {
					t.Error("still disabled after enabling")
				}
			}},
		{"password change ends sessions",
			func(tx *Tx, id int64) error { return tx.SetUserPassword(ctx, id, "new-hash", false, later) }, 1,
			func(t *testing.T, u User) {
				if u.PasswordHash != "new-hash" {
					t.Errorf("password hash = %q", u.PasswordHash)
				}
			}},
		{"sign-in recorded",
			func(tx *Tx, id int64) error { return tx.TouchLogin(ctx, id, later) }, 0,
			func(t *testing.T, u User) {
				if !u.LastLoginAt.Equal(later) {
					t.Errorf("last login = %v, want %v", u.LastLoginAt, later)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _ := openStore(t)
			addUser(t, st, "admin@example.com", rbac.Admin) // keeps the last-admin rule out of the way
			u := addUser(t, st, "u@example.com", rbac.Designer)
			mustTx(t, st, func(tx *Tx) error { return tt.update(tx, u.ID) })
			got := mustUser(t, st, u.ID)
			if got.SessionEpoch != u.SessionEpoch+tt.epochStep {
				t.Errorf("session epoch %d → %d, want +%d", u.SessionEpoch, got.SessionEpoch, tt.epochStep)
			}
			tt.check(t, got)

			// The same update on an id that does not exist.
			err := st.InTx(ctx, func(tx *Tx) error { return tt.update(tx, 999) })
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("on an unknown id: err = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestLastAdminTrigger(t *testing.T) {
	ctx := context.Background()
	later := now.Add(time.Hour)

	t.Run("the only admin can be neither demoted nor disabled", func(t *testing.T) {
		st, _ := openStore(t)
		admin := addUser(t, st, "admin@example.com", rbac.Admin)
		addUser(t, st, "manager@example.com", rbac.Manager)
		for name, update := range map[string]func(*Tx) error{
			"demote":  func(tx *Tx) error { return tx.SetUserRole(ctx, admin.ID, rbac.Manager, later) },
			"disable": func(tx *Tx) error { return tx.SetUserDisabled(ctx, admin.ID, true, later) },
		} {
			if err := st.InTx(ctx, update); !errors.Is(err, ErrLastAdmin) {
				t.Errorf("%s: err = %v, want ErrLastAdmin", name, err)
			}
			if got := mustUser(t, st, admin.ID); got != admin {
				t.Errorf("%s changed the admin: %+v, was %+v", name, got, admin)
			}
		}
	})

	t.Run("with two admins one may go, then the other is the last", func(t *testing.T) {
		st, _ := openStore(t)
		a := addUser(t, st, "a@example.com", rbac.Admin)
		b := addUser(t, st, "b@example.com", rbac.Admin)
		mustTx(t, st, func(tx *Tx) error { return tx.SetUserRole(ctx, b.ID, rbac.Manager, later) })
		if got := mustUser(t, st, b.ID); got.Role != rbac.Manager {
			t.Fatalf("b role = %s, want manager", got.Role)
		}
		err := st.InTx(ctx, func(tx *Tx) error { return tx.SetUserDisabled(ctx, a.ID, true, later) })
		if !errors.Is(err, ErrLastAdmin) {
			t.Errorf("disabling the remaining admin: err = %v, want ErrLastAdmin", err)
		}
	})

	t.Run("a disabled admin does not count", func(t *testing.T) {
		st, _ := openStore(t)
		a := addUser(t, st, "a@example.com", rbac.Admin)
		b := addUser(t, st, "b@example.com", rbac.Admin)
		mustTx(t, st, func(tx *Tx) error { return tx.SetUserDisabled(ctx, b.ID, true, later) })
		err := st.InTx(ctx, func(tx *Tx) error { return tx.SetUserRole(ctx, a.ID, rbac.Designer, later) })
		if !errors.Is(err, ErrLastAdmin) {
			t.Errorf("demoting the only active admin: err = %v, want ErrLastAdmin", err)
		}
		// A disabled admin may be demoted: it changes nothing about who
		// can administer.
		mustTx(t, st, func(tx *Tx) error { return tx.SetUserRole(ctx, b.ID, rbac.Designer, later) })
	})

	t.Run("one statement demoting every admin is refused as a whole", func(t *testing.T) {
		st, _ := openStore(t)
		a := addUser(t, st, "a@example.com", rbac.Admin)
		b := addUser(t, st, "b@example.com", rbac.Admin)
		if _, err := st.W.ExecContext(ctx, `UPDATE users SET role = 'manager' WHERE role = 'admin'`); err == nil {
			t.Fatal("demoting every admin at once succeeded")
		}
		for _, u := range []User{a, b} {
			if got := mustUser(t, st, u.ID); got.Role != rbac.Admin {
				t.Errorf("%s role = %s after the refused statement, want admin", u.Email, got.Role)
			}
		}
	})
}
