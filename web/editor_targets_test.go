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
