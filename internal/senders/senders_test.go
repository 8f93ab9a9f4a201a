package senders_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/senders"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

func TestNormalAddress(t *testing.T) {
	tests := []struct {
		channel, in string
		want        string // "" when refused
	}{
		// Phone channels: E.164, separators people type dropped.
		{"sms", "+15551234567", "+15551234567"},
		{"sms", "+1 (555) 123-4567", "+15551234567"},
		{"whatsapp", "+44 20 7946 0958", "+442079460958"},
		{"viber", "+380.44.123.45.67", "+380441234567"},
		{"sms", "  +15550100  ", "+15550100"},
		{"sms", "+12345678", "+12345678"},               // 8 digits, the shortest
		{"sms", "+123456789012345", "+123456789012345"}, // 15, the longest
		{"sms", "+1234567", ""},                         // 7 digits
		{"sms", "+1234567890123456", ""},                // 16 digits
		{"sms", "15551234567", ""},                      // no country code marker
		{"sms", "+05551234567", ""},                     // no country code starts with 0
		{"sms", "+1555abc4567", ""},
		{"whatsapp", "+1555_123_4567", ""},
		{"viber", "+", ""},
		{"sms", "555 1234", ""},
		// Telegram: a bot username.
		{"telegram", "answers_demo_bot", "answers_demo_bot"},
		{"telegram", "@PizzaBot", "PizzaBot"},
		{"telegram", "pizza", ""},                         // not a bot name
		{"telegram", "_pizzabot", ""},                     // starts with _
		{"telegram", "9pizzabot", ""},                     // starts with a digit
		{"telegram", "abot", ""},                          // under 5
		{"telegram", "pizza-bot", ""},                     // a dash
		{"telegram", "pizza bot", ""},                     // a space
		{"telegram", strings.Repeat("a", 30) + "bot", ""}, // 33
		// Messenger: a page id.
		{"messenger", "104532198765432", "104532198765432"},
		{"messenger", "1234", ""},
		{"messenger", "my-page", ""},
		// Livechat: the web chat's address.
		{"livechat", "support", "support"},
		{"livechat", "help-desk_2", "help-desk_2"},
		{"livechat", "Support", ""},
		{"livechat", "-desk", ""},
		{"livechat", "a/b", ""},
		{"livechat", "chat page", ""},
		{"livechat", strings.Repeat("a", 65), ""},
		// Every channel: something, and not too much.
		{"sms", "", ""},
		{"livechat", "   ", ""},
		{"telegram", strings.Repeat("x", 101), ""},
	}
	for _, tt := range tests {
		got, err := senders.NormalAddress(tt.channel, tt.in)
		if tt.want == "" {
			p, ok := problem.As(err)
			if !ok || p.Field != "address" || p.Message == "" {
				t.Errorf("%s %q: got %q, %v; want a message about the address", tt.channel, tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s %q = %q, %v; want %q", tt.channel, tt.in, got, err, tt.want)
		}
	}
	if _, err := senders.NormalAddress("fax", "+15551234567"); err == nil || !strings.Contains(err.Error(), "Choose a channel") {
		t.Errorf("unknown channel: %v", err)
	}
}

func as(app *testkit.App, r rbac.Role) who.Actor {
	return who.Actor{User: app.Users[r], IP: "192.0.2.1"}
}

func auditActions(t *testing.T, st *store.Store) []string {
	t.Helper()
	page, err := st.FilterAudit(context.Background(), store.AuditFilter{Action: "sender.", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range page.Entries {
		if strings.HasPrefix(e.Action, "sender.") {
			out = append(out, e.Action+" "+e.TargetName)
		}
	}
	return out
}

func TestSetAddress(t *testing.T) {
	app := testkit.New(t)
	ctx := context.Background()
	sms, err := app.Senders.Create(ctx, as(app, rbac.Manager), "sms", "+15550100")
	if err != nil {
		t.Fatal(err)
	}
	other, err := app.Senders.Create(ctx, as(app, rbac.Manager), "sms", "+15550111")
	if err != nil {
		t.Fatal(err)
	}
	// A designer may not; nothing changes.
	testkit.WantProblem(t, func() error {
		_, err := app.Senders.SetAddress(ctx, as(app, rbac.Designer), sms.ID, "+15550199")
		return err
	}(), problem.Forbidden, "forbidden")
	// The channel's rules apply.
	testkit.WantProblem(t, func() error {
		_, err := app.Senders.SetAddress(ctx, as(app, rbac.Manager), sms.ID, "call me")
		return err
	}(), problem.Invalid, "invalid_address")
	// Unique per channel.
	p := testkit.WantProblem(t, func() error {
		_, err := app.Senders.SetAddress(ctx, as(app, rbac.Admin), sms.ID, "+1 555 0111")
		return err
	}(), problem.Invalid, "invalid_address")
	if !strings.Contains(p.Message, "+15550111") {
		t.Errorf("duplicate message %q does not name the address", p.Message)
	}
	testkit.WantProblem(t, func() error {
		_, err := app.Senders.SetAddress(ctx, as(app, rbac.Admin), 9999, "+15550199")
		return err
	}(), problem.NotFound, "sender_not_found")
	if got, _ := app.Store.SenderByID(ctx, sms.ID); got.Address != "+15550100" {
		t.Fatalf("a refused edit changed the address to %q", got.Address)
	}
	got, err := app.Senders.SetAddress(ctx, as(app, rbac.Manager), sms.ID, "+1 (555) 0199")
	if err != nil {
		t.Fatal(err)
	}
	if got.Address != "+15550199" || got.InboundKey != sms.InboundKey || got.Channel != "sms" {
		t.Errorf("after the edit: %+v", got)
	}
	// The same address again changes nothing and writes no entry.
	if _, err := app.Senders.SetAddress(ctx, as(app, rbac.Manager), sms.ID, "+15550199"); err != nil {
		t.Fatal(err)
	}
	want := []string{"sender.updated sms:+15550199", "sender.created sms:+15550111", "sender.created sms:+15550100"}
	if got := auditActions(t, app.Store); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("audit %q, want %q", got, want)
	}
	_ = other
}

// definition is a small valid chatbot.
func definition() *chatbot.Definition {
	return &chatbot.Definition{
		Entry: "start", Fallback: "start",
		Dialogs: []chatbot.Dialog{{ID: "start", Name: "Start", Elements: []chatbot.Element{
			{Type: chatbot.ElementMessage, Text: "Hello!"},
		}}},
	}
}

func TestDeleteRefusesWhatIsInUse(t *testing.T) {
	app := testkit.New(t)
	ctx := context.Background()
	sys := who.System()
	mk := func(channel, addr string) store.Sender {
		s, err := app.Senders.Create(ctx, sys, channel, addr)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	unused, withDraft, withHistory, elsewhere := mk("livechat", "unused"), mk("livechat", "drafts"), mk("livechat", "history"), mk("livechat", "elsewhere")
	for _, name := range []string{"Draft one", "Draft two"} {
		if _, err := app.Chatbots.Create(ctx, sys, chatbots.Settings{Name: name, Channel: "livechat", SenderID: withDraft.ID}); err != nil {
			t.Fatal(err)
		}
	}
	// A chatbot that ran on withHistory and moved away since: no chatbot
	// uses the sender, but a conversation ran on it.
	bot, err := app.Chatbots.Create(ctx, sys, chatbots.Settings{Name: "Mover", Channel: "livechat", SenderID: withHistory.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Chatbots.Update(ctx, sys, bot.ID, chatbots.Edit{Version: bot.Version, Apply: chatbots.ReplaceDefinition(definition())}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Lifecycle.Activate(ctx, sys, bot.ID, lifecycle.ActivateOptions{OverrideWarnings: true, Reason: "a test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Routing.Route(ctx, withHistory, "visitor", "hi"); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Lifecycle.Deactivate(ctx, sys, bot.ID, lifecycle.GraceOf(0)); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Store.W.ExecContext(ctx, `UPDATE chatbots SET sender_id = ? WHERE id = ?`, elsewhere.ID, bot.ID); err != nil {
		t.Fatal(err)
	}

	testkit.WantProblem(t, func() error { _, err := app.Senders.Delete(ctx, as(app, rbac.Designer), unused.ID); return err }(), problem.Forbidden, "forbidden")
	p := testkit.WantProblem(t, func() error { _, err := app.Senders.Delete(ctx, as(app, rbac.Manager), withDraft.ID); return err }(), problem.Conflict, "sender_in_use")
	for _, s := range []string{"2 chatbots use it", `"Draft one", "Draft two"`, "livechat drafts"} {
		if !strings.Contains(p.Message, s) {
			t.Errorf("refusal %q does not say %q", p.Message, s)
		}
	}
	p = testkit.WantProblem(t, func() error { _, err := app.Senders.Delete(ctx, as(app, rbac.Manager), elsewhere.ID); return err }(), problem.Conflict, "sender_in_use")
	if !strings.Contains(p.Message, "1 chatbot uses it") {
		t.Errorf("refusal %q", p.Message)
	}
	testkit.WantProblem(t, func() error { _, err := app.Senders.Delete(ctx, as(app, rbac.Manager), withHistory.ID); return err }(), problem.Conflict, "sender_has_conversations")
	testkit.WantProblem(t, func() error { _, err := app.Senders.Delete(ctx, as(app, rbac.Manager), 9999); return err }(), problem.NotFound, "sender_not_found")
	for _, s := range []store.Sender{withDraft, withHistory, elsewhere, unused} {
		if _, err := app.Store.SenderByID(ctx, s.ID); err != nil {
			t.Fatalf("a refused delete removed %s: %v", s.Address, err)
		}
	}
	if got := auditActions(t, app.Store); strings.Contains(strings.Join(got, "|"), "deleted") {
		t.Fatalf("a refused delete was audited: %q", got)
	}

	if _, err := app.Senders.Delete(ctx, as(app, rbac.Manager), unused.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Store.SenderByID(ctx, unused.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted sender still there: %v", err)
	}
	if got := auditActions(t, app.Store); len(got) == 0 || got[0] != "sender.deleted livechat:unused" {
		t.Fatalf("audit %q, want the delete first", got)
	}
	// The store's foreign keys refuse too, whatever the service checked.
	err = app.Store.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteSender(ctx, withDraft.ID) })
	if !errors.Is(err, store.ErrSenderInUse) {
		t.Fatalf("store delete of a used sender: %v, want ErrSenderInUse", err)
	}
}
