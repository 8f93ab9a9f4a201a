package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/who"
)

// With thousands of senders the drop-downs list those of one channel, so
// the pages stay small; the chosen sender is always there.
func TestSenderPickersStaySmall(t *testing.T) {
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
	c := newClient(t, srv)
	c.loginAs(rbac.Designer)
	all := c.get("/chatbots").Body
	mustContain(t, all, "More senders: choose a channel")
	if n := strings.Count(all, `>sms +1555`) + strings.Count(all, `>whatsapp +1555`); n > 2*300 {
		t.Errorf("the dashboard lists %d sender options", n)
	}
	sms := c.get("/chatbots?channel=sms").Body
	mustNotContain(t, sms, "More senders", ">whatsapp +1555")
	if n := strings.Count(sms, `>sms +1555`); n < 160 {
		t.Errorf("the sms filter lists %d sms senders, want all 160", n)
	}
}
