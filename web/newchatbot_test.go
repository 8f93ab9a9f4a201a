package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/who"
)

// A refused New chatbot form comes back open, with what was typed and the
// message beside the field (the form used to be copied into the page
// before its errors were set, so it folded shut without a word).
func TestNewChatbotRefusalShowsItsMessage(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	sms, err := app.Senders.Create(t.Context(), who.System(), "sms", "+15550100")
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv)
	c.loginAs(rbac.Designer)
	res := c.post("/chatbots", url.Values{"name": {"Pizza bot"}, "channel": {"livechat"}, "sender_id": {itoa(sms.ID)}})
	if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `<details id="new-chatbot" class="new-chatbot" open>`) ||
		!strings.Contains(res.Body, "is on sms, but the chatbot is for livechat") || !strings.Contains(res.Body, `value="Pizza bot"`) {
		t.Fatalf("status %d\n%s", res.Status, excerpt(res.Body))
	}
}
