package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/webhooks"
	"github.com/answers-console/answers/internal/who"
)

// The receiver counts a delivery once, and only when its signature and
// timestamp hold.
func TestReceiverChecksDeliveries(t *testing.T) {
	rec, err := newReceiver()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rec.close)
	secret := webhooks.NewSecret()
	client := webhooks.NewClient(webhooks.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	ctx := context.Background()
	opened := time.Now().UTC().Add(-40 * time.Millisecond)
	body := []byte(fmt.Sprintf(`{"type":"session.opened","timestamp":%[1]q,"data":{"session_id":7,"opened_at":%[1]q}}`, opened.Format(store.TimeFormat)))
	ep := store.WebhookEndpoint{URL: rec.url + "/hooks", Secret: secret}
	send := func(ep store.WebhookEndpoint, id string, at time.Time) int {
		t.Helper()
		r := webhooks.Send(ctx, client, ep, id, at, body)
		if r.Err != "" {
			t.Fatal(r.Err)
		}
		return r.Status
	}

	if got := send(ep, "msg_1", time.Now()); got != http.StatusBadRequest {
		t.Errorf("before the endpoint is registered: %d, want 400", got)
	}
	rec.setSecret(secret)
	if got := send(ep, "msg_1", time.Now()); got != http.StatusNoContent {
		t.Errorf("a good delivery: %d", got)
	}
	if got := send(ep, "msg_1", time.Now()); got != http.StatusNoContent {
		t.Errorf("a retry of it: %d", got)
	}
	forged := ep
	forged.Secret = webhooks.NewSecret()
	if got := send(forged, "msg_2", time.Now()); got != http.StatusBadRequest {
		t.Errorf("signed with another secret: %d, want 400", got)
	}
	if got := send(ep, "msg_3", time.Now().Add(-10*time.Minute)); got != http.StatusBadRequest {
		t.Errorf("an old timestamp: %d, want 400", got)
	}
	floor := ep
	floor.URL = rec.url + "/floor"
	if got := send(floor, "floor_1", time.Now()); got != http.StatusNoContent {
		t.Errorf("floor: %d", got)
	}

	g := rec.snapshot()
	if g.n != 1 || g.duplicates != 1 || g.invalid != 3 || len(g.lags) != 1 {
		t.Fatalf("counted %+v: want one delivery, one duplicate, three refused", g)
	}
	if g.lags[0] < 40*time.Millisecond || g.lags[0] > 10*time.Second {
		t.Errorf("lag %v, want from opened_at (40 ms ago) to receipt", g.lags[0])
	}
	if !strings.Contains(g.firstInvalid, "before the endpoint was registered") {
		t.Errorf("first refusal: %q", g.firstInvalid)
	}
	if rec.floors() != 1 {
		t.Errorf("floor requests counted: %d", rec.floors())
	}
	if !rec.wait(ctx, 1, time.Second) || rec.wait(ctx, 2, 50*time.Millisecond) {
		t.Error("wait: want true for the one delivery there is, false for two")
	}
}

// The receiver takes what the console's own deliverer sends: new end
// users' session.opened events, signed with the endpoint's
// secret, each counted once with its lag; and the deliveries a second are
// measured from the first receipt to the last.
func TestReceiverCountsTheDeliverersEvents(t *testing.T) {
	ctx := context.Background()
	a := testkit.New(t)
	a.SetWebhooks(webhooks.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, webhooks.DefaultSchedule())
	live := []store.Sender{liveSender(t, a, "sms", "+15550100"), liveSender(t, a, "livechat", "hooks")}

	rec, err := newReceiver()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rec.close)
	u, events := rec.url+"/hooks", []string{webhooks.EventSessionOpened}
	ep, err := a.Webhooks.Create(ctx, who.Actor{User: a.Users[rbac.Admin], IP: "127.0.0.1"}, webhooks.Input{URL: &u, Events: &events})
	if err != nil {
		t.Fatal(err)
	}
	rec.setSecret(ep.Secret)

	const n = 30
	for i := range n {
		if _, err := a.Routing.Route(ctx, live[i%len(live)], fmt.Sprintf("+1777%09d", i), "hi"); err != nil {
			t.Fatal(err)
		}
	}
	// A second message of an end user opens no session: no event.
	if _, err := a.Routing.Route(ctx, live[0], fmt.Sprintf("+1777%09d", 0), "again"); err != nil {
		t.Fatal(err)
	}
	for {
		k, err := a.Deliverer.Round(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if k == 0 {
			break
		}
	}
	if !rec.wait(ctx, n, 5*time.Second) {
		t.Fatalf("%d deliveries, want %d", rec.snapshot().n, n)
	}
	g := rec.snapshot()
	if g.n != n || g.invalid != 0 || g.duplicates != 0 || len(g.lags) != n {
		t.Fatalf("counted %+v, want %d valid deliveries once each (first refusal: %s)", g, n, g.firstInvalid)
	}
	for _, l := range g.lags {
		if l <= 0 || l > time.Minute {
			t.Errorf("lag %v", l)
		}
	}
	if g.rate() <= 0 {
		t.Errorf("rate %v", g.rate())
	}

	fl := sendFloor(ctx, rec, ep.Secret, 50, delivererWorkers())
	if fl.Errors != 0 || len(fl.Latencies) != 50 || fl.workers != 8 {
		t.Errorf("floor: %d errors (%v), %d sent by %d workers", fl.Errors, fl.FirstErr, len(fl.Latencies), fl.workers)
	}
	if rec.floors() != 50 || rec.snapshot().n != n {
		t.Errorf("the floor's requests were counted as deliveries (%d floor, %d deliveries)", rec.floors(), rec.snapshot().n)
	}
}

// liveSender is a sender with a small chatbot live on it.
func liveSender(t *testing.T, a *testkit.App, channel, address string) store.Sender {
	t.Helper()
	ctx, sys := context.Background(), who.System()
	snd, err := a.Senders.Create(ctx, sys, channel, address)
	if err != nil {
		t.Fatal(err)
	}
	bot, err := a.Chatbots.Create(ctx, sys, chatbots.Settings{Name: "Hooks " + address, Channel: channel, SenderID: snd.ID})
	if err != nil {
		t.Fatal(err)
	}
	def := &chatbot.Definition{
		Attributes: []chatbot.Attribute{{Name: "name", Type: "text"}},
		Entry:      "start", Fallback: "start",
		Dialogs: []chatbot.Dialog{{ID: "start", Name: "Start", Elements: []chatbot.Element{
			{Type: chatbot.ElementMessage, Text: "Hello!"},
			{Type: chatbot.ElementQuestion, Text: "What is your name?", Attribute: "name"},
			{Type: chatbot.ElementClose, Text: "Bye {{name}}."},
		}}},
		Tests: []chatbot.Test{{Name: "asks the name", Turns: []chatbot.TestTurn{{Say: "hi", Expect: []string{"Hello!", "What is your name?"}}}}},
	}
	if bot, err = a.Chatbots.Update(ctx, sys, bot.ID, chatbots.Edit{Version: bot.Version, Apply: chatbots.ReplaceDefinition(def)}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Lifecycle.Activate(ctx, sys, bot.ID, lifecycle.ActivateOptions{}); err != nil {
		t.Fatal(err)
	}
	return snd
}

func TestParseOnly(t *testing.T) {
	if got, err := ParseOnly(""); err != nil || got != nil {
		t.Errorf(`"": %v %v, want every scenario (nil)`, got, err)
	}
	got, err := ParseOnly(" streams,webhooks,streams ")
	if err != nil || strings.Join(got, ",") != "streams,webhooks" {
		t.Errorf("streams,webhooks: %v %v", got, err)
	}
	c := Config{Only: got}
	if !c.runs("webhooks") || c.runs("pages") || !(Config{}).runs("pages") {
		t.Error("runs does not follow Only")
	}
	if _, err := ParseOnly("streams,nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("an unknown scenario: %v", err)
	}
}
