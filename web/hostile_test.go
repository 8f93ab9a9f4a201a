package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/senders"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
	"github.com/answers-console/answers/web/webtest"
)

// hostile are script and markup payloads: each breaks out of a different
// place (text, a quoted attribute, a single-quoted one, a raw-text element,
// a link).
var hostile = []string{
	`<script>alert("x1")</script>`,
	`"><img src=x onerror=alert('x2')>`,
	`'><svg/onload=alert(3)>`,
	`</textarea></title><script>alert(4)</script>`,
	`<a href="javascript:alert(5)">x</a>`,
}

// dangerous are pieces of markup no page may hold however a payload was
// cut (escaped, "onerror=alert" is harmless text).
var dangerous = []string{"<script>alert", `href="javascript:`, "<img src=x", "<svg/onload"}

// TestHostileInputIsRenderedInert sets every string a user controls — user,
// chatbot, dialog and sender names, messages and end-user addresses,
// attribute values, condition values, token names and the override reason
// in the audit log — to script and markup payloads, then fetches every page
// (full and htmx fragment, and with the payloads in the query string too)
// and checks that none holds a payload unescaped.
func TestHostileInputIsRenderedInert(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	ctx := context.Background()
	sys := who.System()
	admin := who.Actor{User: app.Users[rbac.Admin]}
	var ids []string // chatbot ids
	var sessions []store.ChatSession
	var addresses []string
	places := 0
	for i, p := range hostile {
		n := itoa(int64(i))
		if _, _, err := app.Accounts.AddUser(ctx, sys, accounts.NewUserInput{Email: "hostile" + n + "@test.local", Name: p, Role: "analyzer"}); err != nil {
			t.Fatalf("user named %s: %v", p, err)
		}
		if _, _, err := app.Accounts.CreateToken(ctx, admin, admin.User.ID, accounts.NewToken{Name: p, Password: testkit.Password(rbac.Admin)}); err != nil {
			t.Fatalf("token named %s: %v", p, err)
		}
		// No channel's rules let such an address in now
		// (senders.NormalAddress), but rows written before the rules
		// may hold anything: they go in beside the service.
		addr := strings.ReplaceAll(p, " ", "")
		var snd store.Sender
		err := app.Store.InTx(ctx, func(tx *store.Tx) error {
			var err error
			snd, err = tx.CreateSender(ctx, "telegram", addr, senders.NewKey(), time.Now().UTC())
			return err
		})
		if err != nil {
			t.Fatalf("sender %s: %v", addr, err)
		}
		addresses = append(addresses, addr)
		def := &chatbot.Definition{
			Attributes: []chatbot.Attribute{{Name: "answer", Type: "text"}},
			Entry:      "start",
			Dialogs: []chatbot.Dialog{{ID: "start", Name: p, Elements: []chatbot.Element{
				{Type: chatbot.ElementQuestion, Text: "Say " + p, Attribute: "answer"},
				{Type: chatbot.ElementCondition, Attribute: "answer", Operator: "eq", Value: p, Dialog: "start"},
				{Type: chatbot.ElementMessage, Text: "You said {{answer}} " + p},
				{Type: chatbot.ElementClose, Text: p},
			}}},
		}
		live := makeChannelChatbot(t, app, p, "telegram", snd.ID, def)
		if _, err := app.Lifecycle.Activate(ctx, admin, live.ID, lifecycle.ActivateOptions{OverrideWarnings: true, Reason: p}); err != nil {
			t.Fatalf("activate %s: %v", p, err)
		}
		draft := makeChannelChatbot(t, app, p+" draft", "telegram", snd.ID, def)
		ids = append(ids, itoa(live.ID), itoa(draft.ID))
		// An end user with a hostile address says hostile things; the
		// second reply is the attribute value, echoed in a message.
		from := "end-user " + p
		if _, err := app.Routing.Route(ctx, snd, from, p); err != nil {
			t.Fatal(err)
		}
		if _, err := app.Routing.Route(ctx, snd, from, p+" again"); err != nil {
			t.Fatal(err)
		}
		list, _, err := app.Store.ChatSessions(ctx, store.SessionFilter{ChatbotID: live.ID, Limit: 5})
		if err != nil || len(list) == 0 {
			t.Fatalf("sessions of %s: %v", p, err)
		}
		sessions = append(sessions, list[0])
		places += 13 // user, token, sender, chatbot, draft, dialog, prompt, condition, message, close, reason, end user, messages
	}

	// Every GET route, for every hostile chatbot, and the query strings
	// that pages echo back.
	var paths []string
	for _, rt := range app.Server.Routes() {
		if rt.Method != http.MethodGet || rt.IsAPI() || rt.Path == "/static/*" || rt.Path == "/metrics" {
			continue
		}
		for i := range hostile {
			r := strings.NewReplacer(":id", ids[2*i], ":session", itoa(sessions[i].ID), ":address", "hostile", ":format", "csv")
			paths = append(paths, r.Replace(rt.Path))
			if strings.Contains(rt.Path, ":id") {
				paths = append(paths, strings.NewReplacer(":id", ids[2*i+1], ":session", itoa(sessions[i].ID)).Replace(rt.Path))
			}
		}
	}
	for _, p := range hostile {
		q := url.QueryEscape(p)
		paths = append(paths, "/chatbots?q="+q, "/chatbots?status="+q, "/audit?actor="+q+"&action="+q+"&target="+q,
			"/audit?from="+q, "/chatbots/"+ids[0]+"?dialog="+q, "/chatbots/"+ids[0]+"/sessions?state="+q,
			"/chatbots/"+ids[0]+"/sessions?before="+q, "/login?next="+q, "/setup?token="+q, "/chat/"+q)
	}

	c := newClient(t, srv)
	c.loginAs(rbac.Admin)
	anon := newClient(t, srv)
	escapedSeen := map[string]int{}
	fetched := 0
	for _, path := range paths {
		for _, htmx := range []bool{false, true} {
			var headers []string
			if htmx {
				headers = []string{"HX-Request", "true"}
			}
			who := c
			if strings.HasPrefix(path, "/login") || strings.HasPrefix(path, "/setup") {
				who = anon
			}
			res := who.get(path, headers...)
			fetched++
			if res.Status >= 500 {
				t.Errorf("GET %s: status %d", path, res.Status)
			}
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				continue // CSV, JSON: not markup, and nosniff keeps it so
			}
			for _, p := range hostile {
				if strings.Contains(res.Body, p) {
					t.Errorf("GET %s (htmx %v) holds the payload %s unescaped", path, htmx, p)
				}
				if strings.Contains(res.Body, html.EscapeString(p)) {
					escapedSeen[p]++
				}
			}
			for _, d := range dangerous {
				if strings.Contains(res.Body, d) {
					t.Errorf("GET %s (htmx %v) holds %q", path, htmx, d)
				}
			}
			for _, tag := range inlineCode(res.Body) {
				t.Errorf("GET %s (htmx %v): inline code %s", path, htmx, tag)
			}
		}
	}
	// The payloads were shown (escaped), so the check above saw them.
	for _, p := range hostile {
		if escapedSeen[p] < 10 {
			t.Errorf("payload %s shown escaped on %d pages only", p, escapedSeen[p])
		}
	}
	// Each hostile sender address is listed, escaped, on the senders page
	// (the loop above only proves that nothing is unescaped).
	senders := c.get("/senders")
	for _, addr := range addresses {
		mustContain(t, senders.Body, html.EscapeString(addr))
	}
	// The web chat: an end user writes payloads and is answered with them
	// as text.
	chatSnd, err := app.Senders.Create(ctx, sys, "livechat", "hostile")
	if err != nil {
		t.Fatal(err)
	}
	chatBot := makeChatbot(t, app, "Hostile chat", chatSnd.ID, greeter())
	if _, err := app.Lifecycle.Activate(ctx, admin, chatBot.ID, lifecycle.ActivateOptions{}); err != nil {
		t.Fatal(err)
	}
	chat := newClient(t, srv)
	for _, p := range hostile[:2] {
		res := chat.post("/chat/hostile", url.Values{"text": {p}}, "HX-Request", "true")
		mustContain(t, res.Body, html.EscapeString(p))
		mustNotContain(t, res.Body, p)
		if p == hostile[1] { // the name question's answer, in the goodbye
			mustContain(t, res.Body, "Bye "+html.EscapeString(p))
		}
	}
	t.Logf("%d payloads × %d places each, %d pages and fragments fetched", len(hostile), places/len(hostile), fetched)
}

// makeChannelChatbot is makeChatbot on another channel than livechat.
func makeChannelChatbot(t *testing.T, app *webtest.App, name, channel string, sender int64, def *chatbot.Definition) store.Chatbot {
	t.Helper()
	ctx := context.Background()
	c, err := app.Chatbots.Create(ctx, who.System(), chatbots.Settings{Name: name, Channel: channel, SenderID: sender})
	if err != nil {
		t.Fatal(err)
	}
	c, err = app.Chatbots.Update(ctx, who.System(), c.ID, chatbots.Edit{Version: c.Version, Apply: chatbots.ReplaceDefinition(def)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
