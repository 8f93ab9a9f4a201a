package views

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
)

// oneWrong finds a count of one with a plural noun or verb in the
// messages these tests draw: "1 validation errors", "1 … close",
// "1 … block", "1 warnings".
var oneWrong = regexp.MustCompile(`\b1 (validation errors|warnings|open (session|conversation)s|open (session|conversation) close\b|validation error block\b|warnings overridden)`)

// TestCountsAgree draws every count-bearing message of the lifecycle
// panel and the releases with a count of one, and of two: each says
// "1 thing does" and "2 things do".
func TestCountsAgree(t *testing.T) {
	ctx := WithPage(context.Background(), Page{User: store.User{ID: 1, Role: rbac.Admin}, CSRF: "t"})
	err1 := []chatbot.Finding{{Severity: chatbot.SeverityError, Code: "x", Message: "broken"}}
	warn1 := []chatbot.Finding{{Severity: chatbot.SeverityWarning, Code: "y", Message: "odd"}}
	future := time.Now().Add(time.Hour)
	other := &store.Chatbot{ID: 2, Name: "Other", Status: store.StatusDeactivated, GraceEndsAt: future}
	live := &store.Chatbot{ID: 3, Name: "Live", Status: store.StatusActive, SessionTimeout: 15 * time.Minute}
	report1 := []byte(`[{"severity":"warning","code":"y","message":"odd"}]`)
	for _, n := range []int{1, 2} {
		errs, warns := err1, warn1
		report := report1
		if n == 2 {
			errs, warns = append(errs, err1...), append(warns, warn1...)
			report = []byte(`[{"code":"y"},{"code":"z"}]`)
		}
		drafts := []struct {
			name string
			c    templ.Component
			want string
		}{
			{"validation errors", planFindings(errs), map[int]string{1: "1 validation error blocks activation", 2: "2 validation errors block activation"}[n]},
			{"warnings", planFindings(warns), map[int]string{1: "1 warning", 2: "2 warnings"}[n]},
			{"end grace", LifecyclePanel(EditorData{Bot: store.Chatbot{ID: 1, Name: "Bot", Status: store.StatusDeactivated, GraceEndsAt: future, SenderID: 1}, OpenSessions: n}),
				map[int]string{1: "1 open conversation closes at once", 2: "2 open conversations close at once"}[n]},
			{"redeploy over a grace", LifecyclePanel(EditorData{Bot: store.Chatbot{ID: 1, Name: "Bot", Status: store.StatusInactive, SenderID: 1},
				Sender: SenderState{Active: live, Deactivated: other, DeactivatedOpen: n}}),
				map[int]string{1: "1 open session closes", 2: "2 open sessions close"}[n]},
			{"overridden warnings", releasesSection(EditorData{Bot: store.Chatbot{ID: 1}, Releases: []store.Release{{Number: 1, DefinitionHash: "abc", Report: report, OverrideReason: "why"}}}),
				map[int]string{1: "1 warning overridden", 2: "2 warnings overridden"}[n]},
		}
		for _, d := range drafts {
			var b strings.Builder
			if err := d.c.Render(ctx, &b); err != nil {
				t.Fatal(err)
			}
			html := strings.Join(strings.Fields(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(b.String(), " ")), " ")
			if !strings.Contains(html, d.want) {
				t.Errorf("%s (%d): no %q in\n%s", d.name, n, d.want, html)
			}
			if m := oneWrong.FindString(html); m != "" {
				t.Errorf("%s (%d): %q", d.name, n, m)
			}
		}
	}
}
