package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
	"github.com/answers-console/answers/web/webtest"
)

// shop is a chatbot with branches: a keywords step leading to two
// dialogs, one going back to the start.
func shop() *chatbot.Definition {
	d := greeter()
	d.Dialogs[0].Elements = []chatbot.Element{
		{Type: chatbot.ElementMessage, Text: "Hello!"},
		{Type: chatbot.ElementKeywords, Branches: []chatbot.Branch{
			{Keywords: []string{"hours", "open"}, Dialog: "hours"},
			{Keywords: []string{"name"}, Dialog: "ask"},
		}},
	}
	d.Dialogs = append(d.Dialogs,
		chatbot.Dialog{ID: "hours", Name: "Opening hours", Elements: []chatbot.Element{
			{Type: chatbot.ElementMessage, Text: "We open at 9."}, {Type: chatbot.ElementGoto, Dialog: "start"}}},
		chatbot.Dialog{ID: "ask", Name: "Ask the name", Elements: []chatbot.Element{
			{Type: chatbot.ElementQuestion, Text: "What is your name?", Attribute: "name"},
			{Type: chatbot.ElementClose, Text: "Bye {{name}}."}}},
	)
	d.Tests = nil
	return d
}

type docEnv struct {
	app         *webtest.App
	srv         string
	draft, live store.Chatbot
	clients     map[rbac.Role]*client
	t           *testing.T
}

func newDocEnv(t *testing.T) *docEnv {
	app, srv := newServer(t)
	ctx := context.Background()
	snd, err := app.Senders.Create(ctx, who.System(), "livechat", "doc")
	if err != nil {
		t.Fatal(err)
	}
	e := &docEnv{app: app, srv: srv.URL, t: t, clients: map[rbac.Role]*client{}}
	e.live = makeChatbot(t, app, "Shop live", snd.ID, shop())
	if _, err := app.Lifecycle.Activate(ctx, who.System(), e.live.ID, lifecycle.ActivateOptions{OverrideWarnings: true, Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	e.draft = makeChatbot(t, app, "Shop draft", snd.ID, shop())
	for _, r := range rbac.Roles() {
		e.clients[r] = newClient(t, srv)
		e.clients[r].loginAs(r)
	}
	return e
}

// isDocument reports whether a page shows the chatbot as a document: the
// map, cards and links, and no form fields for its elements. It returns
// what is missing, "" when nothing is.
func isDocument(body string) string {
	for _, want := range []string{`class="dialog-map"`, "<svg", `<desc id="map-desc">`,
		`id="dialog-hours" class="dialog dialog-doc"`, `<a href="#dialog-hours">Opening hours</a>`} {
		if !strings.Contains(body, want) {
			return "missing " + want
		}
	}
	for _, unwanted := range []string{`name="branch_keywords"`, "Save element", "disabled"} {
		if strings.Contains(body, unwanted) {
			return "has " + unwanted
		}
	}
	return ""
}

// isEditor reports whether a page shows the element forms (and the
// editor's own map, not the document's cards).
func isEditor(body string) bool {
	return strings.Contains(body, `name="text"`) && strings.Contains(body, `name="revision"`) &&
		strings.Contains(body, `class="dialog-map"`) && !strings.Contains(body, `class="dialog dialog-doc"`)
}

// TestDocumentViewByRole: whoever may view a chatbot but not edit it, and
// everyone on a live chatbot, reads a document; designers and above edit
// drafts. Full page and the editor fragment an htmx edit swaps in.
func TestDocumentViewByRole(t *testing.T) {
	t.Parallel()
	e := newDocEnv(t)
	for _, r := range rbac.Roles() {
		c := e.clients[r]
		for _, bot := range []store.Chatbot{e.draft, e.live} {
			page := c.get("/chatbots/" + itoa(bot.ID))
			switch {
			case !rbac.Can(r, rbac.ViewChatbots):
				if page.Status != http.StatusForbidden {
					t.Errorf("%s on %s: %d, want 403", r, bot.Name, page.Status)
				}
			case rbac.Can(r, rbac.EditChatbots) && bot.ID == e.draft.ID:
				if page.Status != http.StatusOK || !isEditor(page.Body) {
					t.Errorf("%s on %s: %d, not the editor\n%s", r, bot.Name, page.Status, excerpt(page.Body))
				}
			default:
				if miss := isDocument(page.Body); page.Status != http.StatusOK || miss != "" {
					t.Errorf("%s on %s: %d, not the document: %s", r, bot.Name, page.Status, miss)
				}
				mustContain(t, page.Body, "Listens for", "hours, open", "Goes to", `<a href="#dialog-start">Start</a>`,
					"Reached from", "Takes 3 answers at most", "Closes the conversation", "Every conversation starts at")
			}
		}
		// The fragment: a refused edit of the live chatbot swaps in the
		// editor area, which is the document.
		if rbac.Can(r, rbac.EditChatbots) {
			frag := c.post("/chatbots/"+itoa(e.live.ID)+"/dialogs/start/elements/0",
				url.Values{"version": {itoa(e.live.Version)}, "text": {"Hi"}}, "HX-Request", "true")
			if frag.Status != http.StatusConflict || isDocument(frag.Body) != "" || strings.Contains(frag.Body, "<html") ||
				!strings.Contains(frag.Body, "cannot be edited") {
				t.Errorf("%s: refused edit of the live chatbot: %d\n%s", r, frag.Status, excerpt(frag.Body))
			}
		}
	}
}

var revisionField = regexp.MustCompile(`action="/chatbots/\d+/dialogs/([a-z_]+)/elements/0"[^>]*>\s*<input type="hidden" name="_csrf" value="[^"]*"><input type="hidden" name="version" value="(\d+)"><input type="hidden" name="revision" value="([0-9a-f]+)">`)

// loadedForms reads, from an editor page, the version and revision each
// dialog's first element form carries.
func loadedForms(t *testing.T, body string) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	for _, m := range revisionField.FindAllStringSubmatch(body, -1) {
		out[m[1]] = [2]string{m[2], m[3]}
	}
	if len(out) == 0 {
		t.Fatalf("no element forms with a revision on the page\n%s", excerpt(body))
	}
	return out
}

// TestTwoDesignersEditDifferentDialogs: both load the editor, each saves
// a different dialog: both saves land. Then both edit the same dialog:
// the second is refused with the first one's version shown beside the
// second one's text, which is kept (plain post and htmx).
func TestTwoDesignersEditDifferentDialogs(t *testing.T) {
	t.Parallel()
	e := newDocEnv(t)
	path := "/chatbots/" + itoa(e.draft.ID)
	ann, bob := e.clients[rbac.Designer], e.clients[rbac.Manager]
	annForms, bobForms := loadedForms(t, ann.get(path).Body), loadedForms(t, bob.get(path).Body)

	res := ann.post(path+"/dialogs/hours/elements/0", url.Values{"version": {annForms["hours"][0]}, "revision": {annForms["hours"][1]}, "text": {"We open at 8."}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("ann's save: %d\n%s", res.Status, excerpt(res.Body))
	}
	res = bob.post(path+"/dialogs/ask/elements/0", url.Values{"version": {bobForms["ask"][0]}, "revision": {bobForms["ask"][1]},
		"text": {"Your name, please?"}, "attribute": {"name"}, "max_tries": {"3"}}, "HX-Request", "true")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "We open at 8.") || !strings.Contains(res.Body, "Your name, please?") {
		t.Fatalf("bob's save over ann's: %d\n%s", res.Status, excerpt(res.Body))
	}
	_, def, err := e.app.Chatbots.Get(t.Context(), who.System(), e.draft.ID)
	if err != nil {
		t.Fatal(err)
	}
	hours, _ := def.DialogByID("hours")
	ask, _ := def.DialogByID("ask")
	if hours.Elements[0].Text != "We open at 8." || ask.Elements[0].Text != "Your name, please?" {
		t.Fatalf("stored: %q, %q", hours.Elements[0].Text, ask.Elements[0].Text)
	}

	// The same dialog: bob's form still carries hours as it was.
	for _, htmx := range []bool{false, true} {
		var hdr []string
		if htmx {
			hdr = []string{"HX-Request", "true"}
		}
		res = bob.post(path+"/dialogs/hours/elements/0", url.Values{"version": {bobForms["hours"][0]}, "revision": {bobForms["hours"][1]},
			"text": {"Bob's own hours text"}}, hdr...)
		body := html.UnescapeString(res.Body)
		if res.Status != http.StatusConflict || !strings.Contains(body, "Someone else changed the dialog Opening hours") ||
			!strings.Contains(body, "Their version, saved") || !strings.Contains(body, "Your version, not saved") ||
			!strings.Contains(body, "We open at 8.") || !strings.Contains(body, ">Bob's own hours text</textarea>") {
			t.Fatalf("htmx %v: conflict: %d\n%s", htmx, res.Status, excerpt(res.Body))
		}
		if htmx == strings.Contains(res.Body, "<html") {
			t.Errorf("htmx %v: full page %v", htmx, !htmx)
		}
	}
	if _, def, _ = e.app.Chatbots.Get(t.Context(), who.System(), e.draft.ID); func() string { d, _ := def.DialogByID("hours"); return d.Elements[0].Text }() != "We open at 8." {
		t.Error("the refused save changed the dialog")
	}
	// Saving again from the conflict view (its form carries the new
	// revision) replaces theirs.
	forms := loadedForms(t, res.Body)
	res = bob.post(path+"/dialogs/hours/elements/0", url.Values{"version": {forms["hours"][0]}, "revision": {forms["hours"][1]}, "text": {"Bob's own hours text"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("saving again: %d\n%s", res.Status, excerpt(res.Body))
	}
}

// TestRefusedElementKeepsInputWithoutJS: a refused element save comes back
// (no JavaScript) with what was typed and the message beside the field.
func TestRefusedElementKeepsInputWithoutJS(t *testing.T) {
	t.Parallel()
	e := newDocEnv(t)
	c := e.clients[rbac.Designer]
	path := "/chatbots/" + itoa(e.draft.ID)
	forms := loadedForms(t, c.get(path).Body)
	res := c.post(path+"/dialogs/start/elements/1", url.Values{"version": {forms["start"][0]}, "revision": {forms["start"][1]},
		"branch_keywords": {"hours, open", "a row with no dialog"}, "branch_dialog": {"hours", ""}, "branch_dialog_new": {"", ""}})
	body := html.UnescapeString(res.Body)
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(body, `value="hours, open"`) || !strings.Contains(body, `value="a row with no dialog"`) ||
		!strings.Contains(res.Body, `id="el-start-1-branches-2-error"`) || !strings.Contains(body, "Branch 2: choose the dialog it leads to") ||
		!marked(res.Body, `aria-label="Dialog of branch 2"`, "el-start-1-branches-2-error") {
		i := strings.Index(res.Body, `id="el-start-1"`)
		t.Fatalf("%d\n%s", res.Status, res.Body[i:min(len(res.Body), i+3000)])
	}
	// The other forms show what is stored.
	if !strings.Contains(body, ">What is your name?</textarea>") {
		t.Error("another element's form lost its stored text")
	}
}

// TestQuestionCreatesItsAttribute: a question's form names a new attribute
// and it is created with the question, in one save; a bad name is refused
// beside the field with the input kept, and nothing is created.
func TestQuestionCreatesItsAttribute(t *testing.T) {
	t.Parallel()
	e := newDocEnv(t)
	c := e.clients[rbac.Designer]
	path := "/chatbots/" + itoa(e.draft.ID)
	forms := loadedForms(t, c.get(path).Body)
	form := url.Values{"version": {forms["ask"][0]}, "revision": {forms["ask"][1]}, "type": {"question"},
		"text": {"Your email?"}, "attribute": {""}, "new_attribute": {"Bad Name"}, "new_attribute_type": {"email"}}
	res := c.post(path+"/dialogs/ask/elements", form)
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="add-ask-question-attr_name-error"`) ||
		!strings.Contains(res.Body, `value="Bad Name"`) || !strings.Contains(res.Body, ">Your email?</textarea>") ||
		!strings.Contains(res.Body, `<details class="add-element-type" open>`) {
		t.Fatalf("bad name: %d\n%s", res.Status, excerpt(res.Body))
	}
	form.Set("new_attribute", "email")
	if res = c.post(path+"/dialogs/ask/elements", form); res.Status != http.StatusSeeOther {
		t.Fatalf("good name: %d\n%s", res.Status, excerpt(res.Body))
	}
	_, def, err := e.app.Chatbots.Get(t.Context(), who.System(), e.draft.ID)
	if err != nil {
		t.Fatal(err)
	}
	a, ok := def.AttributeByName("email")
	ask, _ := def.DialogByID("ask")
	last := ask.Elements[len(ask.Elements)-1]
	if !ok || a.Type != "email" || last.Type != "question" || last.Attribute != "email" {
		t.Fatalf("attribute %v %+v, element %+v", ok, a, last)
	}
}

// TestAPIPutDialog: the API's dialog edit merges and conflicts like the
// editor, with the same service rule.
func TestAPIPutDialog(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	id := itoa(e.fx.draft.ID)
	var got struct {
		Version   int64 `json:"version"`
		Revisions struct {
			Dialogs map[string]string `json:"dialogs"`
		} `json:"revisions"`
	}
	res := e.c.get("/api/v1/chatbots/"+id, e.as(rbac.Designer)...)
	if err := json.Unmarshal([]byte(res.Body), &got); err != nil || got.Revisions.Dialogs["start"] == "" {
		t.Fatalf("GET: %v %s", err, res.Body)
	}
	// Someone else changes the settings meanwhile: the dialog edit merges.
	if res := e.c.send(http.MethodPatch, "/api/v1/chatbots/"+id, `{"name":"Renamed draft"}`, e.as(rbac.Manager)...); res.Status != http.StatusOK {
		t.Fatalf("PATCH: %d %s", res.Status, res.Body)
	}
	body := func(text string) string {
		b, _ := json.Marshal(map[string]any{"version": got.Version, "revision": got.Revisions.Dialogs["start"], "name": "Start",
			"elements": []chatbot.Element{{Type: "message", Text: text}}})
		return string(b)
	}
	res = e.c.send(http.MethodPut, "/api/v1/chatbots/"+id+"/dialogs/start", body("Merged"), e.as(rbac.Designer)...)
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "Renamed draft") {
		t.Fatalf("merge: %d %s", res.Status, res.Body)
	}
	// The same dialog again from the old revision: a conflict with theirs.
	er := apiWantError(t, e.c.send(http.MethodPut, "/api/v1/chatbots/"+id+"/dialogs/start", body("Mine"), e.as(rbac.Designer)...), http.StatusConflict, "dialog_conflict")
	if d, _ := json.Marshal(er.Error.Details); !strings.Contains(string(d), `"Merged"`) {
		t.Errorf("conflict details: %s", d)
	}
	apiWantError(t, e.c.send(http.MethodPut, "/api/v1/chatbots/"+id+"/dialogs/nope", `{"name":"X","elements":[]}`, e.as(rbac.Designer)...), http.StatusNotFound, "dialog_not_found")
	apiWantError(t, e.c.send(http.MethodPut, "/api/v1/chatbots/"+id+"/dialogs/start", `{"name":"Start","elements":[{"type":"message"}]}`, e.as(rbac.Designer)...), http.StatusUnprocessableEntity, "invalid_text")
	apiWantError(t, e.c.send(http.MethodPut, "/api/v1/chatbots/"+itoa(e.fx.active.ID)+"/dialogs/start", `{"name":"Start","elements":[]}`, e.as(rbac.Designer)...), http.StatusConflict, "not_editable")
	apiWantError(t, e.c.send(http.MethodPut, "/api/v1/chatbots/"+id+"/dialogs/start", `{"name":"Start","elements":[]}`, e.as(rbac.Supervisor)...), http.StatusForbidden, "forbidden")
}
