package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/who"
)

// TestHandoverTimeoutForm sets, from the editor, how long a conversation
// handed to people waits and what happens then; a value out of range is
// refused beside the form, keeps what was typed and changes nothing. The
// form shows only on chatbots that hand over.
func TestHandoverTimeoutForm(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	ctx := context.Background()
	snd, err := app.Senders.Create(ctx, who.System(), "livechat", "desk")
	if err != nil {
		t.Fatal(err)
	}
	bot := makeChatbot(t, app, "Desk", snd.ID, deskDef())
	plain := makeChatbot(t, app, "Plain", snd.ID, greeter())
	des := newClient(t, srv)
	des.loginAs(rbac.Designer)
	page := "/chatbots/" + itoa(bot.ID)
	mustContain(t, des.get(page).Body, `id="handover"`, "Minutes to wait", `value="15"`)
	if strings.Contains(des.get("/chatbots/"+itoa(plain.ID)).Body, `id="handover"`) {
		t.Error("a chatbot without a handover shows the handover form")
	}

	res := des.post(page+"/handover-timeout", url.Values{"version": {itoa(bot.Version)}, "handover_timeout": {"0"}, "handover_on_timeout": {"close"}, "handover_timeout_text": {"kept"}})
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("0 minutes: status %d, want 422", res.Status)
	}
	mustContain(t, res.Body, `role="alert"`, "from 1 minute to 7 days", `aria-invalid="true"`, ">kept</textarea>")
	if res := des.post(page+"/handover-timeout", url.Values{"version": {itoa(bot.Version)}, "handover_timeout": {"30"}, "handover_on_timeout": {"later"}}); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("unknown action: status %d, want 422", res.Status)
	}
	got, err := app.Store.ChatbotByID(ctx, bot.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != bot.Version {
		t.Fatalf("a refused form changed the chatbot (version %d → %d)", bot.Version, got.Version)
	}

	res = des.post(page+"/handover-timeout", url.Values{"version": {itoa(bot.Version)}, "handover_timeout": {"30"}, "handover_on_timeout": {"close"}, "handover_timeout_text": {""}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("save: status %d\n%s", res.Status, excerpt(res.Body))
	}
	got, err = app.Store.ChatbotByID(ctx, bot.ID)
	if err != nil {
		t.Fatal(err)
	}
	def, err := chatbot.Parse(got.Definition)
	if err != nil {
		t.Fatal(err)
	}
	if def.HandoverTimeout != 1800 || def.HandoverOnTimeout != chatbot.HandoverClose {
		t.Fatalf("saved %d s, %q; want 1800 s, close", def.HandoverTimeout, def.HandoverOnTimeout)
	}
	mustContain(t, des.get(page).Body, `value="30"`, `value="close" checked`)
	entries := ssoAudit(t, app.Store, "chatbot.edited")
	if len(entries) == 0 || !strings.Contains(entries[0].DetailsJSON(), "handover timeout set to 30 minutes") {
		t.Errorf("no audit entry of the change: %+v", entries)
	}
}
