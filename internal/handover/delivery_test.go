package handover_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/handover"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/webhooks"
	"github.com/answers-console/answers/internal/who"
)

// A loopback receiver subscribed to a WhatsApp sender's message.outbound
// events gets a person's reply, signed with the endpoint's secret.
func TestOutboundReplyReachesReceiverSigned(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "whatsapp", helpDesk(""))
	f.app.SetWebhooks(webhooks.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}},
		webhooks.ScaledSchedule(10*time.Millisecond))
	type got struct {
		id, ts, sig string
		body        []byte
	}
	var mu sync.Mutex
	var received []got
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		received = append(received, got{r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature"), b})
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	url, events, sender := srv.URL+"/gateway", []string{handover.EventMessageOutbound}, f.snd.ID
	ep, err := f.app.Webhooks.Create(ctx, who.Actor{User: f.app.Users[rbac.Admin], IP: "127.0.0.1"}, webhooks.Input{URL: &url, Events: &events, SenderID: &sender})
	if err != nil {
		t.Fatal(err)
	}

	id := f.heldFor(t, "+15550002")
	if _, err := f.app.Handover.Take(ctx, f.actor(rbac.Supervisor), id); err != nil {
		t.Fatal(err)
	}
	m, err := f.app.Handover.Reply(ctx, f.actor(rbac.Supervisor), id, "Your refund is on its way.")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if _, err := f.app.Deliverer.Round(ctx); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		n := len(received)
		mu.Unlock()
		if n > 0 {
			break
		}
		f.clk.Advance(time.Second)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(received) != 1 {
		t.Fatalf("the receiver got %d requests, want 1 (the reply; nothing else is subscribed)", len(received))
	}
	r := received[0]
	ts, err := strconv.ParseInt(r.ts, 10, 64)
	if err != nil {
		t.Fatalf("webhook-timestamp %q: %v", r.ts, err)
	}
	if err := webhooks.Verify(ep.Secret, r.id, ts, r.body, r.sig); err != nil {
		t.Fatalf("signature: %v", err)
	}
	var ev struct {
		Type string `json:"type"`
		Data struct {
			SessionID int64  `json:"session_id"`
			MessageID int64  `json:"message_id"`
			EndUser   string `json:"end_user"`
			Text      string `json:"text"`
			Sender    struct {
				Channel string `json:"channel"`
				Address string `json:"address"`
			} `json:"sender"`
			Author struct {
				Type string `json:"type"`
				Name string `json:"name"`
			} `json:"author"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &ev); err != nil {
		t.Fatal(err)
	}
	d := ev.Data
	if ev.Type != handover.EventMessageOutbound || d.SessionID != id || d.MessageID != m.ID || d.EndUser != "+15550002" ||
		d.Text != "Your refund is on its way." || d.Sender.Channel != "whatsapp" || d.Sender.Address != f.snd.Address ||
		d.Author.Type != "person" || d.Author.Name != "Test Supervisor" {
		t.Fatalf("event %s", r.body)
	}
}
