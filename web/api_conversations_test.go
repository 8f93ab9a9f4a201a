package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// deskDef greets and hands the conversation to people on "agent".
func deskDef() *chatbot.Definition {
	return &chatbot.Definition{
		Attributes: []chatbot.Attribute{},
		Entry:      "start", Fallback: "start",
		Dialogs: []chatbot.Dialog{
			{ID: "start", Name: "Start", Elements: []chatbot.Element{
				{Type: chatbot.ElementMessage, Text: "Hello"},
				{Type: chatbot.ElementKeywords, Branches: []chatbot.Branch{{Keywords: []string{"agent"}, Dialog: "human"}}},
			}},
			{ID: "human", Name: "Human", Elements: []chatbot.Element{{Type: chatbot.ElementHandover, Text: "A person will answer.", Queue: "sales"}}},
		},
		Tests: []chatbot.Test{{Name: "hands over", Turns: []chatbot.TestTurn{
			{Say: "hi", Expect: []string{"Hello"}},
			{Say: "agent", Expect: []string{"A person will answer."}, Handover: true},
		}}},
	}
}

type apiInbound struct {
	SessionID int64    `json:"session_id"`
	Replies   []string `json:"replies"`
	HeldBy    *string  `json:"held_by"`
}

type apiConversationsBody struct {
	Conversations []struct {
		SessionID     int64  `json:"session_id"`
		EndUser       string `json:"end_user"`
		HeldBy        string `json:"held_by"`
		Queue         string `json:"queue"`
		WaitedSeconds int64  `json:"waited_seconds"`
		LastMessage   string `json:"last_message"`
		Sender        struct {
			Channel string `json:"channel"`
		} `json:"sender"`
		Holder *struct {
			Name string `json:"name"`
		} `json:"holder"`
	} `json:"conversations"`
}

// TestLifecycleDialogsCountHeldConversations: the Activate and Deactivate
// dialogs say how many conversations people hold and where they go.
func TestLifecycleDialogsCountHeldConversations(t *testing.T) {
	t.Parallel()
	app, srv := newServer(t)
	fx := newFixture(t, app)
	ctx := context.Background()
	sys := who.System()
	active := makeChatbot(t, app, "Desk", fx.sender.ID, deskDef())
	if _, err := app.Lifecycle.Activate(ctx, sys, active.ID, lifecycle.ActivateOptions{OverrideWarnings: true, PreviousGrace: lifecycle.GraceOf(0)}); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"hi", "agent"} {
		if _, err := app.Routing.Route(ctx, fx.sender, "held-visitor", text); err != nil {
			t.Fatal(err)
		}
	}
	next := makeChatbot(t, app, "Desk v2", fx.sender.ID, deskDef())
	c := newClient(t, srv)
	c.loginAs(rbac.Manager)
	page := c.get("/chatbots/" + itoa(active.ID) + "?dialog=deactivate")
	mustContain(t, page.Body, "1 conversation of them is held by people or waiting for one", "it closes when Desk stops")
	page = c.get("/chatbots/" + itoa(next.ID) + "?dialog=activate")
	mustContain(t, page.Body, "1 conversation held by people (or waiting for one) stays with people and moves to Desk v2 when Desk stops.")
}

// TestAPIConversations does a person's side through the API alone, for a
// channel sender: the inbound API answers held conversations with no
// replies, supervisors and up take, reply, hand back; analyzers may not.
func TestAPIConversations(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	snd, err := e.app.Senders.Create(ctx, who.System(), "telegram", "deskbot")
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.app.Chatbots.Create(ctx, who.System(), chatbots.Settings{Name: "Desk", Channel: "telegram", SenderID: snd.ID})
	if err != nil {
		t.Fatal(err)
	}
	if c, err = e.app.Chatbots.Update(ctx, who.System(), c.ID, chatbots.Edit{Version: c.Version, Apply: chatbots.ReplaceDefinition(deskDef())}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Lifecycle.Activate(ctx, who.System(), c.ID, lifecycle.ActivateOptions{OverrideWarnings: true}); err != nil {
		t.Fatal(err)
	}
	key := []string{"X-Inbound-Key", snd.InboundKey}
	say := func(text string) apiInbound {
		t.Helper()
		res := e.message(`{"channel": "telegram", "sender": "deskbot", "from": "u1", "text": "`+text+`"}`, key...)
		if res.Status != http.StatusOK {
			t.Fatalf("inbound %q: %d %s", text, res.Status, res.Body)
		}
		var b apiInbound
		apiDecode(t, res, &b)
		return b
	}
	if b := say("hi"); b.HeldBy != nil {
		t.Fatalf("a conversation with the bot answers held_by %q; it is absent while the bot holds it", *b.HeldBy)
	}
	b := say("agent")
	if b.HeldBy == nil || *b.HeldBy != "waiting" || len(b.Replies) != 1 {
		t.Fatalf("handover turn %+v", b)
	}
	id := b.SessionID
	if b := say("is anyone there"); b.HeldBy == nil || *b.HeldBy != "waiting" || b.Replies == nil || len(b.Replies) != 0 {
		t.Fatalf("held turn %+v, want \"replies\": [] and held_by waiting", b)
	}
	sid := itoa(id)

	// Analyzers may not; supervisors and up may.
	for _, r := range []rbac.Role{rbac.Analyzer} {
		apiWantError(t, e.c.get("/api/v1/conversations", e.as(r)...), http.StatusForbidden, "forbidden")
		apiWantError(t, e.c.get("/api/v1/sessions/"+sid, e.as(r)...), http.StatusForbidden, "forbidden")
		apiWantError(t, e.c.send(http.MethodPost, "/api/v1/sessions/"+sid+"/take", "", e.as(r)...), http.StatusForbidden, "forbidden")
	}
	for _, r := range []rbac.Role{rbac.Supervisor, rbac.Designer, rbac.Manager, rbac.Admin} {
		res := e.c.get("/api/v1/conversations?held_by=waiting&queue=sales", e.as(r)...)
		if res.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", r, res.Status, res.Body)
		}
		var l apiConversationsBody
		apiDecode(t, res, &l)
		if len(l.Conversations) != 1 || l.Conversations[0].SessionID != id || l.Conversations[0].Queue != "sales" ||
			l.Conversations[0].LastMessage != "is anyone there" || l.Conversations[0].Sender.Channel != "telegram" {
			t.Fatalf("%s lists %+v", r, l)
		}
	}
	apiWantError(t, e.c.get("/api/v1/conversations?held_by=everyone", e.as(rbac.Supervisor)...), http.StatusUnprocessableEntity, "invalid_held_by")
	apiWantError(t, e.c.get("/api/v1/sessions/999999", e.as(rbac.Supervisor)...), http.StatusNotFound, "conversation_not_found")
	apiWantError(t, e.c.send(http.MethodPost, "/api/v1/sessions/"+sid+"/messages", `{"text": "hi"}`, e.as(rbac.Supervisor)...), http.StatusConflict, "take_first")

	if res := e.c.send(http.MethodPost, "/api/v1/sessions/"+sid+"/take", "", e.as(rbac.Supervisor)...); res.Status != http.StatusOK || !strings.Contains(res.Body, `"held_by":"person"`) {
		t.Fatalf("take: %d %s", res.Status, res.Body)
	}
	refused := apiWantError(t, e.c.send(http.MethodPost, "/api/v1/sessions/"+sid+"/take", "", e.as(rbac.Manager)...), http.StatusConflict, "already_held")
	if !strings.Contains(refused.Error.Message, "Test Supervisor") {
		t.Fatalf("the loser is not told who holds it: %q", refused.Error.Message)
	}
	apiWantError(t, e.c.send(http.MethodPost, "/api/v1/sessions/"+sid+"/messages", `{"text": "me too"}`, e.as(rbac.Manager)...), http.StatusConflict, "not_holder")
	apiWantError(t, e.c.send(http.MethodPost, "/api/v1/sessions/"+sid+"/messages", `{}`, e.as(rbac.Supervisor)...), http.StatusUnprocessableEntity, "invalid_text")
	apiWantError(t, e.c.send(http.MethodPost, "/api/v1/sessions/"+sid+"/messages", `{"text": 5}`, e.as(rbac.Supervisor)...), http.StatusUnprocessableEntity, "invalid_field")
	apiWantError(t, e.c.send(http.MethodPost, "/api/v1/sessions/"+sid+"/messages", `not json`, e.as(rbac.Supervisor)...), http.StatusUnprocessableEntity, "invalid_json")
	res := e.c.send(http.MethodPost, "/api/v1/sessions/"+sid+"/messages", `{"text": "Hello, I am a person."}`, e.as(rbac.Supervisor)...)
	if res.Status != http.StatusCreated || !strings.Contains(res.Body, `"direction":"person"`) {
		t.Fatalf("reply: %d %s", res.Status, res.Body)
	}
	if b := say("great"); b.HeldBy == nil || *b.HeldBy != "person" || len(b.Replies) != 0 {
		t.Fatalf("turn held by a person %+v", b)
	}
	if got := e.count(`SELECT count(*) FROM webhook_events WHERE type = 'message.outbound'`); got != 1 {
		t.Fatalf("%d message.outbound events, want 1", got)
	}

	res = e.c.get("/api/v1/sessions/"+sid, e.as(rbac.Supervisor)...)
	if res.Status != http.StatusOK {
		t.Fatalf("session: %d %s", res.Status, res.Body)
	}
	var d struct {
		HeldBy   string `json:"held_by"`
		Messages []struct {
			Direction string `json:"direction"`
			Text      string `json:"text"`
			Author    *struct {
				Name string `json:"name"`
			} `json:"author"`
		} `json:"messages"`
		Dialogs []struct {
			ID string `json:"id"`
		} `json:"dialogs"`
	}
	apiDecode(t, res, &d)
	var lines []string
	for _, m := range d.Messages {
		l := m.Direction + ": " + m.Text
		if m.Author != nil {
			l += " (" + m.Author.Name + ")"
		}
		lines = append(lines, l)
	}
	want := "in: hi|out: Hello|in: agent|out: A person will answer.|in: is anyone there|person: Hello, I am a person. (Test Supervisor)|in: great"
	if got := strings.Join(lines, "|"); got != want || d.HeldBy != store.HeldByPerson || len(d.Dialogs) != 2 {
		t.Fatalf("session: held_by %s, %d dialogs, transcript\n%s\nwant\n%s", d.HeldBy, len(d.Dialogs), got, want)
	}

	apiWantError(t, e.c.send(http.MethodPost, "/api/v1/sessions/"+sid+"/resume", `{"dialog": "nowhere"}`, e.as(rbac.Supervisor)...), http.StatusUnprocessableEntity, "unknown_dialog")
	apiWantError(t, e.c.send(http.MethodPost, "/api/v1/sessions/"+sid+"/resume", `{"dialogue": "start"}`, e.as(rbac.Supervisor)...), http.StatusUnprocessableEntity, "invalid_body")
	res = e.c.send(http.MethodPost, "/api/v1/sessions/"+sid+"/resume", `{"dialog": "start"}`, e.as(rbac.Supervisor)...)
	if res.Status != http.StatusOK || !strings.Contains(res.Body, `"held_by":"bot"`) || !strings.Contains(res.Body, `"replies":["Hello"]`) {
		t.Fatalf("resume: %d %s", res.Status, res.Body)
	}
	// The bot's words as it took the conversation back reach the gateway.
	if got := e.count(`SELECT count(*) FROM webhook_events WHERE type = 'message.outbound'`); got != 2 {
		t.Fatalf("%d message.outbound events, want 2", got)
	}
	if b := say("agent"); b.HeldBy == nil || *b.HeldBy != "waiting" || len(b.Replies) != 1 || b.SessionID != id {
		t.Fatalf("the bot answers again after the hand-back: %+v", b)
	}
	res = e.c.send(http.MethodPost, "/api/v1/sessions/"+sid+"/close", "", e.as(rbac.Designer)...)
	if res.Status != http.StatusOK || !strings.Contains(res.Body, `"status":"closed"`) {
		t.Fatalf("close of a waiting conversation: %d %s", res.Status, res.Body)
	}
	apiWantError(t, e.c.send(http.MethodPost, "/api/v1/sessions/"+sid+"/close", "", e.as(rbac.Designer)...), http.StatusConflict, "closed")
	for _, action := range []string{"handover.requested", "handover.taken", "handover.resumed", "handover.closed"} {
		if e.count(`SELECT count(*) FROM audit_log WHERE action = '`+action+`' AND target_id = '`+sid+`'`) == 0 {
			t.Errorf("no %s audit entry", action)
		}
	}
}
