//go:build e2e

package e2e

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// The home page shows a running grace counting down, with its sessions
// left, and the live chatbot on its sender.
func TestHomeShowsARunningGraceCountingDown(t *testing.T) {
	app, base := startConsole(t)
	v1 := liveFAQ(t, app, "shop")
	snd, err := app.Store.SenderByAddress(context.Background(), "livechat", "shop")
	must(t, err)
	_, err = app.Routing.Route(context.Background(), snd, "+15550100", "hello")
	must(t, err)
	v2, err := app.Chatbots.Duplicate(context.Background(), who.System(), v1.ID)
	must(t, err)
	_, err = app.Lifecycle.Activate(context.Background(), who.System(), v2.ID, lifecycle.ActivateOptions{PreviousGrace: lifecycle.GraceOf(50 * time.Second)})
	must(t, err)

	page := newPage(t)
	signIn(t, page, base, testkit.Email(rbac.Supervisor), testkit.Password(rbac.Supervisor))
	grace := page.Locator("#ops [data-grace]")
	expectText(t, grace, "FAQ")
	expectText(t, grace, "1 open session left")
	countdown := grace.Locator("time[data-countdown]")
	must(t, expect.Locator(countdown).ToHaveText(regexp.MustCompile(`in \d+ seconds`)))
	first, err := countdown.TextContent()
	must(t, err)
	time.Sleep(2500 * time.Millisecond)
	second, err := countdown.TextContent()
	must(t, err)
	if first == second {
		t.Errorf("the countdown did not move: %q, then %q", first, second)
	}
	expectText(t, page.Locator("#ops table"), "FAQ (copy)")
}
