package chatbots_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
)

// TestTemplatesAreValidAndTheirTestsPass: every template validates without
// errors or warnings on a sender of any channel it may run on (livechat),
// its conversation tests pass, and each placeholder it names is in its
// texts (and each bracket in its texts is explained).
func TestTemplatesAreValidAndTheirTestsPass(t *testing.T) {
	ts := chatbots.Templates()
	if len(ts) < 4 {
		t.Fatalf("%d templates, want at least 4", len(ts))
	}
	ids := map[string]bool{}
	for _, tpl := range ts {
		if ids[tpl.ID] || tpl.Name == "" || tpl.Summary == "" {
			t.Errorf("template %+v: duplicate id or missing name or summary", tpl)
		}
		ids[tpl.ID] = true
		def := tpl.Definition()
		ctx := chatbot.Context{HasSender: true, SenderChannel: "livechat", Channel: "livechat", SessionTimeout: chatbots.DefaultTimeout}
		for _, f := range chatbot.Validate(def, ctx) {
			t.Errorf("template %s: %s %s: %s", tpl.ID, f.Severity, f.Code, f.Message)
		}
		results := chatbot.RunTests(def)
		if len(results) == 0 {
			t.Errorf("template %s has no conversation tests", tpl.ID)
		}
		for _, r := range results {
			if !r.Passed {
				t.Errorf("template %s: test %q: %s", tpl.ID, r.Name, r.Describe())
			}
		}
		text := string(def.JSON())
		for _, p := range tpl.Placeholders {
			if !strings.Contains(text, p.Text) || p.Explain == "" {
				t.Errorf("template %s: placeholder %s is not in its texts or not explained", tpl.ID, p.Text)
			}
		}
		for _, name := range regexp.MustCompile(`\[[a-z -]+\]`).FindAllString(text, -1) {
			explained := false
			for _, p := range tpl.Placeholders {
				explained = explained || p.Text == name
			}
			if !explained {
				t.Errorf("template %s: %s is not explained", tpl.ID, name)
			}
		}
		// Each call is a fresh copy: editing one never edits the template.
		def.Dialogs[0].Name = "changed"
		if tpl.Definition().Dialogs[0].Name == "changed" {
			t.Errorf("template %s shares its definition", tpl.ID)
		}
	}
}
