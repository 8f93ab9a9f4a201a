//go:build e2e

package e2e

import (
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/answers-console/answers/web/webtest"
)

// A visitor with the chat open in two tabs writes in one: the other shows
// the message and the chatbot's reply as they come (the event stream),
// without a reload, and neither tab shows anything twice. A closed tab
// stops its stream.
func TestSecondTabFollowsTheConversationLive(t *testing.T) {
	app, base := startConsole(t)
	liveFAQ(t, app, "shop")
	first := newPage(t)
	_, err := first.Goto(base + "/chat/shop")
	must(t, err)
	send(t, first, "hello") // the first message makes the visitor
	expectVisible(t, first.GetByText("Hello! Ask me about hours."))
	waitForStreams(t, app, 1) // the first tab's stream opened after it

	second, err := first.Context().NewPage() // the same browser: the same visitor
	must(t, err)
	_, err = second.Goto(base + "/chat/shop")
	must(t, err)
	expectVisible(t, second.GetByText("Hello! Ask me about hours."))
	waitForStreams(t, app, 2)

	bubble := func(p playwright.Page, text string) playwright.Locator {
		return p.Locator("#transcript .bubble", playwright.PageLocatorOptions{HasText: text})
	}
	send(t, first, "opening hours?")
	for _, p := range []playwright.Page{first, second} {
		must(t, expect.Locator(bubble(p, "We are open 9 to 5.")).ToHaveCount(1))
		must(t, expect.Locator(bubble(p, "opening hours?")).ToHaveCount(1))
		must(t, expect.Locator(p.Locator("#transcript .bubble")).ToHaveCount(4))
	}
	// The log still announces what arrives.
	must(t, expect.Locator(second.Locator("section.chat-log")).ToHaveAttribute("aria-live", "polite"))

	// The second tab writes; the first follows, to the end.
	send(t, second, "bye")
	expectVisible(t, bubble(first, "Goodbye!"))
	expectVisible(t, first.GetByText("The conversation has ended. Write again to start a new one."))
	for _, p := range []playwright.Page{first, second} {
		must(t, expect.Locator(bubble(p, "Goodbye!")).ToHaveCount(1))
		must(t, expect.Locator(p.GetByText("The conversation has ended.")).ToHaveCount(1))
	}

	must(t, second.Close())
	waitForStreams(t, app, 1)
}

// waitForStreams waits until the console holds n open event streams.
func waitForStreams(t *testing.T, app *webtest.App, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Duration(timeoutMS) * time.Millisecond)
	for app.Live.Open() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d open event streams, want %d", app.Live.Open(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
