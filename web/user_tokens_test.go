package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
)

// TestManagersRevokeTokens: a manager lists and revokes a designer's
// token, on the Users page and through the API; an admin's tokens are
// above a manager; a revoked token stops at once.
func TestManagersRevokeTokens(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	designer, admin := e.app.Users[rbac.Designer], e.app.Users[rbac.Admin]

	res := e.c.get("/api/v1/users/"+itoa(designer.ID)+"/tokens", e.as(rbac.Manager)...)
	var list []struct {
		ID         int64   `json:"id"`
		Prefix     string  `json:"prefix"`
		LastUsedAt *string `json:"last_used_at"`
	}
	if err := json.Unmarshal([]byte(res.Body), &list); err != nil || res.Status != http.StatusOK || len(list) != 1 {
		t.Fatalf("list: %d %s", res.Status, res.Body)
	}
	if strings.Contains(res.Body, e.tokens[rbac.Designer]) {
		t.Fatal("the list shows the secret")
	}
	apiWantError(t, e.c.get("/api/v1/users/"+itoa(admin.ID)+"/tokens", e.as(rbac.Manager)...), http.StatusForbidden, "above_own_role")

	// On the page: a manager revokes it with one click.
	mgr := newClient(t, e.c.srv)
	mgr.loginAs(rbac.Manager)
	page := mgr.get("/users/" + itoa(designer.ID) + "/tokens")
	mustContain(t, page.Body, list[0].Prefix)
	if res := mgr.post("/users/"+itoa(designer.ID)+"/tokens/"+itoa(list[0].ID)+"/revoke", url.Values{}); res.Status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.Status)
	}
	apiWantError(t, e.c.get("/api/v1/me", e.as(rbac.Designer)...), http.StatusUnauthorized, "bad_token")
	if res := mgr.get("/users/" + itoa(admin.ID) + "/tokens"); res.Status != http.StatusForbidden {
		t.Errorf("manager opens an admin's tokens: %d", res.Status)
	}
	// Through the API, an admin revokes a manager's token.
	mine := e.c.get("/api/v1/users/"+itoa(e.app.Users[rbac.Manager].ID)+"/tokens", e.as(rbac.Admin)...)
	if err := json.Unmarshal([]byte(mine.Body), &list); err != nil || len(list) != 1 {
		t.Fatalf("admin lists a manager's tokens: %s", mine.Body)
	}
	if res := e.c.send(http.MethodPost, "/api/v1/users/"+itoa(e.app.Users[rbac.Manager].ID)+"/tokens/"+itoa(list[0].ID)+"/revoke", "{}", e.as(rbac.Admin)...); res.Status != http.StatusNoContent {
		t.Fatalf("API revoke: %d %s", res.Status, res.Body)
	}
	apiWantError(t, e.c.get("/api/v1/me", e.as(rbac.Manager)...), http.StatusUnauthorized, "bad_token")
}

// TestProfileTokenAsksForThePassword: making a token on the profile page
// needs the current password.
func TestProfileTokenAsksForThePassword(t *testing.T) {
	t.Parallel()
	_, srv := newServer(t)
	c := newClient(t, srv)
	c.loginAs(rbac.Designer)
	res := c.post("/profile/tokens", url.Values{"name": {"deploy"}, "password": {"not mine"}})
	mustContain(t, res.Body, "The current password is wrong.")
	if strings.Contains(res.Body, `id="new-token"`) {
		t.Fatal("a token was made without the password")
	}
	res = c.post("/profile/tokens", url.Values{"name": {"deploy"}, "expires": {"30"}, "password": {testkit.Password(rbac.Designer)}})
	mustContain(t, res.Body, `id="new-token"`)
}

// TestResetWithoutHTMXSaysReset: a password reset from a plain form shows
// its one-time password under "Password reset", not "User added.".
func TestResetWithoutHTMXSaysReset(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	c := newClient(t, srv)
	c.loginAs(rbac.Admin)
	res := c.post("/users/"+itoa(app.Users[rbac.Designer].ID)+"/reset-password", nil)
	mustContain(t, res.Body, "Reset the password of "+app.Users[rbac.Designer].Email)
	if strings.Contains(res.Body, "User added.") {
		t.Error(`a reset says "User added."`)
	}
}
