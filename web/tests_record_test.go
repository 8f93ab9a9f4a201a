package web_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// failing is greeter with a test that fails at its first turn.
func failing() *chatbot.Definition {
	def := greeter()
	def.Tests[0].Turns[0].Expect = []string{"Good day!"}
	return def
}

// TestPagesShowTheLastTestRun: the chatbot page, the validation panel and
// the activation dialog never run the conversation tests while they
// render: they show the last recorded run (none at first) with a Run
// button, whose run is recorded and shown from then on; per role, full
// page and htmx fragment.
func TestPagesShowTheLastTestRun(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	const fails = "fails at turn 1"
	for _, role := range rbac.Roles() {
		t.Run(role.String(), func(t *testing.T) {
			bot := makeChatbot(t, app, "Failing "+role.String(), fx.sender.ID, failing())
			base := "/chatbots/" + itoa(bot.ID)
			c := newClient(t, srv)
			c.loginAs(role)
			if !rbac.Can(role, rbac.ViewChatbots) {
				for _, res := range []response{c.get(base), c.get(base + "/validation"), c.post(base+"/tests/run", url.Values{"then": {"validation"}})} {
					if res.Status != http.StatusForbidden {
						t.Fatalf("%s: %d", role, res.Status)
					}
				}
				return
			}
			manager := rbac.Can(role, rbac.ActivateChatbots)
			recorded := func() bool {
				t.Helper()
				_, err := app.Store.LastTestRun(t.Context(), bot.ID)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					t.Fatal(err)
				}
				return err == nil
			}

			// Nothing ran yet: every page says so and offers to run them.
			page := c.get(base)
			if page.Status != http.StatusOK || strings.Contains(page.Body, fails) || !strings.Contains(page.Body, "The tests have not run yet.") {
				t.Fatalf("page: %d\n%s", page.Status, excerpt(page.Body))
			}
			if manager != strings.Contains(page.Body, `data-tests-to-run="activate"`) {
				t.Fatalf("activation dialog's Run button shown %v for %s", !manager, role)
			}
			for _, htmx := range []bool{false, true} {
				var res response
				if htmx {
					res = c.get(base+"/validation", "HX-Request", "true")
				} else {
					res = c.get(base + "/validation")
				}
				if res.Status != http.StatusOK || strings.Contains(res.Body, fails) || strings.Contains(res.Body, "ready to activate") ||
					!strings.Contains(res.Body, `data-tests-to-run="validation"`) || htmx == strings.Contains(res.Body, "<html") {
					t.Fatalf("validation (htmx %v): %d\n%s", htmx, res.Status, excerpt(res.Body))
				}
			}
			if recorded() {
				t.Fatal("a page recorded a test run")
			}

			// Run from the validation panel: htmx gets the panel, a plain
			// post the page with it.
			res := c.post(base+"/tests/run", url.Values{"then": {"validation"}}, "HX-Request", "true")
			if res.Status != http.StatusOK || !strings.Contains(res.Body, fails) || !strings.Contains(res.Body, chatbot.CodeTestFailed) ||
				strings.Contains(res.Body, "<html") || !strings.Contains(res.Body, `id="validation"`) || strings.Contains(res.Body, "data-tests-to-run") {
				t.Fatalf("run from the panel: %d\n%s", res.Status, excerpt(res.Body))
			}
			res = c.post(base+"/tests/run", url.Values{"then": {"validation"}})
			if res.Status != http.StatusOK || !strings.Contains(res.Body, "<html") || !strings.Contains(res.Body, chatbot.CodeTestFailed) {
				t.Fatalf("plain run from the panel: %d\n%s", res.Status, excerpt(res.Body))
			}
			last, err := app.Store.LastTestRun(t.Context(), bot.ID)
			if err != nil || last.RunBy != testkit.Email(role) {
				t.Fatalf("recorded run %+v %v", last, err)
			}

			// Pages now show the recorded run.
			page = c.get(base)
			if !strings.Contains(page.Body, "data-last-run") || !strings.Contains(page.Body, "0 tests passed, 1 failed") {
				t.Fatalf("page after a run:\n%s", excerpt(page.Body))
			}
			if res = c.get(base+"/validation", "HX-Request", "true"); !strings.Contains(res.Body, fails) {
				t.Fatalf("validation after a run:\n%s", excerpt(res.Body))
			}
			if manager {
				// The activation dialog's plan lists the failing test.
				if dlg := page.Body[strings.Index(page.Body, `id="activate-dialog"`):]; !strings.Contains(dlg, fails) {
					t.Fatalf("activation dialog:\n%s", excerpt(dlg))
				}
			}

			// Another version of the definition: the recorded run is of an
			// earlier one, and its findings are no longer shown.
			changed := failing()
			changed.Dialogs[0].Elements[0].Text = "Hello there!"
			cur, err := app.Store.ChatbotByID(t.Context(), bot.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := app.Chatbots.Update(t.Context(), who.System(), bot.ID, chatbots.Edit{Version: cur.Version, Apply: chatbots.ReplaceDefinition(changed)}); err != nil {
				t.Fatal(err)
			}
			page = c.get(base)
			if !strings.Contains(page.Body, "ran on an earlier version of the definition") || strings.Contains(page.Body, fails) {
				t.Fatalf("page after an edit:\n%s", excerpt(page.Body))
			}

			// Run from the activation dialog: back to the dialog, open.
			if manager {
				res = c.post(base+"/tests/run", url.Values{"then": {"activate"}}, "HX-Request", "true")
				if res.Status != http.StatusOK || strings.Contains(res.Body, "<html") || !strings.Contains(res.Body, `id="editor"`) ||
					!strings.Contains(res.Body, "data-open") || !strings.Contains(res.Body, fails) {
					t.Fatalf("run from the dialog: %d\n%s", res.Status, excerpt(res.Body))
				}
				res = c.post(base+"/tests/run", url.Values{"then": {"activate"}})
				if res.Status != http.StatusOK || !strings.Contains(res.Body, "<html") || !strings.Contains(res.Body, "data-open") {
					t.Fatalf("plain run from the dialog: %d\n%s", res.Status, excerpt(res.Body))
				}
			}
		})
	}
}
