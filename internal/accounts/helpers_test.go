package accounts_test

import (
	"context"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/answers-console/answers/internal/audit"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// as is the test user with role r acting from ip. Role 0 is nobody.
func as(app *testkit.App, r rbac.Role) who.Actor {
	return who.Actor{User: app.Users[r], IP: ip}
}

// auditLog returns every entry, oldest first.
func auditLog(t *testing.T, st *store.Store) []audit.Entry {
	t.Helper()
	page, err := st.AuditEntries(context.Background(), 0, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(page.Entries)
	return page.Entries
}

// snapshot is what a refusal must leave untouched: every user and the log.
type snapshot struct {
	users []store.User
	audit []audit.Entry
}

func snap(t *testing.T, st *store.Store) snapshot {
	t.Helper()
	users, err := st.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return snapshot{users, auditLog(t, st)}
}

// wantEntry checks one audit entry written by actor about target.
func wantEntry(t *testing.T, e audit.Entry, action string, actor who.Actor, target store.User, details map[string]any) {
	t.Helper()
	if e.Action != action || e.ActorID != actor.User.ID || e.ActorName != actor.User.Email || e.IP != actor.IP {
		t.Errorf("entry %s by %d/%s from %s, want %s by %d/%s from %s",
			e.Action, e.ActorID, e.ActorName, e.IP, action, actor.User.ID, actor.User.Email, actor.IP)
	}
	if e.TargetType != "user" || e.TargetID != strconv.FormatInt(target.ID, 10) || e.TargetName != target.Email {
		t.Errorf("entry target %s/%s/%s, want user/%d/%s", e.TargetType, e.TargetID, e.TargetName, target.ID, target.Email)
	}
	if details == nil {
		details = map[string]any{}
	}
	if !reflect.DeepEqual(e.Details, details) {
		t.Errorf("entry details %v, want %v", e.Details, details)
	}
}

func mustUser(t *testing.T, st *store.Store, id int64) store.User {
	t.Helper()
	u, err := st.UserByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
