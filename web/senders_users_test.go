package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/who"
	"github.com/answers-console/answers/web/webtest"
)

// TestForcedPasswordChange: a user a manager added reaches only the
// choose-password page (and sign-out) until they choose one; their API
// token works all along; afterwards the console opens.
func TestForcedPasswordChange(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	ctx := context.Background()
	manager := who.Actor{User: app.Users[rbac.Manager], IP: "192.0.2.1"}
	u, given, err := app.Accounts.AddUser(ctx, manager, accounts.NewUserInput{Email: "fresh@test.local", Name: "Fresh", Role: "designer"})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := app.Accounts.CreateToken(ctx, who.System(), u.ID, accounts.NewToken{Name: "gateway"})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv)
	if res := c.login("fresh@test.local", given); res.Status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", res.Status)
	}
	for _, path := range []string{"/", "/chatbots", "/profile", "/senders", "/nowhere/but/a/route"} {
		res := c.get(path)
		if path == "/nowhere/but/a/route" {
			if res.Status != http.StatusNotFound {
				t.Errorf("GET %s: %d", path, res.Status)
			}
			continue
		}
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/password" {
			t.Errorf("GET %s: status %d to %q, want 303 to /password", path, res.Status, res.Header.Get("Location"))
		}
	}
	if res := c.get("/chatbots", "HX-Request", "true"); res.Header.Get("HX-Redirect") != "/password" {
		t.Errorf("htmx GET: status %d, HX-Redirect %q", res.Status, res.Header.Get("HX-Redirect"))
	}
	if res := c.post("/chatbots", url.Values{"name": {"Sneaky"}, "channel": {"livechat"}}); res.Status != http.StatusForbidden {
		t.Errorf("POST /chatbots before the change: %d, want 403", res.Status)
	}
	if n := count(t, app, `SELECT count(*) FROM chatbots WHERE name = 'Sneaky'`); n != 0 {
		t.Fatal("a post went through before the password change")
	}
	page := c.get("/password")
	mustContain(t, page.Body, "Choose your password", "The password you were given", "Sign out")
	mustNotContain(t, page.Body, `href="/chatbots"`)
	if res := c.get("/api/v1/me", "Authorization", "Bearer "+tok); res.Status != http.StatusOK {
		t.Errorf("API token before the change: %d", res.Status)
	}
	res := c.post("/password", url.Values{"current": {given}, "password": {given}, "confirm": {given}})
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("the given password kept: %d", res.Status)
	}
	mustContain(t, res.Body, "Choose a password other than the one you were given.")
	res = c.post("/password", url.Values{"current": {given}, "password": {"my own secret 1"}, "confirm": {"my own secret 1"}})
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("change: %d %q\n%s", res.Status, res.Header.Get("Location"), excerpt(res.Body))
	}
	if res := c.get("/chatbots"); res.Status != http.StatusOK {
		t.Fatalf("after the change: %d", res.Status)
	}
	// A reset sends them back to it at their next sign-in.
	if _, _, err := app.Accounts.ResetPassword(ctx, manager, u.ID); err != nil {
		t.Fatal(err)
	}
	if res := c.get("/chatbots"); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("after a reset the old session goes on: %d", res.Status)
	}
}

func count(t *testing.T, app *webtest.App, q string) int {
	t.Helper()
	var n int
	if err := app.Store.R.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestUserSearch: the Users page narrows by name or email, as a page and
// as the table fragment.
func TestUserSearch(t *testing.T) {
	t.Parallel()
	_, srv := newServer(t)
	c := newClient(t, srv)
	c.loginAs(rbac.Manager)
	for _, h := range [][]string{nil, {"HX-Request", "true", "HX-Target", "users"}} {
		res := c.get("/users?q=SUPERV", h...)
		if res.Status != http.StatusOK {
			t.Fatalf("status %d", res.Status)
		}
		mustContain(t, res.Body, "supervisor@test.local")
		mustNotContain(t, res.Body, "designer@test.local")
		if (h != nil) == strings.Contains(res.Body, "<html") {
			t.Errorf("htmx=%v: full page = %v", h != nil, !(h != nil))
		}
		res = c.get("/users?q=100%25_nobody", h...)
		mustContain(t, res.Body, "name or email contains “100%_nobody”", "Show everyone")
	}
}

// TestAddedUsersPasswordShowsWithItsRow: after an add (htmx), the table
// comes back with the new row and its one-time password under it, with a
// copy button; the add form is empty again.
func TestAddedUsersPasswordShowsWithItsRow(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	c := newClient(t, srv)
	c.loginAs(rbac.Manager)
	res := c.post("/users", url.Values{"email": {"ann@test.local"}, "name": {"Ann"}, "role": {"designer"}}, "HX-Request", "true")
	if res.Status != http.StatusOK {
		t.Fatalf("status %d\n%s", res.Status, excerpt(res.Body))
	}
	u, err := app.Store.UserByEmail(context.Background(), "ann@test.local")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?s)<tbody id="user-` + itoa(u.ID) + `".*?</tbody>`).FindString(res.Body)
	if row == "" {
		t.Fatalf("no row for the new user in\n%s", excerpt(res.Body))
	}
	mustContain(t, row, "One-time password of ann@test.local", `data-copy="`, "data-once")
	pw := regexp.MustCompile(`<code class="secret">([^<]+)</code>`).FindStringSubmatch(row)
	if pw == nil {
		t.Fatal("no password in the row")
	}
	if fresh := newClient(t, srv); fresh.login("ann@test.local", pw[1]).Status != http.StatusSeeOther {
		t.Fatal("the shown password does not sign in")
	}
	mustContain(t, res.Body, `id="add-user"`, `data-hx-swap-oob="true"`)
	// The page afterwards shows no password.
	mustNotContain(t, c.get("/users").Body, pw[1])
}

// TestSenderEditAndDelete: a manager edits an address (refusals stay in the
// open edit with what was typed) and deletes an unused sender; a used one
// is refused with the reason; page posts and htmx fragments.
func TestSenderEditAndDelete(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	ctx := context.Background()
	spare, err := app.Senders.Create(ctx, who.System(), "sms", "+15550100")
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv)
	c.loginAs(rbac.Manager)
	hx := []string{"HX-Request", "true"}

	res := c.post("/senders/"+itoa(spare.ID)+"/address", url.Values{"address": {"not a phone"}}, hx...)
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad address: %d", res.Status)
	}
	mustContain(t, res.Body, `id="senders"`, "in international form", `value="not a phone"`, `aria-invalid="true"`, "<details class=\"row-edit\" open>")
	res = c.post("/senders/"+itoa(spare.ID)+"/address", url.Values{"address": {"+1 555 0177"}}, hx...)
	if res.Status != http.StatusOK {
		t.Fatalf("edit: %d\n%s", res.Status, excerpt(res.Body))
	}
	mustContain(t, res.Body, `<code class="oneline" title="+15550177">+15550177</code>`)
	mustContain(t, res.Header.Get("HX-Trigger"), "Saved the address of the sms sender: +15550177.")
	// Plain post: redirect with a flash.
	res = c.post("/senders/"+itoa(spare.ID)+"/address", url.Values{"address": {"+15550178"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("plain edit: %d", res.Status)
	}
	mustContain(t, c.get("/senders").Body, "Saved the address of the sms sender: +15550178.")

	res = c.post("/senders/"+itoa(fx.sender.ID)+"/delete", nil, hx...)
	if res.Status != http.StatusConflict {
		t.Fatalf("delete of a used sender: %d", res.Status)
	}
	mustContain(t, res.Body, "cannot be deleted", "Move them to another sender")
	res = c.post("/senders/"+itoa(fx.sender.ID)+"/delete", nil)
	if res.Status != http.StatusConflict {
		t.Fatalf("plain delete of a used sender: %d", res.Status)
	}
	mustContain(t, res.Body, "cannot be deleted", "<html")
	res = c.post("/senders/"+itoa(spare.ID)+"/delete", nil, hx...)
	if res.Status != http.StatusOK {
		t.Fatalf("delete: %d\n%s", res.Status, excerpt(res.Body))
	}
	mustNotContain(t, res.Body, "+15550178")
	if _, err := app.Store.SenderByID(ctx, spare.ID); err == nil {
		t.Fatal("the sender is still there")
	}
	// Keys are masked, revealed on demand.
	page := c.get("/senders").Body
	mustContain(t, page, "ik_••••••••"+fx.sender.InboundKey[len(fx.sender.InboundKey)-4:], "Reveal", `data-copy="`+fx.sender.InboundKey+`"`)
	// Someone who may not manage senders sees neither keys nor actions.
	d := newClient(t, srv)
	d.loginAs(rbac.Designer)
	page = d.get("/senders").Body
	mustNotContain(t, page, fx.sender.InboundKey, "Delete", "Edit the address")
}

// TestSenderAPIEditAndDelete: PATCH and DELETE /api/v1/senders/{id}.
func TestSenderAPIEditAndDelete(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	snd, err := e.app.Senders.Create(context.Background(), who.System(), "whatsapp", "+15550101")
	if err != nil {
		t.Fatal(err)
	}
	p := "/api/v1/senders/" + itoa(snd.ID)
	apiWantError(t, e.c.send(http.MethodPatch, p, `{"address": "12"}`, e.as(rbac.Manager)...), http.StatusUnprocessableEntity, "invalid_address")
	apiWantError(t, e.c.send(http.MethodPatch, p, `{"address": "+15550102"}`, e.as(rbac.Designer)...), http.StatusForbidden, "forbidden")
	res := e.c.send(http.MethodPatch, p, `{"address": "+1 555 0102"}`, e.as(rbac.Manager)...)
	if res.Status != http.StatusOK {
		t.Fatalf("patch: %d %s", res.Status, res.Body)
	}
	mustContain(t, res.Body, `"address":"+15550102"`)
	apiWantError(t, e.c.send(http.MethodDelete, "/api/v1/senders/"+itoa(e.fx.sender.ID), "", e.as(rbac.Admin)...), http.StatusConflict, "sender_in_use")
	if res := e.c.send(http.MethodDelete, p, "", e.as(rbac.Admin)...); res.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	apiWantError(t, e.c.send(http.MethodDelete, p, "", e.as(rbac.Admin)...), http.StatusNotFound, "sender_not_found")
}
