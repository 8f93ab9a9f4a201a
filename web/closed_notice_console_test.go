package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/routing"
	"github.com/answers-console/answers/internal/who"
)

// TestClosedNoticeInTheConsole: the chatbot page edits the notice with the
// API's service call: designers on an inactive chatbot, as a page post and
// as an htmx fragment; a refusal keeps the text beside its message.
func TestClosedNoticeInTheConsole(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	ctx := context.Background()
	d := newClient(t, srv)
	d.loginAs(rbac.Designer)
	draft := "/chatbots/" + itoa(fx.draft.ID)

	page := d.get(draft).Body
	mustContain(t, page, "Closed-conversation notice", "Empty: end users get the default", routing.DefaultClosedNotice, "Save notice")

	res := d.post(draft+"/closed-notice", url.Values{"closed_notice": {"  Your earlier chat ended; here is a new one.  "}}, "HX-Request", "true")
	if res.Status != http.StatusOK {
		t.Fatalf("htmx save: %d\n%s", res.Status, excerpt(res.Body))
	}
	mustContain(t, res.Body, ">Your earlier chat ended; here is a new one.</textarea>", "Leave empty for the default")
	mustContain(t, res.Header.Get("HX-Trigger"), "Saved the notice after a closed conversation of Matrix draft.")
	if got, _ := app.Chatbots.ClosedNotice(ctx, who.System(), fx.draft.ID); got != "Your earlier chat ended; here is a new one." {
		t.Fatalf("stored notice %q", got)
	}

	long := strings.Repeat("x", 501)
	res = d.post(draft+"/closed-notice", url.Values{"closed_notice": {long}})
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("too long: %d", res.Status)
	}
	mustContain(t, res.Body, "at most 500 characters", ">"+long+"</textarea>", `aria-invalid="true"`)

	// Empty restores the default (plain post: redirect and flash).
	res = d.post(draft+"/closed-notice", url.Values{"closed_notice": {""}})
	if res.Status != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "#closed-notice") {
		t.Fatalf("plain save: %d %q", res.Status, res.Header.Get("Location"))
	}
	mustContain(t, d.get(draft).Body, "Matrix draft sends the default notice after a closed conversation.")

	// A live chatbot is read-only: its notice is text, a post is refused.
	live := "/chatbots/" + itoa(fx.active.ID)
	mustContain(t, d.get(live).Body, `id="closed-notice"`, routing.DefaultClosedNotice+` <small class="muted">(the default)</small>`)
	res = d.post(live+"/closed-notice", url.Values{"closed_notice": {"Hi again"}}, "HX-Request", "true")
	if res.Status != http.StatusConflict {
		t.Fatalf("live chatbot: %d", res.Status)
	}
	mustContain(t, res.Body, `role="alert">Matrix bot is active, so it is read-only`)
	mustNotContain(t, res.Body, "Hi again")

	// A supervisor reads it but may not change it.
	sup := newClient(t, srv)
	sup.loginAs(rbac.Supervisor)
	mustNotContain(t, sup.get(draft).Body, "Save notice")
	if res := sup.post(draft+"/closed-notice", url.Values{"closed_notice": {"x"}}); res.Status != http.StatusForbidden {
		t.Fatalf("supervisor: %d", res.Status)
	}
}
