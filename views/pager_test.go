package views

import (
	"context"
	"strings"
	"testing"
)

// TestPager: the shared pager draws the links it is given (an empty one is
// left out), swapping its list in place only when it names a target.
func TestPager(t *testing.T) {
	var b strings.Builder
	err := Pager("3 chatbots · page 2 of 3",
		PageLink{Label: "Previous", Href: "/chatbots?page=1", Rel: "prev", Target: "#chatbot-list"},
		PageLink{},
		PageLink{Label: "Older sessions", Href: "/chatbots/1/sessions?before=9", Rel: "next"},
	).Render(context.Background(), &b)
	if err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{`<nav class="pager" aria-label="Pages">`, `<span class="muted">3 chatbots · page 2 of 3</span>`,
		`<a href="/chatbots?page=1" rel="prev" data-hx-get="/chatbots?page=1" data-hx-target="#chatbot-list" data-hx-swap="outerHTML" data-hx-push-url="true">Previous</a>`,
		`<a href="/chatbots/1/sessions?before=9" rel="next">Older sessions</a>`} {
		if !strings.Contains(got, want) {
			t.Errorf("pager lacks %s\n%s", want, got)
		}
	}
	if strings.Count(got, "<a ") != 2 {
		t.Errorf("the empty link was drawn:\n%s", got)
	}
}
