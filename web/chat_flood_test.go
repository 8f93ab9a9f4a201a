package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/ratelimit"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
	"github.com/answers-console/answers/web"
	"github.com/answers-console/answers/web/webtest"
)

// TestOneVisitorCannotSilenceAChat replays the review's flood: a thousand
// cookie-less posts from one address made a thousand sessions and spent
// the sender's budget, so every genuine visitor got 429. Now the flooder's
// own limits refuse it first: few sessions, and others get through.
func TestOneVisitorCannotSilenceAChat(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	ctx := context.Background()
	// The limits' clock stands still: under load the flood took 14–18 s
	// of real time, in which the new-conversation budget refilled. So
	// exactly the burst gets through, and 50 posts show it as well as 200.
	clock := testkit.NewClock(time.Now())
	app.Routing.Limit = ratelimit.New(20, 20, 1000) // the sender's budget
	app.Routing.Limit.Now = clock.Now
	handler := app.Web(nil, web.Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	web.SetChatLimitsClock(handler, clock.Now)
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	snd, err := app.Senders.Create(ctx, who.System(), "livechat", "flood")
	if err != nil {
		t.Fatal(err)
	}
	bot := makeChatbot(t, app, "Flooded", snd.ID, greeter())
	if _, err := app.Lifecycle.Activate(ctx, who.System(), bot.ID, lifecycle.ActivateOptions{}); err != nil {
		t.Fatal(err)
	}
	counts := map[int]int{}
	for range 50 {
		c := newClient(t, srv) // no cookie: a new visitor every time
		res := c.postRaw("/chat/flood", url.Values{"text": {"spam"}}, "Sec-Fetch-Site", "same-origin", "X-Forwarded-For", "203.0.113.66")
		counts[res.Status]++
	}
	t.Logf("flood of 50 cookie-less posts: %v", counts)
	if counts[http.StatusSeeOther] != 10 {
		t.Errorf("%d new conversations from one address while the clock stood still, want the burst of 10", counts[http.StatusSeeOther])
	}
	var sessions int
	if err := app.Store.R.QueryRow(`SELECT count(*) FROM chat_sessions WHERE sender_id = ?`, snd.ID).Scan(&sessions); err != nil {
		t.Fatal(err)
	}
	if sessions > 10 {
		t.Errorf("%d sessions opened by the flood", sessions)
	}
	// One visitor with a cookie, posting fast, is slowed down alone.
	fast := newClient(t, srv)
	refused := 0
	for range 40 {
		if res := fast.postRaw("/chat/flood", url.Values{"text": {"hi"}}, "Sec-Fetch-Site", "same-origin", "X-Forwarded-For", "198.51.100.7"); res.Status == http.StatusTooManyRequests {
			refused++
			mustContain(t, res.Header.Get("Retry-After"), "")
		}
	}
	if refused == 0 {
		t.Error("one visitor posted 40 messages at once unrefused")
	}
	// Genuine visitors from elsewhere still get through.
	for i, ip := range []string{"192.0.2.10", "2001:db8:5::1"} {
		c := newClient(t, srv)
		if res := c.postRaw("/chat/flood", url.Values{"text": {"hello"}}, "Sec-Fetch-Site", "same-origin", "X-Forwarded-For", ip); res.Status != http.StatusSeeOther {
			t.Errorf("genuine visitor %d: status %d\n%s", i, res.Status, excerpt(res.Body))
		}
	}
}

// TestRefusedChatFloodWritesNoSessions: refused posts leave no console
// session rows behind (no CSRF token is minted for a refusal).
func TestRefusedChatFloodWritesNoSessions(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	before := countRows(t, app, "console_sessions")
	for range 50 {
		newClient(t, srv).postRaw("/chat/nowhere", url.Values{"text": {"spam"}}, "Sec-Fetch-Site", "same-origin")
	}
	if after := countRows(t, app, "console_sessions"); after != before {
		t.Errorf("%d console sessions written by 50 refused posts", after-before)
	}
}

func countRows(t *testing.T, app *webtest.App, table string) int {
	t.Helper()
	var n int
	if err := app.Store.R.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
