package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/who"
	"github.com/answers-console/answers/web"
	"github.com/answers-console/answers/web/webtest"
)

// liveChat makes a livechat sender at address with an active chatbot
// that greets.
func liveChat(t *testing.T, app *webtest.App, address string) int64 {
	t.Helper()
	ctx := context.Background()
	snd, err := app.Senders.Create(ctx, who.System(), "livechat", address)
	if err != nil {
		t.Fatal(err)
	}
	bot := makeChatbot(t, app, "Chat "+address, snd.ID, greeter())
	if _, err := app.Lifecycle.Activate(ctx, who.System(), bot.ID, lifecycle.ActivateOptions{}); err != nil {
		t.Fatal(err)
	}
	return snd.ID
}

// TestMadeUpVisitorIdsAreNewVisitors replays the review's bypass: any
// cookie shaped web-… counted as a returning visitor, so made-up ones
// skipped the limit of new conversations per network (25 of 25 went
// through). Only ids this console signed identify a visitor — on any
// replica — and the database keeps the id, never the signed cookie.
func TestMadeUpVisitorIdsAreNewVisitors(t *testing.T) {
	t.Parallel()
	app := webtest.New(t)
	opts := web.Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	srv := httptest.NewServer(app.Web(nil, opts))
	t.Cleanup(srv.Close)
	sender := liveChat(t, app, "guarded")
	u, _ := url.Parse(srv.URL + "/chat/")
	post := func(c *client, ip string) response {
		return c.postRaw("/chat/guarded", url.Values{"text": {"hi"}}, "Sec-Fetch-Site", "same-origin", "X-Forwarded-For", ip)
	}

	// Made-up ids of the right shape, from one network: new visitors,
	// at most 10 new conversations a minute.
	accepted := 0
	for i := range 25 {
		c := newClient(t, srv)
		value := "web-madeup" + strings.Repeat(string(rune('a'+i)), 12)
		c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "answers_chat", Value: value, Path: "/chat/"}})
		res := post(c, "203.0.113.9")
		switch res.Status {
		case http.StatusSeeOther:
			accepted++
			if got := chatCookieOf(c); got == value {
				t.Errorf("made-up cookie %q kept as it was", value)
			}
		case http.StatusTooManyRequests:
			mustContain(t, res.Body, "Too many new conversations from your network")
		default:
			t.Fatalf("made-up cookie %q: status %d\n%s", value, res.Status, excerpt(res.Body))
		}
	}
	if accepted > 10 {
		t.Errorf("%d of 25 made-up visitor cookies went through, want at most the 10 new conversations a minute", accepted)
	}

	// Nor are ids collected from the page: showing it gives none, only a
	// first message under the new-conversation limit does.
	accepted = 0
	for range 25 {
		c := newClient(t, srv)
		if res := c.get("/chat/guarded"); res.Status != http.StatusOK || chatCookieOf(c) != "" {
			t.Fatalf("the chat page: status %d, chat cookie %q", res.Status, chatCookieOf(c))
		}
		if res := post(c, "203.0.113.77"); res.Status == http.StatusSeeOther {
			accepted++
		}
	}
	if accepted > 10 {
		t.Errorf("%d of 25 visitors who first showed the page went through, want at most 10", accepted)
	}

	// A visitor the console made keeps its conversation; its id without
	// the MAC, or under a MAC that does not verify, is somebody new.
	real := newClient(t, srv)
	if res := post(real, "192.0.2.1"); res.Status != http.StatusSeeOther {
		t.Fatalf("first message: %d", res.Status)
	}
	signed := chatCookieOf(real)
	id, mac, ok := strings.Cut(signed, ".")
	if !ok || !strings.HasPrefix(id, "web-") {
		t.Fatalf("chat cookie %q is not a signed web-… id", signed)
	}
	for _, value := range []string{
		id,                             // the bare id (the console shows it to supervisors)
		id + ".AAAAAAAAAAAAAAAAAAAAAA", // a made-up MAC
		signed + "x",                   // a MAC that does not verify
		"web-" + strings.Repeat("a", 20) + "." + mac, // another id under this one's MAC
	} {
		c := newClient(t, srv)
		c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "answers_chat", Value: value, Path: "/chat/"}})
		if res := post(c, "198.51.100.20"); res.Status != http.StatusSeeOther {
			t.Fatalf("forged cookie %q: status %d", value, res.Status)
		}
		if got := chatCookieOf(c); got == value || strings.HasPrefix(got, id+".") {
			t.Errorf("forged cookie %q: the visitor is now %q", value, got)
		}
	}
	messagesIn := func() int {
		t.Helper()
		var n int
		if err := app.Store.R.QueryRow(`SELECT count(*) FROM messages m JOIN chat_sessions s ON s.id = m.session_id
			WHERE s.sender_id = ? AND s.end_user = ? AND m.direction = 'in'`, sender, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := messagesIn(); n != 1 {
		t.Errorf("the real visitor's conversation has %d messages in, want its own 1", n)
	}

	// Another replica (its own server on the same database) knows the
	// visitor: the same conversation goes on there.
	replica := httptest.NewServer(app.Web(prometheus.NewRegistry(), opts))
	t.Cleanup(replica.Close)
	again := newClient(t, replica)
	ru, _ := url.Parse(replica.URL + "/chat/")
	again.http.Jar.SetCookies(ru, []*http.Cookie{{Name: "answers_chat", Value: signed, Path: "/chat/"}})
	if res := post(again, "192.0.2.1"); res.Status != http.StatusSeeOther {
		t.Fatalf("the visitor on another replica: %d", res.Status)
	}
	if got := chatCookieOf(again); got != signed {
		t.Errorf("the other replica gave the visitor a new id: %q, was %q", got, signed)
	}
	if n := messagesIn(); n != 2 {
		t.Errorf("the visitor has %d messages in after writing on another replica, want 2", n)
	}
	var n int
	// The database keeps ids, never a cookie that would open them.
	if err := app.Store.R.QueryRow(`SELECT count(*) FROM chat_sessions WHERE end_user LIKE '%.%'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d end users stored with their MAC (err %v)", n, err)
	}
}

// chatCookieOf is the web-chat cookie the client holds (its path is /chat/).
func chatCookieOf(c *client) string {
	u, _ := url.Parse(c.srv.URL + "/chat/")
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "answers_chat" {
			return ck.Value
		}
	}
	return ""
}
