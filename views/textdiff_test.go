package views

import (
	"context"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/store"
)

func join(parts []diffPart, ops string) string {
	var b strings.Builder
	for _, p := range parts {
		if strings.IndexByte(ops, p.Op) >= 0 {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// TestWordDiff: each side of the diff gives its text back; the change is
// only the words that changed.
func TestWordDiff(t *testing.T) {
	for _, c := range []struct{ before, after, removed, added string }{
		{"We open at 9 on weekdays.", "We open at 10 on weekdays.", "9", "10"},
		{"a b c", "a c", "b ", ""},
		{"", "new", "", "new"},
		{"Hello, world", "Hello, world", "", ""},
		{"line one\nline two\nline three", "line one\nline 2\nline three", "two", "2"},
	} {
		parts := wordDiff(c.before, c.after)
		if got := join(parts, " -"); got != c.before {
			t.Errorf("%q → %q: before side %q", c.before, c.after, got)
		}
		if got := join(parts, " +"); got != c.after {
			t.Errorf("%q → %q: after side %q", c.before, c.after, got)
		}
		if got := join(parts, "-"); got != c.removed {
			t.Errorf("%q → %q: removed %q, want %q", c.before, c.after, got, c.removed)
		}
		if got := join(parts, "+"); got != c.added {
			t.Errorf("%q → %q: added %q, want %q", c.before, c.after, got, c.added)
		}
	}
}

// TestLongTextDiffShowsTheChange: a one-word change in a long text shows
// the changed word and its context, not the whole text twice; a huge
// rewrite stays bounded (whole removed, whole added).
func TestLongTextDiffShowsTheChange(t *testing.T) {
	long := strings.Repeat("Our shop is open on weekdays and closed on public holidays. ", 20)
	before, after := long+"Call us at 555-0100.", long+"Call us at 555-0199."
	parts := wordDiff(before, after)
	shown := join(side(parts, '-'), " -") + join(side(parts, '+'), " +")
	if len(shown) > 400 || !strings.Contains(shown, "0100") || !strings.Contains(shown, "0199") || !strings.Contains(shown, "…") {
		t.Errorf("a one-word change in %d bytes shows %d bytes:\n%s", len(before), len(shown), shown)
	}
	a, b := strings.Repeat("x y ", 5000), strings.Repeat("z w ", 5000)
	if got := wordDiff(a, b); join(got, " -") != a || join(got, " +") != b {
		t.Error("a huge rewrite does not give its texts back")
	}
}

// TestComparePageShowsAWordDiff: the compare page marks the changed words
// of a long text instead of showing it whole twice.
func TestComparePageShowsAWordDiff(t *testing.T) {
	long := strings.Repeat("Our shop is open on weekdays and closed on public holidays. ", 20)
	d := CompareData{Bot: store.Chatbot{ID: 1, Name: "Shop"}, Against: 2, Result: &chatbots.DiffResult{
		Before: chatbots.DiffSide{Name: "Shop v1"}, After: chatbots.DiffSide{Name: "Shop"},
		Changes: []chatbot.Change{
			{Kind: "changed", Dialog: "start", Element: 1, Field: "text", Before: long + "Call us at 555-0100.", After: long + "Call us at 555-0199."},
			{Kind: "changed", Dialog: "start", Element: 2, Field: "text", Before: "Hi", After: "Hello"},
		}}}
	var b strings.Builder
	if err := ComparePage(d).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if n := strings.Count(page, "closed on public holidays"); n > 4 {
		t.Errorf("the long text shows %d times its sentence, want its context only", n)
	}
	for _, want := range []string{"<del>0100</del>", "<ins>0199</ins>", ">Hi</td>", ">Hello</td>"} {
		if !strings.Contains(page, want) {
			t.Errorf("no %s in the page", want)
		}
	}
}
