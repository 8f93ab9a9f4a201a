package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/who"
	"github.com/answers-console/answers/web"
	"github.com/answers-console/answers/web/webtest"
)

// wantPermission is what each route must require, written from SPEC §1 by
// hand: a new route must be added here, with the permission it needs.
var wantPermission = map[string]rbac.Permission{
	"GET /audit/export.:format":                               rbac.ViewAudit,
	"GET /audit/verify":                                       rbac.ViewAudit,
	"GET /api/v1/audit":                                       rbac.ViewAudit,
	"GET /analytics":                                          rbac.ViewAnalytics,
	"GET /analytics/export.csv":                               rbac.ViewAnalytics,
	"GET /api/v1/analytics":                                   rbac.ViewAnalytics,
	"GET /webhooks":                                           rbac.ManageWebhooks,
	"POST /webhooks":                                          rbac.ManageWebhooks,
	"GET /webhooks/:id":                                       rbac.ManageWebhooks,
	"POST /webhooks/:id":                                      rbac.ManageWebhooks,
	"POST /webhooks/:id/rotate":                               rbac.ManageWebhooks,
	"POST /webhooks/:id/test":                                 rbac.ManageWebhooks,
	"POST /webhooks/:id/resend/:delivery":                     rbac.ManageWebhooks,
	"POST /webhooks/:id/replay":                               rbac.ManageWebhooks,
	"POST /webhooks/:id/delete":                               rbac.ManageWebhooks,
	"GET /api/v1/webhooks":                                    rbac.ManageWebhooks,
	"POST /api/v1/webhooks":                                   rbac.ManageWebhooks,
	"GET /api/v1/webhooks/:id":                                rbac.ManageWebhooks,
	"PATCH /api/v1/webhooks/:id":                              rbac.ManageWebhooks,
	"DELETE /api/v1/webhooks/:id":                             rbac.ManageWebhooks,
	"POST /api/v1/webhooks/:id/rotate":                        rbac.ManageWebhooks,
	"POST /api/v1/webhooks/:id/test":                          rbac.ManageWebhooks,
	"GET /api/v1/webhooks/:id/deliveries":                     rbac.ManageWebhooks,
	"POST /api/v1/webhooks/:id/deliveries/:delivery/resend":   rbac.ManageWebhooks,
	"POST /api/v1/webhooks/:id/replay":                        rbac.ManageWebhooks,
	"POST /api/v1/chatbots/:id/duplicate":                     rbac.EditChatbots,
	"GET /chatbots/:id/draining":                              rbac.ViewChatbots,
	"POST /chatbots/:id/rollback":                             rbac.ActivateChatbots,
	"POST /api/v1/chatbots/:id/rollback":                      rbac.ActivateChatbots,
	"GET /api/v1/chatbots/:id/releases":                       rbac.ViewChatbots,
	"POST /chatbots/import":                                   rbac.EditChatbots,
	"GET /chatbots/:id/export":                                rbac.EditChatbots,
	"POST /api/v1/chatbots":                                   rbac.EditChatbots,
	"GET /api/v1/templates":                                   rbac.EditChatbots,
	"GET /api/v1/chatbots/:id/export":                         rbac.EditChatbots,
	"POST /chatbots/:id/extend-grace":                         rbac.ActivateChatbots,
	"POST /chatbots/:id/delete":                               rbac.EditChatbots,
	"POST /api/v1/chatbots/:id/extend-grace":                  rbac.ActivateChatbots,
	"DELETE /api/v1/chatbots/:id":                             rbac.EditChatbots,
	"GET /senders":                                            rbac.ViewDashboard,
	"POST /senders":                                           rbac.ActivateChatbots,
	"POST /senders/:id/regenerate-key":                        rbac.ActivateChatbots,
	"POST /senders/:id/address":                               rbac.ActivateChatbots,
	"POST /senders/:id/delete":                                rbac.ActivateChatbots,
	"GET /senders/:id/embed":                                  rbac.ActivateChatbots,
	"POST /senders/:id/embed":                                 rbac.ActivateChatbots,
	"PATCH /api/v1/senders/:id":                               rbac.ActivateChatbots,
	"DELETE /api/v1/senders/:id":                              rbac.ActivateChatbots,
	"GET /chatbots":                                           rbac.ViewDashboard,
	"GET /chatbots/sender-options":                            rbac.ViewDashboard,
	"POST /chatbots":                                          rbac.EditChatbots,
	"GET /chatbots/:id":                                       rbac.ViewChatbots,
	"GET /chatbots/:id/validation":                            rbac.ViewChatbots,
	"POST /chatbots/:id/test-chat":                            rbac.ViewChatbots,
	"GET /chatbots/:id/compare":                               rbac.ViewChatbots,
	"POST /chatbots/:id/tests/run":                            rbac.ViewChatbots,
	"POST /chatbots/:id/tests":                                rbac.EditChatbots,
	"POST /chatbots/:id/tests/:idx":                           rbac.EditChatbots,
	"POST /chatbots/:id/tests/:idx/delete":                    rbac.EditChatbots,
	"GET /chatbots/:id/sessions":                              rbac.ViewChatbots,
	"GET /chatbots/:id/sessions/:session":                     rbac.ViewChatbots,
	"POST /chatbots/:id/duplicate":                            rbac.EditChatbots,
	"POST /chatbots/:id/versions":                             rbac.EditChatbots,
	"GET /chatbots/:id/releases/:number":                      rbac.ViewChatbots,
	"POST /api/v1/chatbots/:id/versions":                      rbac.EditChatbots,
	"POST /chatbots/:id/activate":                             rbac.ActivateChatbots,
	"POST /chatbots/:id/deactivate":                           rbac.ActivateChatbots,
	"POST /chatbots/:id/end-grace":                            rbac.ActivateChatbots,
	"POST /chatbots/:id/settings":                             rbac.EditChatbots,
	"POST /chatbots/:id/closed-notice":                        rbac.EditChatbots,
	"POST /chatbots/:id/handover-timeout":                     rbac.EditChatbots,
	"POST /chatbots/:id/attributes":                           rbac.EditChatbots,
	"POST /chatbots/:id/attributes/:name/delete":              rbac.EditChatbots,
	"POST /chatbots/:id/dialogs":                              rbac.EditChatbots,
	"POST /chatbots/:id/dialogs/:dialog/rename":               rbac.EditChatbots,
	"POST /chatbots/:id/dialogs/:dialog/delete":               rbac.EditChatbots,
	"POST /chatbots/:id/dialogs/:dialog/entry":                rbac.EditChatbots,
	"POST /chatbots/:id/dialogs/:dialog/fallback":             rbac.EditChatbots,
	"POST /chatbots/:id/dialogs/:dialog/elements":             rbac.EditChatbots,
	"POST /chatbots/:id/dialogs/:dialog/elements/:idx":        rbac.EditChatbots,
	"POST /chatbots/:id/dialogs/:dialog/elements/:idx/delete": rbac.EditChatbots,
	"POST /chatbots/:id/dialogs/:dialog/elements/:idx/move":   rbac.EditChatbots,
	"GET /chat/:address":                                      rbac.Public,
	"POST /chat/:address":                                     rbac.Public,
	"GET /chat/:address/events":                               rbac.Public,
	"GET /chat/:address/theme.css":                            rbac.Public,
	"GET /widget.js":                                          rbac.Public,
	"GET /api/v1/chatbots/:id":                                rbac.ViewDashboard,
	"PATCH /api/v1/chatbots/:id":                              rbac.EditChatbots,
	"PUT /api/v1/chatbots/:id/dialogs/:dialog":                rbac.EditChatbots,
	"GET /api/v1/chatbots/:id/closed-notice":                  rbac.ViewChatbots,
	"GET /api/v1/chatbots/:id/sessions":                       rbac.ViewChatbots,
	"PUT /api/v1/chatbots/:id/closed-notice":                  rbac.EditChatbots,
	"POST /api/v1/chatbots/:id/validate":                      rbac.ViewChatbots,
	"POST /api/v1/chatbots/:id/simulate":                      rbac.ViewChatbots,
	"POST /api/v1/chatbots/:id/test":                          rbac.ViewChatbots,
	"GET /api/v1/chatbots/:id/diff":                           rbac.ViewChatbots,
	"POST /api/v1/chatbots/:id/activate":                      rbac.ActivateChatbots,
	"POST /api/v1/chatbots/:id/deactivate":                    rbac.ActivateChatbots,
	"POST /api/v1/chatbots/:id/end-grace":                     rbac.ActivateChatbots,
	"GET /api/v1/senders":                                     rbac.ViewDashboard,
	"POST /api/v1/senders":                                    rbac.ActivateChatbots,
	"POST /api/v1/messages":                                   rbac.Public,
	"GET /login":                                              rbac.Public,
	"POST /login":                                             rbac.Public,
	"POST /logout":                                            rbac.SignedIn,
	"GET /setup":                                              rbac.Public,
	"POST /setup":                                             rbac.Public,
	"GET /auth/oidc/login":                                    rbac.Public,
	"GET /auth/oidc/callback":                                 rbac.Public,
	"POST /auth/oidc/backchannel-logout":                      rbac.Public,
	"GET /":                                                   rbac.SignedIn,
	"GET /roles":                                              rbac.SignedIn,
	"GET /profile":                                            rbac.SignedIn,
	"POST /profile/password":                                  rbac.SignedIn,
	"GET /password":                                           rbac.SignedIn,
	"POST /password":                                          rbac.SignedIn,
	"POST /profile/tokens":                                    rbac.SignedIn,
	"POST /profile/tokens/:id/revoke":                         rbac.SignedIn,
	"GET /users":                                              rbac.ManageUsers,
	"POST /users":                                             rbac.ManageUsers,
	"POST /users/sso-linking":                                 rbac.ManageSettings,
	"POST /users/:id/role":                                    rbac.ManageUsers,
	"POST /users/:id/disable":                                 rbac.ManageUsers,
	"POST /users/:id/enable":                                  rbac.ManageUsers,
	"POST /users/:id/reset-password":                          rbac.ManageUsers,
	"GET /users/:id/tokens":                                   rbac.ManageUsers,
	"POST /users/:id/tokens/:token/revoke":                    rbac.ManageUsers,
	"GET /api/v1/users/:id/tokens":                            rbac.ManageUsers,
	"POST /api/v1/users/:id/tokens/:token/revoke":             rbac.ManageUsers,
	"GET /audit":                                              rbac.ViewAudit,
	"GET /api/v1/me":                                          rbac.SignedIn,
	"GET /api/v1/chatbots":                                    rbac.ViewDashboard,
	"GET /api/v1/conversations":                               rbac.WorkConversations,
	"GET /conversations":                                      rbac.WorkConversations,
	"GET /conversations/events":                               rbac.WorkConversations,
	"GET /conversations/:id":                                  rbac.WorkConversations,
	"POST /conversations/:id/take":                            rbac.WorkConversations,
	"POST /conversations/:id/messages":                        rbac.WorkConversations,
	"POST /conversations/:id/resume":                          rbac.WorkConversations,
	"POST /conversations/:id/close":                           rbac.WorkConversations,
	"GET /api/v1/sessions/:id":                                rbac.WorkConversations,
	"POST /api/v1/sessions/:id/take":                          rbac.WorkConversations,
	"POST /api/v1/sessions/:id/messages":                      rbac.WorkConversations,
	"POST /api/v1/sessions/:id/resume":                        rbac.WorkConversations,
	"POST /api/v1/sessions/:id/close":                         rbac.WorkConversations,
	"GET /healthz":                                            rbac.Public,
	"GET /metrics":                                            rbac.Public,
	"GET /static/*":                                           rbac.Public,
}

func TestEveryRouteDeclaresTheExpectedPermission(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	seen := map[string]bool{}
	for _, rt := range app.Server.Routes() {
		key := rt.Method + " " + rt.Path
		seen[key] = true
		want, ok := wantPermission[key]
		if !ok {
			t.Errorf("route %s is not in wantPermission: add it with the permission SPEC §1 gives it", key)
			continue
		}
		if rt.Permission != want {
			t.Errorf("route %s requires %q, want %q", key, rt.Permission, want)
		}
	}
	for key := range wantPermission {
		if !seen[key] {
			t.Errorf("wantPermission lists %s, which is not in the route table", key)
		}
	}
}

// TestRouteRoleMatrix walks every route of the route table as every role
// and as an anonymous visitor, as a full page and as an htmx fragment, and
// checks the answer against the permission the route declares. A route
// added without a fitting permission fails here.
func TestRouteRoleMatrix(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	tokens := map[rbac.Role]string{}
	for _, r := range rbac.Roles() {
		tok, _, err := app.Accounts.CreateToken(context.Background(), who.System(), app.Users[r].ID, accounts.NewToken{Name: "matrix"})
		if err != nil {
			t.Fatal(err)
		}
		tokens[r] = tok
	}
	known := map[rbac.Permission]bool{rbac.Public: true, rbac.SignedIn: true}
	for _, g := range rbac.Matrix() {
		known[g.Permission] = true
	}

	roles := append([]rbac.Role{0}, rbac.Roles()...)
	for _, rt := range app.Server.Routes() {
		if !known[rt.Permission] {
			t.Errorf("%s %s declares unknown permission %q", rt.Method, rt.Path, rt.Permission)
			continue
		}
		path := fx.methodPath(rt.Method, rt.Path)
		for _, role := range roles {
			for _, htmx := range []bool{false, true} {
				if htmx && (rt.IsAPI() || rt.IsInbound() || strings.HasPrefix(path, "/static") || path == "/metrics" || path == "/healthz") {
					continue
				}
				name := rt.Method + " " + rt.Path + " as " + role.String()
				if htmx {
					name += " (htmx)"
				}
				t.Run(name, func(t *testing.T) {
					c := newClient(t, srv)
					var headers []string
					if htmx {
						headers = append(headers, "HX-Request", "true")
					}
					if rt.IsAPI() && role != 0 {
						headers = append(headers, "Authorization", "Bearer "+tokens[role])
					} else if role != 0 {
						c.loginAs(role)
					}
					var res response
					switch {
					case rt.Method == http.MethodGet:
						res = c.get(path, headers...)
					case rt.IsAPI() || rt.IsInbound():
						res = c.send(rt.Method, path, "{}", headers...)
					default:
						res = c.post(path, nil, headers...)
					}
					checkAccess(t, rt, role, htmx, res)
				})
			}
		}
	}
}

func checkAccess(t *testing.T, rt web.Route, role rbac.Role, htmx bool, res response) {
	t.Helper()
	if res.Status >= 500 {
		t.Fatalf("status %d:\n%s", res.Status, excerpt(res.Body))
	}
	if (rt.IsAPI() || rt.IsInbound()) && res.Status >= 400 {
		// Every refusal of the API is its JSON error, with a code and a message.
		var b struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if err := json.Unmarshal([]byte(res.Body), &b); err != nil || b.Error.Code == "" || b.Error.Message == "" {
			t.Fatalf("status %d without the JSON error shape:\n%s", res.Status, excerpt(res.Body))
		}
	}
	toLogin := res.Status == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/login?next=")
	if htmx && res.Status == http.StatusUnauthorized && strings.HasPrefix(res.Header.Get("HX-Redirect"), "/login") {
		toLogin = true
	}
	switch {
	case rt.Permission == rbac.Public:
		if toLogin {
			t.Fatalf("a public route sends to the sign-in page")
		}
	case role == 0 && rt.IsAPI():
		if res.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous API call: status %d, want 401", res.Status)
		}
		mustContain(t, res.Body, `"error":{"code":`)
	case role == 0:
		if !toLogin {
			t.Fatalf("anonymous: status %d (Location %q), want a redirect to /login", res.Status, res.Header.Get("Location"))
		}
	case !rbac.Can(role, rt.Permission):
		if res.Status != http.StatusForbidden {
			t.Fatalf("status %d, want 403", res.Status)
		}
	default:
		if toLogin || res.Status == http.StatusUnauthorized || res.Status == http.StatusForbidden {
			t.Fatalf("allowed role refused: status %d\n%s", res.Status, excerpt(res.Body))
		}
		if rt.Method == http.MethodGet && res.Status != http.StatusOK {
			t.Fatalf("status %d, want 200\n%s", res.Status, excerpt(res.Body))
		}
	}
}

// TestNavigationShowsOnlyPermittedPages checks each role's menu.
func TestNavigationShowsOnlyPermittedPages(t *testing.T) {
	t.Parallel()
	_, srv := newServer(t)
	links := map[string]rbac.Permission{
		`href="/users"`: rbac.ManageUsers,
		`href="/audit"`: rbac.ViewAudit,
		`href="/roles"`: rbac.SignedIn,
	}
	for _, r := range rbac.Roles() {
		t.Run(r.String(), func(t *testing.T) {
			c := newClient(t, srv)
			c.loginAs(r)
			res := c.get("/roles")
			nav := res.Body[strings.Index(res.Body, `aria-label="Main"`):strings.Index(res.Body, "</nav>")]
			for link, perm := range links {
				if got := strings.Contains(nav, link); got != rbac.Can(r, perm) {
					t.Errorf("nav has %s = %v, want %v", link, got, !got)
				}
			}
		})
	}
}
