package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/who"
)

// TestTargetsByName: every target is chosen from the dialogs' names (ids
// are the values); "New dialog…" makes the dialog and points the element
// at it in one save, audited; renaming a dialog changes no reference; a
// bad new name is refused beside the field and changes nothing.
func TestTargetsByName(t *testing.T) {
	t.Parallel()
	e := newDocEnv(t)
	c := e.clients[rbac.Designer]
	path := "/chatbots/" + itoa(e.draft.ID)
	def := func() *chatbot.Definition {
		t.Helper()
		_, d, err := e.app.Chatbots.Get(t.Context(), who.System(), e.draft.ID)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}

	page := html.UnescapeString(c.get(path).Body)
	// The go to in "Opening hours" shows Start by name; the keywords rows
	// show their keywords in their own fields, no "=>" syntax.
	for _, want := range []string{`<option value="start" selected>Start</option>`, `<option value="+new">New dialog…</option>`,
		`name="branch_keywords" value="hours, open"`, `<option value="hours" selected>Opening hours</option>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the editor lacks %s", want)
		}
	}
	if strings.Contains(page, "=&gt;") || strings.Contains(page, "=>") {
		t.Error("the editor still shows the => syntax")
	}

	// A bad new name: refused beside the field, nothing made.
	forms := loadedForms(t, c.get(path).Body)
	before := def().Hash()
	for _, name := range []string{"", "  ", "opening HOURS", strings.Repeat("x", 81)} {
		res := c.post(path+"/dialogs/hours/elements/1", url.Values{"version": {forms["hours"][0]}, "revision": {forms["hours"][1]},
			"dialog": {"+new"}, "dialog_new": {name}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="el-hours-1-dialog-error"`) {
			t.Errorf("new dialog %q: %d, want a refusal beside the field", name, res.Status)
		}
		if def().Hash() != before {
			t.Fatalf("a refused new dialog %q changed the definition", name)
		}
	}

	// "New dialog…" named Prices: made and pointed at in one save.
	res := c.post(path+"/dialogs/hours/elements/1", url.Values{"version": {forms["hours"][0]}, "revision": {forms["hours"][1]},
		"dialog": {"+new"}, "dialog_new": {" Prices "}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("new dialog: %d\n%s", res.Status, excerpt(res.Body))
	}
	d := def()
	prices, _ := d.DialogByID("prices")
	hours, _ := d.DialogByID("hours")
	if prices == nil || prices.Name != "Prices" || hours.Elements[1].Dialog != "prices" {
		t.Fatalf("after the save: %s", d.JSON())
	}
	var details string
	if err := e.app.Store.R.QueryRow(`SELECT details FROM audit_log WHERE action = 'chatbot.edited' ORDER BY id DESC LIMIT 1`).Scan(&details); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(details, "dialog prices added") {
		t.Errorf("the audit entry does not say the dialog was made: %s", details)
	}

	// Two branches to one new dialog in one save make one dialog.
	forms = loadedForms(t, c.get(path).Body)
	res = c.post(path+"/dialogs/start/elements/1", url.Values{"version": {forms["start"][0]}, "revision": {forms["start"][1]},
		"branch_keywords": {"hours", "price, cost", "fee", ""}, "branch_dialog": {"hours", "+new", "+new", ""},
		"branch_dialog_new": {"", "Costs", "costs", ""}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("branches to a new dialog: %d\n%s", res.Status, excerpt(res.Body))
	}
	d = def()
	start, _ := d.DialogByID("start")
	if bs := start.Elements[1].Branches; len(bs) != 3 || bs[1].Dialog != "costs" || bs[2].Dialog != "costs" || len(d.Dialogs) != 5 {
		t.Fatalf("branches %+v, %d dialogs", bs, len(d.Dialogs))
	}

	// Renaming Prices changes no reference: the element still points at
	// it, and the select shows the new name.
	bot, cur, err := e.app.Chatbots.Get(t.Context(), who.System(), e.draft.ID)
	if err != nil {
		t.Fatal(err)
	}
	res = c.post(path+"/dialogs/prices/rename", url.Values{"version": {strconv.FormatInt(bot.Version, 10)},
		"revision": {chatbots.Revisions(bot, cur)[chatbots.DialogPart("prices")]}, "name": {"Our prices"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("rename: %d\n%s", res.Status, excerpt(res.Body))
	}
	d = def()
	hours, _ = d.DialogByID("hours")
	if hours.Elements[1].Dialog != "prices" {
		t.Errorf("the rename changed the reference to %q", hours.Elements[1].Dialog)
	}
	page = html.UnescapeString(c.get(path).Body)
	if !strings.Contains(page, `<option value="prices" selected>Our prices</option>`) {
		t.Error("the go to does not show the renamed dialog by its new name")
	}
	// Reached from, in the editor: Prices is reached from Opening hours.
	i := strings.Index(page, `id="dialog-prices"`)
	if i < 0 || !strings.Contains(page[i:i+600], "Reached from") || !strings.Contains(page[i:i+600], `href="#dialog-hours" data-hx-boost="false">Opening hours</a>`) {
		t.Errorf("the dialog does not say what reaches it: %s", page[i:i+1500])
	}
}

// TestButtonsTargetsByName: a buttons element's options choose their
// dialogs by name, with "New dialog…" too: one save, audited, makes the
// dialog and points the option at it; a refused name is shown beside the
// options, kept in its field, and changes nothing.
func TestButtonsTargetsByName(t *testing.T) {
	e := newDocEnv(t)
	c := e.clients[rbac.Designer]
	path := "/chatbots/" + itoa(e.draft.ID)
	def := func() *chatbot.Definition {
		t.Helper()
		_, d, err := e.app.Chatbots.Get(t.Context(), who.System(), e.draft.ID)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	form := func(forms map[string][2]string, names ...string) url.Values {
		return url.Values{"version": {forms["ask"][0]}, "revision": {forms["ask"][1]}, "type": {"buttons"}, "text": {"Anything else?"},
			"option_label": {"Opening hours", "Repairs", ""}, "option_dialog": {"hours", "+new", ""}, "option_dialog_new": names}
	}

	// The empty form's option rows offer the dialogs by name and "New dialog…".
	page := html.UnescapeString(c.get(path).Body)
	i := strings.Index(page, `aria-label="Dialog option 1 leads to"`)
	if i < 0 || !strings.Contains(page[i:i+800], `<option value="hours">Opening hours</option>`) || !strings.Contains(page[i:i+800], `<option value="+new">New dialog…</option>`) {
		t.Fatalf("the option's select does not offer the dialogs by name:\n%s", page[max(i, 0):max(i, 0)+800])
	}

	forms := loadedForms(t, c.get(path).Body)
	before := def().Hash()
	for _, tc := range []struct{ name, want string }{
		{"", "Option 2: Name the new dialog"},
		{"opening HOURS", "Option 2: There is already a dialog named Opening hours"},
		{strings.Repeat("x", 81), "Option 2: Use at most 80 characters"},
	} {
		res := c.post(path+"/dialogs/ask/elements", form(forms, "", tc.name, ""))
		body := html.UnescapeString(res.Body)
		// Beside its row, the name field marked.
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="add-ask-buttons-options-2-error"`) || !strings.Contains(body, tc.want) ||
			!marked(body[strings.Index(body, `/dialogs/ask/elements"`):], `aria-label="Name of the new dialog for option 2"`, "add-ask-buttons-options-2-error") {
			t.Errorf("new dialog %q: %d, want %q beside option 2\n%s", tc.name, res.Status, tc.want, excerpt(res.Body))
		}
		if n := strings.Count(body, `aria-describedby="add-ask-buttons-options-2-error"`); n != 1 {
			t.Errorf("new dialog %q: %d fields marked, want the one at fault", tc.name, n)
		}
		// What was typed stays: the label, "New dialog…" and the name.
		if !strings.Contains(body, `value="Repairs"`) || !strings.Contains(body, `<option value="+new" selected>New dialog…</option>`) ||
			!strings.Contains(body, `name="option_dialog_new" value="`+tc.name+`"`) {
			t.Errorf("new dialog %q: the refused form lost what was typed", tc.name)
		}
		if def().Hash() != before {
			t.Fatalf("a refused new dialog %q changed the definition", tc.name)
		}
	}
	// A name typed for a row without a label is not dropped unseen.
	res := c.post(path+"/dialogs/ask/elements", url.Values{"version": {forms["ask"][0]}, "revision": {forms["ask"][1]}, "type": {"buttons"},
		"text": {"Anything else?"}, "option_label": {"Opening hours", ""}, "option_dialog": {"hours", "+new"}, "option_dialog_new": {"", "Repairs"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(res.Body), "Option 2: enter the label of the button that leads to the new dialog Repairs.") {
		t.Errorf("a new dialog without a label: %d\n%s", res.Status, excerpt(res.Body))
	}

	// "New dialog…" named Repairs: made and pointed at in one save.
	res = c.post(path+"/dialogs/ask/elements", form(forms, "", " Repairs ", ""))
	if res.Status != http.StatusSeeOther {
		t.Fatalf("new dialog: %d\n%s", res.Status, excerpt(res.Body))
	}
	d := def()
	repairs, _ := d.DialogByID("repairs")
	ask, _ := d.DialogByID("ask")
	last := ask.Elements[len(ask.Elements)-1]
	if repairs == nil || repairs.Name != "Repairs" || len(last.Options) != 2 || last.Options[1] != (chatbot.Option{Label: "Repairs", Dialog: "repairs"}) {
		t.Fatalf("after the save: %s", d.JSON())
	}
	var details string
	if err := e.app.Store.R.QueryRow(`SELECT details FROM audit_log WHERE action = 'chatbot.edited' ORDER BY id DESC LIMIT 1`).Scan(&details); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(details, "dialog repairs added") {
		t.Errorf("the audit entry does not say the dialog was made: %s", details)
	}
	// The option shows its dialog by name, and Repairs is reached from Ask
	// the name (buttons lead somewhere too).
	page = html.UnescapeString(c.get(path).Body)
	if !strings.Contains(page, `<option value="repairs" selected>Repairs</option>`) {
		t.Error("the option does not show its new dialog by name")
	}
	i = strings.Index(page, `id="dialog-repairs"`)
	if i < 0 || !strings.Contains(page[i:i+600], `href="#dialog-ask" data-hx-boost="false">Ask the name</a>`) {
		t.Errorf("Repairs does not say it is reached from Ask the name: %s", page[max(i, 0):max(i, 0)+600])
	}
}

// TestRefusedBranchesMarkNoNewRow: after a refused keywords save, the
// row at fault is marked invalid, with the message beside it; the other
// rows are not, nor is the template that "Add branch" copies.
func TestRefusedBranchesMarkNoNewRow(t *testing.T) {
	e := newDocEnv(t)
	c := e.clients[rbac.Designer]
	path := "/chatbots/" + itoa(e.draft.ID)
	forms := loadedForms(t, c.get(path).Body)
	res := c.post(path+"/dialogs/start/elements/1", url.Values{"version": {forms["start"][0]}, "revision": {forms["start"][1]},
		"branch_keywords": {"hours", "price"}, "branch_dialog": {"hours", ""}})
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a branch without a dialog: %d", res.Status)
	}
	i := strings.Index(res.Body, `id="el-start-1-branches"`)
	if i < 0 {
		t.Fatal("no branches on the refused page")
	}
	box := res.Body[i:]
	box = box[:strings.Index(box, "</fieldset>")]
	rows, tpl, _ := strings.Cut(box, "<template data-branch-template>")
	if n := strings.Count(rows, `aria-invalid="true"`); n != 1 || !marked(rows, `aria-label="Dialog of branch 2"`, "el-start-1-branches-2-error") {
		t.Errorf("%d fields marked invalid, want the dialog of branch 2:\n%s", n, rows)
	}
	if strings.Contains(tpl, "aria-invalid") {
		t.Errorf("the row template is marked invalid: %s", tpl)
	}
}

// marked reports whether the first tag of page holding attr is marked
// invalid and described by the message of id errorID.
func marked(page, attr, errorID string) bool {
	i := strings.Index(page, attr)
	if i < 0 {
		return false
	}
	start, end := strings.LastIndex(page[:i], "<"), i+strings.Index(page[i:], ">")
	tag := page[start:end]
	return strings.Contains(tag, `aria-invalid="true"`) && strings.Contains(tag, `aria-describedby="`+errorID+`"`)
}
