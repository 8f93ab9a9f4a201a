package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/ratelimit"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/who"
)

// chunked sends body without a Content-Length, so that only reading it
// can find it too large.
func (c *client) chunked(method, path, contentType, body string, headers ...string) response {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.srv.URL+path, struct{ io.Reader }{strings.NewReader(body)})
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

// TestBodyLimits: an oversize body is refused with 413, in the API's JSON
// error shape or as a clear console message, whether or not it says its
// size up front, and nothing changes.
func TestBodyLimits(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	admin := newClient(t, e.c.srv)
	admin.loginAs(rbac.Admin)
	audits, messages := e.count(`SELECT count(*) FROM audit_log`), e.count(`SELECT count(*) FROM messages`)

	bigMessage := `{"channel":"livechat","sender":"matrix","from":"web-1","text":"` + strings.Repeat("a", 64<<10) + `"}`
	bigImport := `{"schema_version":1,"name":"` + strings.Repeat("x", chatbot.MaxDefinitionBytes+64<<10) + `"}`
	for _, tc := range []struct {
		name    string
		path    string
		body    string
		headers []string
		limit   int64
	}{
		{"inbound message", "/api/v1/messages", bigMessage, e.key(), 64 << 10},
		{"API import", "/api/v1/chatbots", bigImport, e.as(rbac.Admin), chatbot.MaxDefinitionBytes + 64<<10},
		{"API edit", "/api/v1/chatbots/" + itoa(e.fx.draft.ID), `{"name":"` + strings.Repeat("x", chatbot.MaxDefinitionBytes+64<<10) + `"}`, e.as(rbac.Admin), chatbot.MaxDefinitionBytes + 64<<10},
	} {
		for _, chunked := range []bool{false, true} {
			name := tc.name
			if chunked {
				name += " (chunked)"
			}
			t.Run(name, func(t *testing.T) {
				method := http.MethodPost
				if strings.Contains(tc.name, "edit") {
					method = http.MethodPatch
				}
				var res response
				if chunked {
					res = e.c.chunked(method, tc.path, "application/json", tc.body, tc.headers...)
				} else {
					res = e.c.send(method, tc.path, tc.body, tc.headers...)
				}
				if chunked && tc.name == "API import" {
					// The import reads at most 1 MiB and a byte: the
					// service refuses the file as too large.
					apiWantError(t, res, http.StatusUnprocessableEntity, "import_too_large")
					return
				}
				b := apiWantError(t, res, http.StatusRequestEntityTooLarge, "body_too_large")
				var details struct {
					Limit int64 `json:"limit_bytes"`
				}
				if err := json.Unmarshal(b.Error.Details, &details); err != nil || details.Limit != tc.limit {
					t.Errorf("details %s, want limit_bytes %d", b.Error.Details, tc.limit)
				}
				mustContain(t, b.Error.Message, "larger than")
			})
		}
	}

	// An import document under the body limit but over the definition
	// limit is refused by the service, with its own message.
	doc := `{"schema_version":1,"name":"` + strings.Repeat("x", chatbot.MaxDefinitionBytes) + `"}`
	apiWantError(t, e.c.send(http.MethodPost, "/api/v1/chatbots", doc, e.as(rbac.Admin)...), http.StatusUnprocessableEntity, "import_too_large")

	// The console: a form over 2 MiB.
	path := e.fx.path("/chatbots/:id/settings")
	form := url.Values{"name": {strings.Repeat("n", 2<<20)}, "version": {"1"}, "_csrf": {admin.csrf()}}
	for _, tc := range []struct {
		name    string
		chunked bool
		htmx    bool
	}{{"form", false, false}, {"form (chunked)", true, false}, {"form (htmx)", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			var headers []string
			if tc.htmx {
				headers = []string{"HX-Request", "true"}
			}
			var res response
			if tc.chunked {
				res = admin.chunked(http.MethodPost, path, "application/x-www-form-urlencoded", form.Encode(), headers...)
			} else {
				res = admin.postRaw(path, form, headers...)
			}
			if res.Status != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413\n%s", res.Status, excerpt(res.Body))
			}
			msg := "The request body is larger than 2 MiB, the most this address accepts."
			if tc.htmx {
				mustContain(t, res.Header.Get("HX-Trigger"), msg)
			} else {
				mustContain(t, res.Body, msg, "<html")
			}
		})
	}
	if a, m := e.count(`SELECT count(*) FROM audit_log`), e.count(`SELECT count(*) FROM messages`); a != audits || m != messages {
		t.Errorf("oversize requests changed something: %d audit entries, %d messages (were %d, %d)", a, m, audits, messages)
	}
}

// TestInboundLengthLimits: the runtime's limits on a message, at and past
// the boundary.
func TestInboundLengthLimits(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	msg := func(from, text string) string {
		b, _ := json.Marshal(map[string]string{"channel": "livechat", "sender": "matrix", "from": from, "text": text})
		return string(b)
	}
	if res := e.message(msg("web-1", strings.Repeat("é", 4096)), e.key()...); res.Status != http.StatusOK {
		t.Fatalf("4,096 characters: status %d\n%s", res.Status, excerpt(res.Body))
	}
	apiWantError(t, e.message(msg("web-1", strings.Repeat("é", 4097)), e.key()...), http.StatusUnprocessableEntity, "invalid_text")
	if res := e.message(msg(strings.Repeat("u", 256), "hi"), e.key()...); res.Status != http.StatusOK {
		t.Fatalf("a 256-character end user: status %d\n%s", res.Status, excerpt(res.Body))
	}
	apiWantError(t, e.message(msg(strings.Repeat("u", 257), "hi"), e.key()...), http.StatusUnprocessableEntity, "invalid_from")

	// The web chat holds the same limit, with a message for a person.
	c := newClient(t, e.c.srv)
	res := c.post("/chat/matrix", url.Values{"text": {strings.Repeat("a", 4097)}})
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("web chat, 4,097 characters: status %d", res.Status)
	}
	mustContain(t, res.Body, "A message is at most 4096 characters")
}

// TestDefinitionSizeLimit: no edit can grow a definition past 1 MiB, in
// the editor or through the API; the refusal says so and stores nothing.
func TestDefinitionSizeLimit(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	def := greeter()
	text := strings.Repeat("A long message. ", 250) // 4,000 characters
	for len(def.JSON()) < chatbot.MaxDefinitionBytes-2*len(text) {
		def.Dialogs[0].Elements = append(def.Dialogs[0].Elements, chatbot.Element{Type: chatbot.ElementMessage, Text: text})
	}
	bot := makeChatbot(t, e.app, "Big", e.fx.sender.ID, def)

	c := newClient(t, e.c.srv)
	c.loginAs(rbac.Designer)
	add := func() response {
		cur, err := e.app.Store.ChatbotByID(context.Background(), bot.ID)
		if err != nil {
			t.Fatal(err)
		}
		bot = cur
		return c.post("/chatbots/"+itoa(bot.ID)+"/dialogs/start/elements",
			url.Values{"type": {"message"}, "text": {text}, "version": {itoa(bot.Version)}}, "HX-Request", "true")
	}
	// One more element still fits; the next would not.
	if res := add(); res.Status != http.StatusOK {
		t.Fatalf("adding an element under the limit: %d\n%s", res.Status, excerpt(res.Body))
	}
	res := add()
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("adding past 1 MiB: status %d, want 422", res.Status)
	}
	mustContain(t, res.Body, "The definition would be larger than 1024 KiB.")
	after, err := e.app.Store.ChatbotByID(context.Background(), bot.ID)
	if err != nil || after.Version != bot.Version {
		t.Fatalf("refused edit stored a version: %d (was %d) %v", after.Version, bot.Version, err)
	}

	big := def
	for len(big.JSON()) <= chatbot.MaxDefinitionBytes {
		big.Dialogs[0].Elements = append(big.Dialogs[0].Elements, chatbot.Element{Type: chatbot.ElementMessage, Text: text})
	}
	body, _ := json.Marshal(map[string]any{"definition": big})
	b := apiWantError(t, e.c.send(http.MethodPatch, "/api/v1/chatbots/"+itoa(bot.ID), string(body), e.as(rbac.Designer)...), http.StatusUnprocessableEntity, "")
	if b.Error.Code != "definition_too_large" && b.Error.Code != "invalid_definition" {
		t.Errorf("code %q, want a definition size refusal", b.Error.Code)
	}
	mustContain(t, b.Error.Message, "1024 KiB")
}

// TestInboundRateLimit: each sender gets its own budget; past it a message
// is refused with 429 and Retry-After, in the API and the web chat, and
// nothing is stored.
func TestInboundRateLimit(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	other, err := e.app.Senders.Create(ctx, who.System(), "livechat", "other")
	if err != nil {
		t.Fatal(err)
	}
	bot := makeChatbot(t, e.app, "Other bot", other.ID, greeter())
	if _, err := e.app.Lifecycle.Activate(ctx, who.System(), bot.ID, lifecycle.ActivateOptions{}); err != nil {
		t.Fatal(err)
	}
	lim := ratelimit.New(1, 3, 100) // 1 a second, bursts of 3
	now := time.Now()
	lim.Now = func() time.Time { return now }
	e.app.Routing.Limit = lim

	send := func(sender, key, from string) response {
		return e.message(`{"channel":"livechat","sender":"`+sender+`","from":"`+from+`","text":"hi"}`, "X-Inbound-Key", key)
	}
	for i := range 3 {
		if res := send("matrix", e.fx.sender.InboundKey, "u"+itoa(int64(i))); res.Status != http.StatusOK {
			t.Fatalf("message %d of the burst: status %d\n%s", i+1, res.Status, res.Body)
		}
	}
	messages := e.count(`SELECT count(*) FROM messages`)
	res := send("matrix", e.fx.sender.InboundKey, "u9")
	b := apiWantError(t, res, http.StatusTooManyRequests, "rate_limited")
	if ra := res.Header.Get("Retry-After"); ra != "1" {
		t.Errorf("Retry-After %q, want 1", ra)
	}
	mustContain(t, b.Error.Message, "more than 1 messages a second")
	if n := e.count(`SELECT count(*) FROM messages`); n != messages {
		t.Errorf("a refused message stored %d lines", n-messages)
	}
	// The other sender is not held back by this one.
	if res := send("other", other.InboundKey, "u1"); res.Status != http.StatusOK {
		t.Errorf("other sender: status %d", res.Status)
	}
	// The web chat of the busy sender is held too, with a message for a person.
	chat := newClient(t, e.c.srv)
	res = chat.post("/chat/matrix", url.Values{"text": {"hello"}}, "HX-Request", "true")
	if res.Status != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("web chat: status %d, Retry-After %q", res.Status, res.Header.Get("Retry-After"))
	}
	mustContain(t, res.Body, "This chat is very busy right now")
	// A second later, there is room for one more.
	now = now.Add(time.Second)
	if res := send("matrix", e.fx.sender.InboundKey, "u9"); res.Status != http.StatusOK {
		t.Errorf("after a second: status %d", res.Status)
	}
}

// TestLargeStoredDefinitionNeverAnswers500: a definition stored over
// 1 MiB (before imports checked the stored size, a 990 KiB compact file
// was stored at 2.17 MB) still opens on every page and API call; edits
// and copies that would keep it that large are refused with a message.
func TestLargeStoredDefinitionNeverAnswers500(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	def := greeter()
	for i := 0; i%2000 != 0 || len(def.JSON()) < 2170<<10; i++ {
		def.Dialogs = append(def.Dialogs, chatbot.Dialog{ID: "d" + itoa(int64(i)), Name: "D" + itoa(int64(i)),
			Elements: []chatbot.Element{{Type: chatbot.ElementMessage, Text: "x"}}})
	}
	bot := makeChatbot(t, e.app, "Legacy", e.fx.sender.ID, greeter())
	if _, err := e.app.Store.W.Exec(`UPDATE chatbots SET definition = ? WHERE id = ?`, def.JSON(), bot.ID); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, e.c.srv)
	c.loginAs(rbac.Admin)
	id := itoa(bot.ID)
	for _, p := range []string{"/chatbots/" + id, "/chatbots/" + id + "/validation", "/chatbots/" + id + "/sessions", "/chatbots/" + id + "/export", "/chatbots"} {
		if res := c.get(p); res.Status >= 500 {
			t.Errorf("GET %s: %d\n%s", p, res.Status, excerpt(res.Body))
		}
	}
	if res := c.post("/chatbots/"+id+"/duplicate", nil); res.Status >= 500 {
		t.Errorf("duplicate: %d\n%s", res.Status, excerpt(res.Body))
	}
	for _, r := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/v1/chatbots/" + id, ""},
		{http.MethodGet, "/api/v1/chatbots/" + id + "/export", ""},
		{http.MethodPost, "/api/v1/chatbots/" + id + "/validate", "{}"},
		{http.MethodPatch, "/api/v1/chatbots/" + id, `{"name":"Legacy renamed"}`},
	} {
		if res := e.c.send(r.method, r.path, r.body, e.as(rbac.Admin)...); res.Status >= 500 {
			t.Errorf("%s %s: %d\n%s", r.method, r.path, res.Status, excerpt(res.Body))
		}
	}
}
