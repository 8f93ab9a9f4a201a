package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/who"
)

// With hundreds of senders the sender fields suggest a few at a time
// (asking for others as one types), so the dashboard stays small;
// choosing a suggestion filters to that sender alone, part of a name to
// every sender that contains it.
func TestSenderFieldsStaySmall(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	ctx := context.Background()
	for i := range 320 {
		ch := "sms"
		if i%2 == 0 {
			ch = "whatsapp"
		}
		if _, err := app.Senders.Create(ctx, who.System(), ch, fmt.Sprintf("+1555%04d", i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, x := range []struct{ name, address string }{{"On 11", "+15550011"}, {"On 111", "+15550111"}, {"On 13", "+15550013"}} {
		snd, err := app.Store.SenderByAddress(ctx, "sms", x.address)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Chatbots.Create(ctx, who.System(), chatbots.Settings{Name: x.name, Channel: "sms", SenderID: snd.ID}); err != nil {
			t.Fatal(err)
		}
	}
	c := newClient(t, srv)
	c.loginAs(rbac.Designer)
	all := c.get("/chatbots").Body
	if n := strings.Count(all, `<option value="sms +1555`) + strings.Count(all, `<option value="whatsapp +1555`); n > 40 {
		t.Errorf("the dashboard suggests %d senders", n)
	}
	if len(all) > 40_000 {
		t.Errorf("the dashboard is %d bytes", len(all))
	}
	// What one types narrows the suggestions, page and fragment alike.
	for _, h := range [][]string{nil, {"HX-Request", "true"}} {
		res := c.get("/chatbots/sender-options?channel=sms&sender=%2B1555001", h...)
		if res.Status != http.StatusOK {
			t.Fatalf("suggestions: %d %s", res.Status, excerpt(res.Body))
		}
		if got := strings.Count(res.Body, "<option"); got != 5 || !strings.Contains(res.Body, `value="sms +15550011"`) || strings.Contains(res.Body, "whatsapp") {
			t.Errorf("suggestions for sms +1555001: %d options\n%s", got, res.Body)
		}
	}
	if res := c.get("/chatbots/sender-options?channel=fax"); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("an unknown channel's suggestions: %d", res.Status)
	}
	// A suggestion chosen is that sender alone; a part, every sender it is in.
	exact := c.get("/chatbots?sender=" + url.QueryEscape("SMS +15550011")).Body
	mustContain(t, exact, "On 11")
	mustNotContain(t, exact, "On 111", "On 13")
	part := c.get("/chatbots?sender=" + url.QueryEscape("+155500")).Body
	mustContain(t, part, "On 11", "On 13")
	mustNotContain(t, part, "On 111")
	mustNotContain(t, c.get("/chatbots?sender=nowhere").Body, "On 11")
}

// A new chatbot's sender is typed (or chosen from the suggestions) by
// name; a name no sender of the channel has is refused beside the field,
// and nothing is created.
func TestNewChatbotSenderByName(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	ctx := context.Background()
	if _, err := app.Senders.Create(ctx, who.System(), "sms", "+15550100"); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv)
	c.loginAs(rbac.Designer)
	res := c.post("/chatbots", url.Values{"name": {"Text bot"}, "channel": {"sms"}, "sender": {"nowhere"}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `No sms sender is called &#34;nowhere&#34;`) ||
		!strings.Contains(res.Body, `aria-describedby="sender-error"`) || !strings.Contains(res.Body, `value="nowhere"`) {
		t.Fatalf("status %d\n%s", res.Status, excerpt(res.Body))
	}
	// The chosen channel's senders are suggested again, not livechat's.
	mustContain(t, res.Body, `<option value="sms +15550100">`)
	if n, err := app.Store.CountChatbots(ctx); err != nil || n != 0 {
		t.Fatalf("%d chatbots after a refusal (%v)", n, err)
	}
	for _, typed := range []string{"sms +15550100", "+15550100"} {
		res = c.post("/chatbots", url.Values{"name": {"Text bot " + typed}, "channel": {"sms"}, "sender": {typed}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("%q: status %d\n%s", typed, res.Status, excerpt(res.Body))
		}
	}
	if n, err := app.Store.CountChatbots(ctx); err != nil || n != 2 {
		t.Fatalf("%d chatbots, want 2 (%v)", n, err)
	}
}
