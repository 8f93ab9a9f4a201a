package views

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/a-h/templ"

	"github.com/answers-console/answers/internal/plural"
	"github.com/answers-console/answers/internal/senders"
)

// Fragments renders several components one after another (a fragment and
// its out-of-band companions).
func Fragments(cs ...templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		for _, c := range cs {
			if err := c.Render(ctx, w); err != nil {
				return err
			}
		}
		return nil
	})
}

// OOB marks a component's root element for an htmx out-of-band swap: it
// replaces the element with the same id wherever it is on the page.
func OOB(c templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		var b strings.Builder
		if err := c.Render(ctx, &b); err != nil {
			return err
		}
		html := b.String()
		// The root element is the first tag; add the attribute to it.
		i := strings.IndexAny(html, " >")
		if !strings.HasPrefix(html, "<") || strings.HasPrefix(html, "<!") || i <= 0 {
			return fmt.Errorf("views.OOB: the component must start with an element, not %.20q", html)
		}
		_, err := io.WriteString(w, html[:i]+` data-hx-swap-oob="true"`+html[i:])
		return err
	})
}

func senderChannels() []string { return senders.Channels }

// Plural writes a count and a noun: "1 open session", "2 open sessions"
// (plural.Count, the one pluralising helper).
func Plural(n int, noun string) string { return plural.Count(n, noun) }

// Counted writes a count, its noun and the verb agreeing with it:
// "1 open session closes", "2 open sessions close".
func Counted(n int, noun, one, many string) string { return plural.Counted(n, noun, one, many) }

// verbFor is one when n is 1, else many.
func verbFor(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
