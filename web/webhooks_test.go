package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/webhooks"
	"github.com/answers-console/answers/internal/who"
)

// The webhooks API: scenarios of status and content, bad input refused
// with its field and nothing saved.
func TestWebhooksAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	admin := e.as(rbac.Admin)
	tests := []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		want, wantNot            []string
	}{
		{"create", "POST", "/api/v1/webhooks", `{"url":"https://hooks.example.org/a","events":["chatbot.*","user.role_changed"],"description":"crm"}`, admin, 201,
			[]string{`"secret":"whsec_`, `"events":["chatbot.*","user.role_changed"]`, `"enabled":true`}, nil},
		{"loopback refused", "POST", "/api/v1/webhooks", `{"url":"http://127.0.0.1:9/x","events":["*"]}`, admin, 422,
			[]string{`"code":"invalid_url"`, "--webhook-allow"}, nil},
		{"scheme refused", "POST", "/api/v1/webhooks", `{"url":"ftp://example.com/x","events":["*"]}`, admin, 422, []string{"http or https"}, nil},
		{"no events", "POST", "/api/v1/webhooks", `{"url":"https://example.com/x","events":[]}`, admin, 422, []string{"invalid_events"}, nil},
		{"unknown sender", "POST", "/api/v1/webhooks", `{"url":"https://example.com/x","events":["*"],"sender_id":999999}`, admin, 422, []string{"invalid_sender_id"}, nil},
		{"not json", "POST", "/api/v1/webhooks", `{`, admin, 422, []string{`"error"`}, nil},
		{"manager forbidden", "POST", "/api/v1/webhooks", `{"url":"https://example.com/x","events":["*"]}`, e.as(rbac.Manager), 403, []string{"forbidden"}, nil},
		{"list hides secrets", "GET", "/api/v1/webhooks", "", admin, 200, []string{"hooks.example.org/a"}, []string{"whsec_"}},
		{"unknown", "GET", "/api/v1/webhooks/999999", "", admin, 404, []string{"webhook_not_found"}, nil},
		{"replay bad since", "POST", "/api/v1/webhooks/" + strconv.FormatInt(e.fx.hook.ID, 10) + "/replay", `{"since":"yesterday"}`, admin, 422, []string{"invalid_since"}, nil},
		{"log", "GET", "/api/v1/webhooks/" + strconv.FormatInt(e.fx.hook.ID, 10) + "/deliveries", "", admin, 200, []string{"["}, nil},
		{"bad limit", "GET", "/api/v1/webhooks/" + strconv.FormatInt(e.fx.hook.ID, 10) + "/deliveries?limit=0", "", admin, 422, []string{"invalid_limit"}, nil},
		{"rotate shows the new secret", "POST", "/api/v1/webhooks/" + strconv.FormatInt(e.fx.hook.ID, 10) + "/rotate", `{}`, admin, 200,
			[]string{`"secret":"whsec_`, `"previous_secret_until"`}, nil},
		{"patch", "PATCH", "/api/v1/webhooks/" + strconv.FormatInt(e.fx.hook.ID, 10), `{"events":["session.*"],"enabled":false}`, admin, 200,
			[]string{`"events":["session.*"]`, `"enabled":false`}, []string{"whsec_"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.c.send(tt.method, tt.path, tt.body, tt.headers...)
			if res.Status != tt.status {
				t.Fatalf("status %d, want %d\n%s", res.Status, tt.status, res.Body)
			}
			mustContain(t, res.Body, tt.want...)
			for _, no := range tt.wantNot {
				if strings.Contains(res.Body, no) {
					t.Errorf("body has %q:\n%s", no, res.Body)
				}
			}
		})
	}
	// The refusals saved nothing: the fixture's two endpoints and the one made.
	var list []map[string]any
	res := e.c.get("/api/v1/webhooks", admin...)
	if err := json.Unmarshal([]byte(res.Body), &list); err != nil || len(list) != 3 {
		t.Fatalf("endpoints after the refusals: %v %s", err, res.Body)
	}
}

// The console page: full page and htmx fragment, the secret shown once,
// a refused URL kept with its message.
func TestWebhooksConsole(t *testing.T) {
	t.Parallel()
	_, srv := newServer(t)
	c := newClient(t, srv)
	c.loginAs(rbac.Admin)
	page := c.get("/webhooks")
	if page.Status != 200 {
		t.Fatalf("status %d", page.Status)
	}
	mustContain(t, page.Body, "<h1>Webhooks</h1>", "No endpoints yet", `name="events"`)

	bad := c.post("/webhooks", url.Values{"url": {"http://10.0.0.5/in"}, "events": {"chatbot.*"}}, "HX-Request", "true")
	if bad.Status != http.StatusUnprocessableEntity || strings.Contains(bad.Body, "<html") {
		t.Fatalf("refused create: %d\n%s", bad.Status, bad.Body)
	}
	mustContain(t, bad.Body, `id="webhooks"`, "http://10.0.0.5/in", "local or private", `aria-invalid="true"`)

	made := c.post("/webhooks", url.Values{"url": {"https://hooks.example.com/in"}, "events": {"chatbot.*, user.role_changed"}, "sender_id": {"0"}}, "HX-Request", "true")
	if made.Status != http.StatusCreated || !strings.HasPrefix(made.Header.Get("HX-Push-Url"), "/webhooks/") {
		t.Fatalf("create: %d %v\n%s", made.Status, made.Header, made.Body)
	}
	mustContain(t, made.Body, "Signing secret", "whsec_", "Delivery log", "Send a test event")
	path := made.Header.Get("HX-Push-Url")
	again := c.get(path)
	if again.Status != 200 || strings.Contains(again.Body, "whsec_") {
		t.Fatalf("the secret shows again, or the page fails: %d", again.Status)
	}
	mustContain(t, again.Body, "https://hooks.example.com/in", "chatbot.*, user.role_changed")

	tested := c.post(path+"/test", url.Values{}, "HX-Request", "true")
	if tested.Status != 200 {
		t.Fatalf("test: %d %s", tested.Status, tested.Body)
	}
	mustContain(t, tested.Body, "webhook.test event is on its way")
	plain := c.post(path+"/test", url.Values{})
	if plain.Status != http.StatusSeeOther {
		t.Fatalf("plain post: %d", plain.Status)
	}
}

// An endpoint the product disabled is named on the admins' home page.
func TestHomeNamesDisabledWebhooks(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	ctx := context.Background()
	u, ev := "https://gone.example.com/in", []string{"*"}
	ep, err := app.Webhooks.Create(ctx, who.System(), webhooks.Input{URL: &u, Events: &ev})
	if err != nil {
		t.Fatal(err)
	}
	ep.Enabled, ep.DisabledReason = false, "The endpoint answered 410 Gone."
	if err := app.Store.InTx(ctx, func(tx *store.Tx) error { return tx.SaveWebhook(ctx, ep) }); err != nil {
		t.Fatal(err)
	}
	admin := newClient(t, srv)
	admin.loginAs(rbac.Admin)
	mustContain(t, admin.get("/").Body, "1 webhook endpoint disabled", "gone.example.com", "410 Gone")
	manager := newClient(t, srv)
	manager.loginAs(rbac.Manager)
	if strings.Contains(manager.get("/").Body, "gone.example.com") {
		t.Error("a manager sees the webhook notice")
	}
}

// Replay from the console: a bad time is refused beside its field; a
// good one answers with how many were queued.
func TestWebhookReplayForm(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	u, ev := "https://hooks.example.com/in", []string{"*"}
	ep, err := app.Webhooks.Create(context.Background(), who.System(), webhooks.Input{URL: &u, Events: &ev})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv)
	c.loginAs(rbac.Admin)
	path := "/webhooks/" + strconv.FormatInt(ep.ID, 10) + "/replay"
	bad := c.post(path, url.Values{"since": {"last week"}}, "HX-Request", "true")
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad since: %d", bad.Status)
	}
	mustContain(t, bad.Body, `id="since-error"`, "Choose a date and time")
	for _, v := range []string{"2026-01-02T03:04", "2026-01-02T03:04:05"} {
		ok := c.post(path, url.Values{"since": {v}}, "HX-Request", "true")
		if ok.Status != http.StatusOK {
			t.Fatalf("since %s: %d\n%s", v, ok.Status, ok.Body)
		}
		mustContain(t, ok.Body, "Failed deliveries queued again: 0.")
	}
}
