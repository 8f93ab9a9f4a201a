package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// TestNewChatbotFromTemplate: New chatbot offers the templates with their
// placeholders explained; choosing one creates the chatbot with the
// template's definition and tests; an unknown one is refused beside the
// field and creates nothing.
func TestNewChatbotFromTemplate(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	c := newClient(t, srv)
	c.loginAs(rbac.Designer)
	page := c.get("/chatbots").Body
	mustContain(t, page, `name="template" value=""`, `name="template" value="faq"`, `name="template" value="appointment"`,
		`name="template" value="lead"`, `name="template" value="order-status"`, "[phone number]", "The number where a person answers.")

	res := c.post("/chatbots", url.Values{"name": {"Shop FAQ"}, "channel": {"livechat"}, "template": {"faq"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("create from a template: %d\n%s", res.Status, excerpt(res.Body))
	}
	bots, _, err := app.Store.Chatbots(t.Context(), store.ChatbotFilter{Query: "Shop FAQ", Limit: 5})
	if err != nil || len(bots) != 1 {
		t.Fatalf("created %d chatbots, %v", len(bots), err)
	}
	_, def, err := app.Chatbots.Get(t.Context(), who.Actor{User: app.Users[rbac.Designer]}, bots[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(def.Tests) == 0 || func() bool { d, _ := def.DialogByID("contact"); return d == nil }() {
		t.Errorf("the chatbot does not have the FAQ template's definition: %+v", def)
	}

	res = c.post("/chatbots", url.Values{"name": {"Odd"}, "channel": {"livechat"}, "template": {"nope"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "There is no template") || !strings.Contains(res.Body, `value="Odd"`) {
		t.Fatalf("unknown template: %d\n%s", res.Status, excerpt(res.Body))
	}
	if bots, _, _ := app.Store.Chatbots(t.Context(), store.ChatbotFilter{Query: "Odd", Limit: 5}); len(bots) != 0 {
		t.Error("an unknown template created a chatbot")
	}
}

// TestAPITemplates: GET /api/v1/templates lists them; POST /api/v1/chatbots
// {"template", "name"} creates one, with the same checks as the console.
func TestAPITemplates(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	res := e.c.send(http.MethodGet, "/api/v1/templates", "", e.as(rbac.Designer)...)
	var list []struct {
		ID           string
		Name         string
		Placeholders []struct{ Text, Explain string }
	}
	if res.Status != http.StatusOK || json.Unmarshal([]byte(res.Body), &list) != nil || len(list) < 4 || list[0].ID == "" || len(list[0].Placeholders) == 0 {
		t.Fatalf("GET templates: %d %s", res.Status, res.Body)
	}
	res = e.c.send(http.MethodPost, "/api/v1/chatbots", `{"template": "appointment", "name": "Bookings"}`, e.as(rbac.Designer)...)
	var bot struct {
		ID      int64
		Name    string
		Channel string
		Status  string
	}
	if res.Status != http.StatusCreated || json.Unmarshal([]byte(res.Body), &bot) != nil || bot.Name != "Bookings" || bot.Channel != "livechat" || bot.Status != "inactive" {
		t.Fatalf("POST from a template: %d %s", res.Status, res.Body)
	}
	res = e.c.send(http.MethodPost, "/api/v1/chatbots/"+itoa(bot.ID)+"/test", "", e.as(rbac.Designer)...)
	var run struct{ Passed, Failed int }
	if res.Status != http.StatusOK || json.Unmarshal([]byte(res.Body), &run) != nil || run.Passed == 0 || run.Failed != 0 {
		t.Errorf("the template's tests: %d %s", res.Status, res.Body)
	}
	apiWantError(t, e.c.send(http.MethodPost, "/api/v1/chatbots", `{"template": "nope", "name": "X"}`, e.as(rbac.Designer)...), http.StatusUnprocessableEntity, "invalid_template")
	apiWantError(t, e.c.send(http.MethodPost, "/api/v1/chatbots", `{"template": "faq", "name": "Y"}`, e.as(rbac.Analyzer)...), http.StatusForbidden, "forbidden")
}
