package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/who"
)

// keywordDesk asks a name, then offers hours by keyword (which ends the
// conversation) with a fallback.
func keywordDesk() *chatbot.Definition {
	return &chatbot.Definition{
		Attributes: []chatbot.Attribute{{Name: "name", Type: chatbot.AttributeText}},
		Entry:      "start", Fallback: "sorry",
		Dialogs: []chatbot.Dialog{
			{ID: "start", Name: "Start", Elements: []chatbot.Element{
				{Type: chatbot.ElementQuestion, Text: "Your name?", Attribute: "name"},
				{Type: chatbot.ElementGoto, Dialog: "menu"},
			}},
			{ID: "menu", Name: "Menu", Elements: []chatbot.Element{
				{Type: chatbot.ElementMessage, Text: "Ask about hours, {{name}}."},
				{Type: chatbot.ElementKeywords, Branches: []chatbot.Branch{{Keywords: []string{"opening hours"}, Dialog: "hours"}}},
			}},
			{ID: "hours", Name: "Opening hours", Elements: []chatbot.Element{{Type: chatbot.ElementClose, Text: "9 to 5. Bye."}}},
			{ID: "sorry", Name: "Sorry", Elements: []chatbot.Element{{Type: chatbot.ElementMessage, Text: "Sorry?"}, {Type: chatbot.ElementGoto, Dialog: "menu"}}},
		},
		Tests: []chatbot.Test{{Name: "asks", Turns: []chatbot.TestTurn{{Say: "hi", Expect: []string{"Your name?"}}}}},
	}
}

// TestSessionsPageFiltersAndTranscript: the sessions page filters by end
// user, close reason, state and dates with the API's query, keeps its
// filters in the pager, shows a refused filter under its field, answers
// htmx with the list alone, per role; the transcript shows per message
// the dialogs entered, the keyword, fallbacks, the release, and the
// attributes at the end.
func TestSessionsPageFiltersAndTranscript(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	ctx := context.Background()
	snd, err := app.Senders.Create(ctx, who.System(), "livechat", "desk")
	if err != nil {
		t.Fatal(err)
	}
	bot := makeChatbot(t, app, "Desk bot", snd.ID, keywordDesk())
	if _, err := app.Lifecycle.Activate(ctx, who.System(), bot.ID, lifecycle.ActivateOptions{}); err != nil {
		t.Fatal(err)
	}
	sessions := map[string]int64{}
	for _, m := range [][2]string{
		{"ann", "hi"}, {"ann", "Ann"}, {"ann", "what are your opening hours?"}, // completed
		{"bob", "hi"}, {"bob", "Bob"}, {"bob", "the weather"}, // open, one fallback
		{"cy", "hi"}, // open
	} {
		out, err := app.Routing.Route(ctx, snd, m[0], m[1])
		if err != nil {
			t.Fatal(err)
		}
		sessions[m[0]] = out.SessionID
	}
	base := "/chatbots/" + itoa(bot.ID) + "/sessions"
	link := func(user string) string { return `href="` + base + "/" + itoa(sessions[user]) + `"` }

	// Route × role: the page and its fragment.
	for _, r := range rbac.Roles() {
		c := newClient(t, srv)
		c.loginAs(r)
		want := http.StatusForbidden
		if rbac.Can(r, rbac.ViewChatbots) {
			want = http.StatusOK
		}
		page := c.get(base + "?end_user=ann&reason=completed")
		frag := c.get(base+"?end_user=ann&reason=completed", "HX-Request", "true", "HX-Target", "sessions-list")
		tx := c.get(base + "/" + itoa(sessions["ann"]))
		for name, res := range map[string]response{"page": page, "fragment": frag, "transcript": tx} {
			if res.Status != want {
				t.Errorf("%s %s: status %d, want %d", r, name, res.Status, want)
			}
		}
		if want != http.StatusOK {
			mustNotContain(t, page.Body, "ann")
			continue
		}
		mustContain(t, page.Body, "<html", `value="ann"`, `<option value="completed" selected>`, link("ann"), "Clear")
		mustNotContain(t, page.Body, link("bob"), link("cy"))
		if body := strings.TrimSpace(frag.Body); strings.Contains(body, "<html") || !strings.HasPrefix(body, `<div id="sessions-list"`) {
			t.Errorf("%s fragment: %.200s", r, body)
		}
		mustContain(t, frag.Body, link("ann"))
	}

	sup := newClient(t, srv)
	sup.loginAs(rbac.Supervisor)
	// The pager keeps the filters, and goes back to the newest.
	first := sup.get(base + "?status=open&limit=1")
	mustContain(t, first.Body, link("cy"))
	mustNotContain(t, first.Body, link("bob"), link("ann"))
	older := regexp.MustCompile(`href="([^"]*before=[0-9]+[^"]*)" rel="next"`).FindStringSubmatch(first.Body)
	if older == nil {
		t.Fatalf("no older page link:\n%s", first.Body)
	}
	next := strings.ReplaceAll(older[1], "&amp;", "&")
	if !strings.Contains(next, "status=open") || !strings.Contains(next, "limit=1") {
		t.Errorf("the older link %q drops the filters", next)
	}
	second := sup.get(next)
	mustContain(t, second.Body, link("bob"), "Newest sessions")
	mustNotContain(t, second.Body, link("cy"), link("ann"))

	// A refused filter is shown under its field and lists nothing.
	bad := sup.get(base + "?reason=bored&end_user=ann")
	if bad.Status != http.StatusBadRequest && bad.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad reason: status %d", bad.Status)
	}
	mustContain(t, bad.Body, `id="reason-error"`, "Unknown close reason", `aria-describedby="reason-error"`, "Correct the filter", `value="ann"`)
	mustNotContain(t, bad.Body, link("ann"))
	if res := sup.get(base + "?from=2099-01-02&to=2099-01-01"); !strings.Contains(res.Body, `id="to-error"`) {
		t.Errorf("dates the wrong way round: %d %.300s", res.Status, res.Body)
	}
	if res := sup.get(base + "?before=x"); !strings.Contains(res.Body, "The page marker") || !strings.Contains(res.Body, `class="form-error"`) {
		t.Errorf("a bad page marker: %d %.300s", res.Status, res.Body)
	}
	// Nothing matches: say what to do.
	mustContain(t, sup.get(base+"?end_user=nobody").Body, "No sessions match these filters")

	// Only the conversations that hit the fallback; the pager keeps it;
	// the API filters the same way.
	fb := sup.get(base + "?fallback=1&limit=1")
	mustContain(t, fb.Body, link("bob"), `name="fallback" value="1" checked`)
	mustNotContain(t, fb.Body, link("ann"), link("cy"), "rel=\"next\"")
	if res := sup.get(base + "?fallback=maybe"); !strings.Contains(res.Body, `id="fallback-error"`) {
		t.Errorf("a bad fallback filter: %d %.300s", res.Status, res.Body)
	}

	// The transcript: per message what the engine did; the attributes.
	tx := sup.get(base + "/" + itoa(sessions["ann"]))
	mustContain(t, tx.Body, "Keyword <q>opening hours</q>", `title="Dialog id: hours">Opening hours</span>`,
		`title="Dialog id: start">Start</span>`, "Release", "#1", "Attributes at the end", "<code>name</code>", "<td>Ann</td>",
		`class="day-heading"`, "data-clock", "Completed")
	mustNotContain(t, tx.Body, "trace-fallback")
	if n := strings.Count(tx.Body, `class="day-heading"`); n != 1 {
		t.Errorf("%d day headings for a one-day conversation", n)
	}
	bob := sup.get(base + "/" + itoa(sessions["bob"]))
	mustContain(t, bob.Body, `class="trace-fallback"`, `title="Dialog id: sorry">Sorry</span>`, "Attributes now", "<td>Bob</td>")
}
