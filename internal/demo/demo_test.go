package demo

import (
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
)

// Every demo chatbot carries conversation tests, and they pass: the demo
// shows what a tested chatbot looks like.
func TestDemoChatbotsPassTheirTests(t *testing.T) {
	for _, b := range demoBots() {
		if len(b.def.Tests) == 0 {
			t.Errorf("%s has no conversation tests", b.name)
		}
		for _, r := range chatbot.RunTests(b.def) {
			if !r.Passed {
				t.Errorf("%s: test %q fails %s", b.name, r.Name, r.Describe())
			}
		}
	}
}
