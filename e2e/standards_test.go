//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/senders"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/webhooks"
	"github.com/answers-console/answers/internal/who"
	"github.com/answers-console/answers/web/webtest"
)

// The third-party checkers come from npm (package.json): axe-core runs in
// the page, the Nu HTML Checker (vnu-jar) on the Java that `make test`
// installs when it is missing. Paths are relative to e2e/, where tests run.
const (
	axePath = "../node_modules/axe-core/axe.min.js"
	vnuPath = "../node_modules/vnu-jar/build/dist/vnu.jar"
)

// axeTags are the rule sets checked: WCAG 2.0 and 2.1, levels A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// TestEveryPageIsAccessibleAndValid visits every console page (every GET
// route of the route table, for every chatbot state it renders
// differently) as every role and as an anonymous visitor, in light and
// dark mode, with every <details> open and every dialog opened in turn,
// and runs axe-core on each: zero WCAG 2.1 A/AA violations. The HTML of
// each page, as the server sent it, goes to a temporary directory, and the
// Nu HTML Checker runs once over all of them: zero errors.
func TestEveryPageIsAccessibleAndValid(t *testing.T) {
	app, base := startConsole(t)
	fx := standardsFixture(t, app)
	axe, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatalf("axe-core is missing (run `make deps`): %v", err)
	}
	htmlDir := t.TempDir()
	saved := map[string]string{} // file name → what it is, for the report
	axeRuns, axeViolations := 0, 0

	visitors := append([]rbac.Role{0}, rbac.Roles()...) // 0: not signed in
	for _, role := range visitors {
		name := "anonymous"
		if role != 0 {
			name = role.String()
		}
		t.Run(name, func(t *testing.T) {
			page := newPage(t)
			if role != 0 {
				signIn(t, page, base, testkit.Email(role), testkit.Password(role))
				expectVisible(t, mainNav(page))
			}
			for _, path := range fx.paths(t, app, role) {
				res, err := page.Goto(base + path)
				must(t, err)
				if res.Status() >= 500 {
					t.Errorf("GET %s as %s: status %d", path, name, res.Status())
					continue
				}
				body, err := res.Body()
				must(t, err)
				if !isDocument(body) {
					continue // a fragment (its page is checked) or a download
				}
				file := fmt.Sprintf("%s-%03d.html", name, len(saved))
				must(t, os.WriteFile(filepath.Join(htmlDir, file), body, 0o644))
				saved[file] = name + " GET " + path
				for _, scheme := range []*playwright.ColorScheme{playwright.ColorSchemeLight, playwright.ColorSchemeDark} {
					// Reduced motion: Pico then switches colours without a
					// transition, so contrast is measured on the final colours.
					must(t, page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: scheme, ReducedMotion: playwright.ReducedMotionReduce}))
					where := fmt.Sprintf("%s GET %s (%s)", name, path, *scheme)
					// Everything a click unfolds is checked too.
					_, err := page.Evaluate(`() => document.querySelectorAll("details").forEach(d => d.open = true)`)
					must(t, err)
					axeViolations += runAxe(t, page, axe, where)
					axeRuns++
					openers := page.Locator("[data-dialog]:visible")
					n, err := openers.Count()
					must(t, err)
					for i := range n {
						opener := openers.Nth(i)
						label, err := opener.TextContent()
						must(t, err)
						id, err := opener.GetAttribute("data-dialog")
						must(t, err)
						must(t, opener.Click())
						dialog := page.Locator("dialog#" + id)
						must(t, expect.Locator(dialog).ToBeVisible())
						axeViolations += runAxe(t, page, axe, where+" with the dialog of "+strings.TrimSpace(label)+" open")
						axeRuns++
						must(t, page.Keyboard().Press("Escape"))
						must(t, expect.Locator(dialog).Not().ToBeVisible())
					}
				}
			}
		})
	}
	t.Logf("axe-core: %d runs, %d violations", axeRuns, axeViolations)
	if len(saved) < 40 {
		t.Errorf("only %d pages were saved for the HTML checker", len(saved))
	}
	runVNU(t, htmlDir, saved)
}

// isDocument reports whether a response body is a whole HTML document.
func isDocument(body []byte) bool {
	return len(body) > 15 && strings.EqualFold(string(body[:15]), "<!DOCTYPE html>")
}

// axeResult is the part of axe.run's result the test reports.
type axeResult struct {
	Violations []struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target  []any  `json:"target"`
			Summary string `json:"failureSummary"`
		} `json:"nodes"`
	} `json:"violations"`
}

// runAxe runs axe-core in the page and reports each violation with the
// selector of each element it concerns; it returns how many it found.
// axe is injected with Evaluate, which the page's Content-Security-Policy
// (script-src 'self') does not govern; an inline <script> tag would be
// refused, and newPage fails a test on any CSP report.
// It runs in a page or in one frame of it (an embedded chat).
func runAxe(t *testing.T, page interface {
	Evaluate(string, ...any) (any, error)
}, axe []byte, where string) int {
	t.Helper()
	loaded, err := page.Evaluate(`() => typeof window.axe === "object"`)
	must(t, err)
	if loaded != true {
		if _, err := page.Evaluate(string(axe) + "\n;undefined"); err != nil {
			t.Fatalf("injecting axe-core: %v", err)
		}
	}
	out, err := page.Evaluate(`async (tags) => JSON.stringify(await axe.run(document, {
		runOnly: {type: "tag", values: tags},
		resultTypes: ["violations"],
	}))`, axeTags)
	if err != nil {
		t.Fatalf("axe.run on %s: %v", where, err)
	}
	var res axeResult
	must(t, json.Unmarshal([]byte(out.(string)), &res))
	n := 0
	for _, v := range res.Violations {
		for _, node := range v.Nodes {
			n++
			t.Errorf("axe %s: %s (%s, %s) at %v: %s", where, v.ID, v.Impact, v.Help, node.Target, strings.ReplaceAll(node.Summary, "\n", " "))
		}
	}
	return n
}

// vnuMessage is one message of the Nu HTML Checker's JSON output.
type vnuMessage struct {
	URL      string `json:"url"`
	Type     string `json:"type"`
	Message  string `json:"message"`
	Line     int    `json:"lastLine"`
	Extract  string `json:"extract"`
	SubType  string `json:"subType"`
	Filename string `json:"-"`
}

// runVNU runs the Nu HTML Checker once over every file in dir (the JVM
// starts slowly) and fails the test with file, page and message for each
// error.
func runVNU(t *testing.T, dir string, saved map[string]string) {
	t.Helper()
	if _, err := os.Stat(vnuPath); err != nil {
		t.Fatalf("the Nu HTML Checker is missing (run `make deps`): %v", err)
	}
	java, err := exec.LookPath("java")
	if err != nil {
		t.Fatal("java not found (run `make deps`: it installs Debian's default-jre-headless)")
	}
	files := make([]string, 0, len(saved))
	for f := range saved {
		files = append(files, filepath.Join(dir, f))
	}
	sort.Strings(files)
	start := time.Now()
	cmd := exec.Command(java, append([]string{"-jar", vnuPath, "--errors-only", "--format", "json", "--exit-zero-always"}, files...)...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("vnu: %v\n%s", err, stderr.String())
	}
	// vnu writes its JSON report to stderr.
	var report struct {
		Messages []vnuMessage `json:"messages"`
	}
	if err := json.Unmarshal([]byte(stderr.String()), &report); err != nil {
		t.Fatalf("vnu output is not JSON: %v\n%s", err, stderr.String())
	}
	errs := 0
	for _, m := range report.Messages {
		if m.Type != "error" && m.SubType != "fatal" {
			continue
		}
		errs++
		file := filepath.Base(strings.TrimPrefix(m.URL, "file:"))
		t.Errorf("vnu %s (%s) line %d: %s [%s]", file, saved[file], m.Line, m.Message, strings.TrimSpace(m.Extract))
	}
	t.Logf("Nu HTML Checker: %d documents in %s, %d errors", len(files), time.Since(start).Round(time.Millisecond), errs)
}

// stdFixture is a console with a chatbot in every state the pages render:
// a draft with validation errors, an active chatbot with conversations, a
// deactivated one draining its sessions after a redeploy.
type stdFixture struct {
	draft, active, draining store.Chatbot
	session                 store.ChatSession
	setupToken              string
	hook                    store.WebhookEndpoint // its page is checked too
	livechat                store.Sender          // embeddable, with an appearance
	waiting, taken          int64                 // conversations handed to people
}

func standardsFixture(t *testing.T, app *webtest.App) *stdFixture {
	t.Helper()
	ctx := context.Background()
	sys := who.System()
	var fx stdFixture
	// v1 talks with end users, then v2 replaces it with an hour's grace.
	v1 := liveFAQNamed(t, app, "faq", "FAQ v1")
	snd, err := app.Store.SenderByID(ctx, v1.SenderID)
	must(t, err)
	for _, u := range []string{"ann", "bea"} {
		for _, text := range []string{"hi", "hours", "what?"} {
			_, err := app.Routing.Route(ctx, snd, u, text)
			must(t, err)
		}
	}
	// v2 is a new version of v1: the dashboard shows their family as one
	// row with a disclosure, and each has release pages.
	v2, err := app.Chatbots.NewVersion(ctx, sys, v1.ID)
	must(t, err)
	v2, err = app.Lifecycle.Activate(ctx, sys, v2.ID, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(time.Hour)})
	must(t, err)
	_, err = app.Routing.Route(ctx, snd, "cid", "hours")
	must(t, err)
	fx.active = v2
	fx.draining, err = app.Store.ChatbotByID(ctx, v1.ID)
	must(t, err)
	list, _, err := app.Store.ChatSessions(ctx, store.SessionFilter{ChatbotID: v1.ID, Limit: 5})
	must(t, err)
	if len(list) == 0 {
		t.Fatal("no sessions on the fixture's chatbot")
	}
	fx.session = list[0]
	// A draft on another sender, whose definition has errors and warnings.
	other, err := app.Senders.Create(ctx, sys, "sms", "+15550100")
	must(t, err)
	fx.draft, err = app.Chatbots.Create(ctx, sys, chatbots.Settings{Name: "Draft bot", Channel: "sms", SenderID: other.ID})
	must(t, err)
	fx.livechat = snd
	origins := []string{"https://shop.example"}
	// (No avatar: these machines reach no remote image.)
	_, err = app.Senders.SetEmbed(ctx, sys, snd.ID, senders.EmbedInput{AllowedOrigins: &origins, Title: &v1.Name, Greeting: &v1.Name})
	must(t, err)
	// Two conversations handed to people: one waits, a supervisor took
	// the other and answered.
	desk, err := app.Senders.Create(ctx, sys, "livechat", "desk")
	must(t, err)
	deskChatbot(t, app, desk.ID)
	for _, u := range []string{"dee", "eve"} {
		for _, text := range []string{"hi", "a person please"} {
			out, err := app.Routing.Route(ctx, desk, u, text)
			must(t, err)
			if u == "dee" {
				fx.waiting = out.SessionID
			} else {
				fx.taken = out.SessionID
			}
		}
	}
	supervisor := who.Actor{User: app.Users[rbac.Supervisor], IP: "127.0.0.1"}
	_, err = app.Handover.Take(ctx, supervisor, fx.taken)
	must(t, err)
	_, err = app.Handover.Reply(ctx, supervisor, fx.taken, "Hello Eve, Sam here.")
	must(t, err)
	fx.setupToken = "not-a-token"
	u, ev := "https://hooks.example.com/in", []string{"chatbot.*", "user.role_changed"}
	fx.hook, err = app.Webhooks.Create(ctx, sys, webhooks.Input{URL: &u, Events: &ev, Description: &u})
	must(t, err)
	return &fx
}

// paramRe finds the :params of a route path.
var paramRe = regexp.MustCompile(`:[a-z]+`)

// paths lists the pages a visitor checks: every GET console route they may
// open, with each chatbot of the fixture where the route names one, and a
// few pages that only query strings reach.
func (fx *stdFixture) paths(t *testing.T, app *webtest.App, role rbac.Role) []string {
	t.Helper()
	var out []string
	for _, rt := range app.Server.Routes() {
		if rt.Method != http.MethodGet || rt.IsAPI() || rt.IsInbound() || !strings.HasPrefix(rt.Path, "/") ||
			strings.Contains(rt.Path, "export") || strings.HasSuffix(rt.Path, "/events") || rt.Path == "/static/*" || rt.Path == "/metrics" || rt.Path == "/healthz" {
			continue
		}
		if role == 0 && rt.Permission != rbac.Public || role != 0 && (rt.Permission == rbac.Public || !rbac.Can(role, rt.Permission)) {
			continue // signed-in visitors do not need the sign-in pages
		}
		if strings.HasPrefix(rt.Path, "/webhooks/:id") {
			out = append(out, strings.Replace(rt.Path, ":id", itoa(fx.hook.ID), 1))
			continue
		}
		if strings.HasPrefix(rt.Path, "/conversations/:id") {
			out = append(out, strings.Replace(rt.Path, ":id", itoa(fx.waiting), 1), strings.Replace(rt.Path, ":id", itoa(fx.taken), 1))
			continue
		}
		if strings.HasPrefix(rt.Path, "/senders/:id") {
			out = append(out, strings.Replace(rt.Path, ":id", itoa(fx.livechat.ID), 1))
			continue
		}
		bots := []store.Chatbot{fx.draft}
		if strings.Contains(rt.Path, ":id") && !strings.Contains(rt.Path, ":session") {
			bots = []store.Chatbot{fx.draft, fx.active, fx.draining}
		}
		if strings.Contains(rt.Path, ":session") {
			bots = []store.Chatbot{fx.draining}
		}
		if strings.Contains(rt.Path, ":number") {
			bots = []store.Chatbot{fx.active, fx.draining} // the draft has no release
		}
		for _, b := range bots {
			p := paramRe.ReplaceAllStringFunc(rt.Path, func(param string) string {
				switch param {
				case ":id":
					return itoa(b.ID)
				case ":session":
					return itoa(fx.session.ID)
				case ":address":
					return "faq"
				case ":number":
					return "1"
				}
				t.Errorf("route %s: no fixture value for %s; add one to stdFixture.paths", rt.Path, param)
				return param
			})
			if rt.Path == "/setup" {
				p += "?token=" + fx.setupToken
			}
			out = append(out, p)
		}
	}
	if role == 0 {
		out = append(out, "/chat/faq?embed=1") // the framed web chat
	}
	if role != 0 {
		out = append(out, "/no-such-page")
		if rbac.Can(role, rbac.WorkConversations) {
			out = append(out, "/conversations?view=all", "/conversations?view=mine", "/conversations?queue=nobody")
		}
		if rbac.Can(role, rbac.ViewAnalytics) {
			out = append(out, "/analytics?chatbot="+itoa(fx.draining.ID), "/analytics?range=custom&from=2026-02-10&to=2026-02-01")
		}
		if rbac.Can(role, rbac.ViewChatbots) {
			sessions := "/chatbots/" + itoa(fx.draining.ID) + "/sessions"
			out = append(out, sessions+"?end_user=ann&status=open&limit=1", sessions+"?reason=bored&from=x")
		}
		if rbac.Can(role, rbac.ViewAudit) {
			out = append(out, "/audit?action=chatbot.activated")
		}
	}
	return out
}
