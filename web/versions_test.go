package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/rbac"
)

// TestNewVersionPage: "New version" on the live chatbot makes "<name> v2"
// and opens it; the dashboard then shows the family as one row, page and
// fragment, and a search still finds each member.
func TestNewVersionPage(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	live := itoa(e.fx.active.ID)
	c := newClient(t, e.c.srv)
	c.loginAs(rbac.Designer)

	page := c.get("/chatbots/" + live)
	if !strings.Contains(page.Body, `action="/chatbots/`+live+`/versions"`) || !strings.Contains(page.Body, ">New version</button>") {
		t.Fatalf("the live chatbot's page offers no New version")
	}
	res := c.post("/chatbots/"+live+"/versions", nil)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("new version: %d\n%s", res.Status, excerpt(res.Body))
	}
	v2, err := e.app.Store.ChatbotByName(t.Context(), "Matrix bot v2")
	if err != nil {
		t.Fatal(err)
	}
	if loc := res.Header.Get("Location"); loc != "/chatbots/"+itoa(v2.ID) {
		t.Fatalf("redirect to %q, want the new version's editor", loc)
	}
	if v2.FamilyID != e.fx.active.ID || v2.BasedOnID != e.fx.active.ID || !v2.Editable() {
		t.Fatalf("v2: %+v", v2)
	}
	page = c.get("/chatbots/" + itoa(v2.ID))
	for _, want := range []string{"Matrix bot v2 is the new version", `<h2>Versions</h2>`, `href="/chatbots/` + live + `">Matrix bot</a>`, "from Matrix bot", "Add dialog",
		`href="/chatbots/` + itoa(v2.ID) + `/compare?against=` + live + `" aria-label="Compare with Matrix bot"`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the new version's editor lacks %q", want)
		}
	}

	// The compare page offers the family's versions first.
	cmp := c.get("/chatbots/" + itoa(v2.ID) + "/compare")
	if i, j := strings.Index(cmp.Body, `<optgroup label="Versions of this chatbot">`), strings.Index(cmp.Body, `<optgroup label="Other chatbots">`); i < 0 || j < i ||
		!strings.Contains(cmp.Body[i:j], `<option value="`+live+`">Matrix bot (active)</option>`) || strings.Contains(cmp.Body[j:], `value="`+live+`"`) {
		t.Errorf("the compare page does not offer the family first\n%s", excerpt(cmp.Body))
	}

	// One row for the family: the live member, the other one click away.
	for _, htmx := range []bool{false, true} {
		var headers []string
		if htmx {
			headers = []string{"HX-Request", "true", "HX-Target", "chatbot-list"}
		}
		list := c.get("/chatbots?q=Matrix+bot", headers...)
		if htmx == strings.Contains(list.Body, "<html") {
			t.Errorf("htmx %v: full page %v", htmx, !htmx)
		}
		if n := strings.Count(list.Body, "<tr>") - 1; n != 1 {
			t.Errorf("htmx %v: %d rows for the family, want 1\n%s", htmx, n, excerpt(list.Body))
		}
		if !strings.Contains(list.Body, `href="/chatbots/`+live+`">Matrix bot</a>`) || !strings.Contains(list.Body, "1 other version") ||
			!strings.Contains(list.Body, `href="/chatbots/`+itoa(v2.ID)+`">Matrix bot v2</a>`) {
			t.Errorf("htmx %v: the row is not the live chatbot with v2 one click away\n%s", htmx, excerpt(list.Body))
		}
	}
	if list := c.get("/chatbots?q=v2"); strings.Count(list.Body, "<tr>") != 2 || !strings.Contains(list.Body, `href="/chatbots/`+itoa(v2.ID)+`">Matrix bot v2</a>`) {
		t.Errorf("a search for v2 does not find it\n%s", excerpt(list.Body))
	}

	// An analyzer sees the dashboard but makes no versions.
	a := newClient(t, e.c.srv)
	a.loginAs(rbac.Analyzer)
	if res := a.post("/chatbots/"+live+"/versions", nil); res.Status != http.StatusForbidden {
		t.Errorf("analyzer: %d, want 403", res.Status)
	}
	if res := c.post("/chatbots/99999/versions", nil); res.Status != http.StatusNotFound {
		t.Errorf("unknown chatbot: %d, want 404", res.Status)
	}
}

func TestNewVersionAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	live := itoa(e.fx.active.ID)
	res := e.c.send(http.MethodPost, "/api/v1/chatbots/"+live+"/versions", "", e.as(rbac.Manager)...)
	var out struct {
		ID            int64  `json:"id"`
		Name          string `json:"name"`
		Status        string `json:"status"`
		FamilyID      int64  `json:"family_id"`
		FamilyVersion int    `json:"family_version"`
		BasedOnID     *int64 `json:"based_on_id"`
	}
	if res.Status != http.StatusCreated || json.Unmarshal([]byte(res.Body), &out) != nil {
		t.Fatalf("new version: %d %s", res.Status, res.Body)
	}
	if out.Name != "Matrix bot v2" || out.Status != "inactive" || out.FamilyID != e.fx.active.ID || out.FamilyVersion != 2 ||
		out.BasedOnID == nil || *out.BasedOnID != e.fx.active.ID {
		t.Fatalf("new version: %s", res.Body)
	}
	// The next one, from v2, is v3 in the same family.
	res = e.c.send(http.MethodPost, "/api/v1/chatbots/"+itoa(out.ID)+"/versions", "", e.as(rbac.Designer)...)
	if res.Status != http.StatusCreated || !strings.Contains(res.Body, `"name":"Matrix bot v3"`) || !strings.Contains(res.Body, `"family_id":`+live+`,`) {
		t.Fatalf("v3: %d %s", res.Status, res.Body)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'chatbot.versioned'`); n != 2 {
		t.Errorf("%d audit entries, want 2", n)
	}
	apiWantError(t, e.c.send(http.MethodPost, "/api/v1/chatbots/"+live+"/versions", "", e.as(rbac.Supervisor)...), http.StatusForbidden, "forbidden")
	apiWantError(t, e.c.send(http.MethodPost, "/api/v1/chatbots/99999/versions", "", e.as(rbac.Designer)...), http.StatusNotFound, "chatbot_not_found")
	if n := e.count(`SELECT count(*) FROM chatbots WHERE family_id IS NOT NULL`); n != 2 {
		t.Errorf("%d versions, want 2: a refusal made one", n)
	}
}

// TestReleasePage: the releases table links to each release's page, which
// shows the definition, the full hash, the report, who, when and the
// conversation-test results at activation; page and fragment, by role.
func TestReleasePage(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	live := itoa(e.fx.active.ID)
	rel, err := e.app.Store.ReleaseByNumber(t.Context(), e.fx.active.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	path := "/chatbots/" + live + "/releases/1"
	for _, r := range rbac.Roles() {
		t.Run(r.String(), func(t *testing.T) {
			c := newClient(t, e.c.srv)
			c.loginAs(r)
			page := c.get(path)
			if !rbac.Can(r, rbac.ViewChatbots) {
				if page.Status != http.StatusForbidden {
					t.Fatalf("status %d, want 403", page.Status)
				}
				return
			}
			if page.Status != http.StatusOK {
				t.Fatalf("status %d\n%s", page.Status, excerpt(page.Body))
			}
			for _, want := range []string{
				"<title>Matrix bot, release 1 · Answers Console</title>",
				"<code class=\"hash\" data-hash>" + rel.DefinitionHash + "</code>",
				"active: runs this release", "system", "Validation found no problems.",
				"None needed: there were no warnings to override.",
				`data-result="passed"><strong>passed</strong> asks the name`,
				`<blockquote class="doc-text">What is your name?</blockquote>`, "Stores the answer in <code>name</code>", `id="release-dialog-start"`,
				`href="/chatbots/` + live + `/compare?against=` + live + `&amp;release=1"`,
			} {
				if !strings.Contains(page.Body, want) {
					t.Errorf("the release page lacks %q", want)
				}
			}
			frag := c.get(path, "HX-Request", "true", "HX-Target", "release")
			if frag.Status != http.StatusOK || strings.Contains(frag.Body, "<html") || !strings.Contains(frag.Body, `id="release"`) || !strings.Contains(frag.Body, rel.DefinitionHash) {
				t.Errorf("fragment: %d\n%s", frag.Status, excerpt(frag.Body))
			}
			// The chatbot page's releases table links here.
			if bot := c.get("/chatbots/" + live); !strings.Contains(bot.Body, `href="`+path+`"`) {
				t.Errorf("the releases table does not link to the release page")
			}
		})
	}
	c := newClient(t, e.c.srv)
	c.loginAs(rbac.Supervisor)
	for _, p := range []string{"/chatbots/" + live + "/releases/2", "/chatbots/" + live + "/releases/0", "/chatbots/" + live + "/releases/x", "/chatbots/99999/releases/1"} {
		if res := c.get(p); res.Status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, res.Status)
		}
	}

	// The API's releases carry the results too.
	res := e.c.get("/api/v1/chatbots/"+live+"/releases", e.as(rbac.Supervisor)...)
	var rels []struct {
		TestResults []chatbot.TestResult `json:"test_results"`
	}
	if res.Status != http.StatusOK || json.Unmarshal([]byte(res.Body), &rels) != nil || len(rels) != 1 || len(rels[0].TestResults) != 1 || !rels[0].TestResults[0].Passed {
		t.Errorf("releases API: %d %s", res.Status, res.Body)
	}
}
