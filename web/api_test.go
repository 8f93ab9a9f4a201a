package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
	"github.com/answers-console/answers/web/webtest"
)

// apiEnv is the fixture console seen through the JSON API: a client and a
// personal API token per role.
type apiEnv struct {
	t      *testing.T
	app    *webtest.App
	fx     fixture
	c      *client
	tokens map[rbac.Role]string
}

func newAPIEnv(t *testing.T) *apiEnv {
	t.Helper()
	app, srv := newServer(t)
	e := &apiEnv{t: t, app: app, fx: newFixture(t, app), c: newClient(t, srv), tokens: map[rbac.Role]string{}}
	for _, r := range rbac.Roles() {
		tok, _, err := app.Accounts.CreateToken(context.Background(), who.System(), app.Users[r].ID, accounts.NewToken{Name: "t"})
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[r] = tok
	}
	return e
}

// as is the header of role r's token.
func (e *apiEnv) as(r rbac.Role) []string { return []string{"Authorization", "Bearer " + e.tokens[r]} }

// message posts an inbound message with the given headers.
func (e *apiEnv) message(body string, headers ...string) response {
	e.t.Helper()
	return e.c.send(http.MethodPost, "/api/v1/messages", body, headers...)
}

func (e *apiEnv) key() []string { return []string{"X-Inbound-Key", e.fx.sender.InboundKey} }

func (e *apiEnv) count(query string) int {
	e.t.Helper()
	var n int
	if err := e.app.Store.R.QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// apiDecode reads a JSON body into v, failing the test otherwise.
func apiDecode(t *testing.T, res response, v any) {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON; body:\n%s", ct, excerpt(res.Body))
	}
	if err := json.Unmarshal([]byte(res.Body), v); err != nil {
		t.Fatalf("body is not the expected JSON: %v\n%s", err, excerpt(res.Body))
	}
}

// apiError is the error body of SPEC §6.
type apiErrorBody struct {
	Error struct {
		Code    string          `json:"code"`
		Message string          `json:"message"`
		Details json.RawMessage `json:"details"`
	} `json:"error"`
}

// apiWantError checks the status and that the body is a JSON error with
// the code (any code when code is "") and a message.
func apiWantError(t *testing.T, res response, status int, code string) apiErrorBody {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status %d, want %d\n%s", res.Status, status, excerpt(res.Body))
	}
	var b apiErrorBody
	apiDecode(t, res, &b)
	if (code != "" && b.Error.Code != code) || b.Error.Code == "" || b.Error.Message == "" {
		t.Fatalf("error %+v, want code %q and a message", b.Error, code)
	}
	return b
}

func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestAPIMessages is POST /api/v1/messages as SPEC §6 describes it, for
// every answer a gateway can get. Refused messages store nothing.
func TestAPIMessages(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	quiet, err := e.app.Senders.Create(context.Background(), who.System(), "livechat", "quiet")
	if err != nil {
		t.Fatal(err)
	}
	ok := `{"channel": "livechat", "sender": "matrix", "from": "web-1", "text": "hi"}`
	tests := []struct {
		name    string
		body    string
		headers []string
		status  int
		code    string
	}{
		{"unknown sender", `{"channel": "livechat", "sender": "nowhere", "from": "web-1", "text": "hi"}`, e.key(), 401, "bad_inbound_key"},
		{"no active chatbot", `{"channel": "livechat", "sender": "quiet", "from": "web-1", "text": "hi"}`, []string{"X-Inbound-Key", quiet.InboundKey}, 409, "no_active_chatbot"},
		{"wrong key", ok, []string{"X-Inbound-Key", e.fx.sender.InboundKey + "x"}, 401, "bad_inbound_key"},
		{"another sender's key", ok, []string{"X-Inbound-Key", quiet.InboundKey}, 401, "bad_inbound_key"},
		{"missing key", ok, nil, 401, "bad_inbound_key"},
		{"a personal token instead of the key", ok, e.as(rbac.Admin), 401, "bad_inbound_key"},
		{"the key as a bearer token", ok, []string{"Authorization", "Bearer " + e.fx.sender.InboundKey}, 401, "bad_inbound_key"},
		{"not JSON", `channel=livechat&text=hi`, e.key(), 422, "invalid_json"},
		{"truncated JSON", `{"channel": "livechat", "sender": "matrix"`, e.key(), 422, ""},
		{"empty body", ``, e.key(), 422, "empty_body"},
		{"two JSON values", ok + ok, e.key(), 422, "invalid_json"},
		{"unknown field", `{"channel": "livechat", "sender": "matrix", "from": "web-1", "text": "hi", "priority": 1}`, e.key(), 422, ""},
		{"wrong type", `{"channel": "livechat", "sender": "matrix", "from": "web-1", "text": 5}`, e.key(), 422, "invalid_field"},
		{"missing text", `{"channel": "livechat", "sender": "matrix", "from": "web-1"}`, e.key(), 422, "invalid_text"},
		{"blank text", `{"channel": "livechat", "sender": "matrix", "from": "web-1", "text": "  "}`, e.key(), 422, "invalid_text"},
		{"missing from", `{"channel": "livechat", "sender": "matrix", "text": "hi"}`, e.key(), 422, "invalid_from"},
		{"bad channel", `{"channel": "fax", "sender": "matrix", "from": "web-1", "text": "hi"}`, e.key(), 422, "invalid_channel"},
		{"text too long", `{"channel": "livechat", "sender": "matrix", "from": "web-1", "text": "` + strings.Repeat("a", 4097) + `"}`, e.key(), 422, "invalid_text"},
	}
	messages := e.count(`SELECT count(*) FROM messages`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := e.message(tc.body, tc.headers...)
			apiWantError(t, res, tc.status, tc.code)
			if n := e.count(`SELECT count(*) FROM messages`); n != messages {
				t.Errorf("a refused message stored %d transcript lines", n-messages)
			}
		})
	}
}

// TestAPIMessagesConversation: the answer has exactly the fields of SPEC
// §6, and a conversation goes on in the same session until it closes.
func TestAPIMessagesConversation(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	res := e.message(`{"channel": "livechat", "sender": "matrix", "from": "web-1", "text": "hi"}`, e.key()...)
	if res.Status != http.StatusOK {
		t.Fatalf("status %d\n%s", res.Status, res.Body)
	}
	var raw map[string]json.RawMessage
	apiDecode(t, res, &raw)
	if got := keys(raw); !slices.Equal(got, []string{"chatbot_id", "choices", "replies", "session_closed", "session_id"}) {
		t.Errorf("answer fields %v", got)
	}
	type outcome struct {
		SessionID     int64    `json:"session_id"`
		ChatbotID     int64    `json:"chatbot_id"`
		Replies       []string `json:"replies"`
		SessionClosed bool     `json:"session_closed"`
	}
	var first outcome
	apiDecode(t, res, &first)
	if first.ChatbotID != e.fx.active.ID || first.SessionID == 0 || first.SessionClosed ||
		!slices.Equal(first.Replies, []string{"Hello!", "What is your name?"}) {
		t.Errorf("first answer %+v", first)
	}

	res = e.message(`{"channel": "livechat", "sender": "matrix", "from": "web-1", "text": "Ann"}`, e.key()...)
	var second outcome
	apiDecode(t, res, &second)
	if res.Status != http.StatusOK || second.SessionID != first.SessionID || !second.SessionClosed ||
		!slices.Equal(second.Replies, []string{"Bye Ann."}) {
		t.Errorf("second answer %d %+v, want the same session closed with a goodbye", res.Status, second)
	}
	msgs, err := e.app.Store.Transcript(context.Background(), first.SessionID)
	if err != nil || len(msgs) != 5 {
		t.Errorf("transcript %v (%v), want 5 lines", msgs, err)
	}
}

// TestAPIAuthenticationIsSeparate: an inbound key authenticates only
// inbound traffic, and a personal token only the rest of the API.
func TestAPIAuthenticationIsSeparate(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	key := e.fx.sender.InboundKey
	for name, headers := range map[string][]string{
		"key as bearer":   {"Authorization", "Bearer " + key},
		"key as header":   {"X-Inbound-Key", key},
		"nothing":         nil,
		"malformed token": {"Authorization", e.tokens[rbac.Admin]},
	} {
		res := e.c.get("/api/v1/chatbots", headers...)
		if res.Status != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, res.Status)
			continue
		}
		apiWantError(t, res, http.StatusUnauthorized, "")
	}
	if res := e.c.get("/api/v1/chatbots", e.as(rbac.Analyzer)...); res.Status != http.StatusOK {
		t.Errorf("a personal token: status %d", res.Status)
	}
}

type apiSenderBody struct {
	ID         int64   `json:"id"`
	Channel    string  `json:"channel"`
	Address    string  `json:"address"`
	InboundKey *string `json:"inbound_key"`
}

func TestAPISenders(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	for _, r := range rbac.Roles() {
		res := e.c.get("/api/v1/senders", e.as(r)...)
		if res.Status != http.StatusOK {
			t.Fatalf("%s: status %d", r, res.Status)
		}
		var list []apiSenderBody
		apiDecode(t, res, &list)
		if len(list) != 1 || list[0].ID != e.fx.sender.ID || list[0].Channel != "livechat" || list[0].Address != "matrix" {
			t.Fatalf("%s sees %+v", r, list)
		}
		seesKey := r == rbac.Manager || r == rbac.Admin
		if got := list[0].InboundKey != nil; got != seesKey {
			t.Errorf("%s sees the inbound key: %v, want %v", r, got, seesKey)
		}
		if seesKey && *list[0].InboundKey != e.fx.sender.InboundKey {
			t.Errorf("%s sees a wrong key", r)
		}
		if !seesKey {
			mustNotContain(t, res.Body, e.fx.sender.InboundKey, "inbound_key")
		}
	}
	if res := e.c.get("/api/v1/senders"); res.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: status %d", res.Status)
	}

	body := `{"channel": "sms", "address": "+15551234567"}`
	apiWantError(t, e.c.send(http.MethodPost, "/api/v1/senders", body, e.as(rbac.Designer)...), http.StatusForbidden, "forbidden")
	res := e.c.send(http.MethodPost, "/api/v1/senders", body, e.as(rbac.Manager)...)
	if res.Status != http.StatusCreated {
		t.Fatalf("manager: status %d\n%s", res.Status, res.Body)
	}
	var created apiSenderBody
	apiDecode(t, res, &created)
	if created.ID == 0 || created.Channel != "sms" || created.Address != "+15551234567" || created.InboundKey == nil || *created.InboundKey == "" {
		t.Errorf("created %+v", created)
	}
	apiWantError(t, e.c.send(http.MethodPost, "/api/v1/senders", body, e.as(rbac.Admin)...), http.StatusUnprocessableEntity, "invalid_address")
	apiWantError(t, e.c.send(http.MethodPost, "/api/v1/senders", `{"channel": "fax", "address": "1"}`, e.as(rbac.Manager)...), http.StatusUnprocessableEntity, "invalid_channel")
	apiWantError(t, e.c.send(http.MethodPost, "/api/v1/senders", `{"channel": "sms"`, e.as(rbac.Manager)...), http.StatusUnprocessableEntity, "")
	if n := e.count(`SELECT count(*) FROM senders`); n != 2 {
		t.Errorf("%d senders, want 2", n)
	}
	// The new sender's key works for inbound traffic at once (and gets
	// "no active chatbot", since none runs on it).
	res = e.message(`{"channel": "sms", "sender": "+15551234567", "from": "+15550000000", "text": "hi"}`, "X-Inbound-Key", *created.InboundKey)
	apiWantError(t, res, http.StatusConflict, "no_active_chatbot")
}

// apiChatbotBody is a chatbot in the API.
type apiChatbotBody struct {
	ID                    int64      `json:"id"`
	Name                  string     `json:"name"`
	Status                string     `json:"status"`
	Draft                 bool       `json:"draft"`
	Channel               string     `json:"channel"`
	SenderID              *int64     `json:"sender_id"`
	SessionTimeoutSeconds int        `json:"session_timeout_seconds"`
	GraceEndsAt           *time.Time `json:"grace_ends_at"`
	CreatedAt             time.Time  `json:"created_at"`
	UpdatedAt             time.Time  `json:"updated_at"`
	Version               int64      `json:"version"`
}

func TestAPIChatbotList(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	res := e.c.get("/api/v1/chatbots", e.as(rbac.Analyzer)...)
	var raw []map[string]json.RawMessage
	apiDecode(t, res, &raw)
	if len(raw) < 2 {
		t.Fatalf("%d chatbots, want the fixture's", len(raw))
	}
	for _, k := range []string{"id", "name", "status", "draft", "channel", "sender_id", "session_timeout_seconds", "grace_ends_at", "created_at", "updated_at"} {
		if _, ok := raw[0][k]; !ok {
			t.Errorf("a chatbot lacks %q: %v", k, keys(raw[0]))
		}
	}
	// The expected lists come straight from the table, so that the test
	// holds whatever else the fixture creates.
	names := func(where string, args ...any) []string {
		rows, err := e.app.Store.R.QueryContext(context.Background(), `SELECT name FROM chatbots WHERE `+where+` ORDER BY name COLLATE NOCASE, id`, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			out = append(out, n)
		}
		return out
	}
	for _, tc := range []struct {
		query    string
		want     []string
		includes string // a fixture chatbot the answer must hold
	}{
		{"", names("true"), "Matrix draft"},
		{"?status=active", names("status = 'active'"), "Matrix bot"},
		{"?status=inactive", names("status = 'inactive'"), "Matrix draft"},
		{"?status=draft", names("first_activated_at IS NULL"), "Matrix draft"},
		{"?status=deactivated", nil, ""},
		{"?q=draft", names("name LIKE '%draft%'"), "Matrix draft"},
		{"?sender_id=" + itoa(e.fx.sender.ID) + "&status=active", []string{"Matrix bot"}, "Matrix bot"},
		{"?sender_id=999", nil, ""},
	} {
		res := e.c.get("/api/v1/chatbots"+tc.query, e.as(rbac.Analyzer)...)
		if res.Status != http.StatusOK {
			t.Errorf("%s: status %d", tc.query, res.Status)
			continue
		}
		var list []apiChatbotBody
		apiDecode(t, res, &list)
		var got []string
		for _, c := range list {
			got = append(got, c.Name)
		}
		if !slices.Equal(got, tc.want) || (tc.includes != "" && !slices.Contains(got, tc.includes)) {
			t.Errorf("%s: %v, want %v (with %q)", tc.query, got, tc.want, tc.includes)
		}
		if tc.query == "?status=active" {
			for _, c := range list {
				if c.Status != store.StatusActive {
					t.Errorf("status=active lists %s, which is %s", c.Name, c.Status)
				}
			}
		}
	}
	apiWantError(t, e.c.get("/api/v1/chatbots?status=paused", e.as(rbac.Analyzer)...), http.StatusUnprocessableEntity, "invalid_status")
	apiWantError(t, e.c.get("/api/v1/chatbots?sender_id=x", e.as(rbac.Analyzer)...), http.StatusUnprocessableEntity, "invalid_sender_id")
}

func TestAPIPatchChatbot(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	draft := "/api/v1/chatbots/" + itoa(e.fx.draft.ID)
	res := e.c.send(http.MethodPatch, draft, `{"name": "Renamed", "version": `+itoa(e.fx.draft.Version)+`}`, e.as(rbac.Designer)...)
	if res.Status != http.StatusOK {
		t.Fatalf("patch: status %d\n%s", res.Status, res.Body)
	}
	var got apiChatbotBody
	apiDecode(t, res, &got)
	if got.Name != "Renamed" || got.Version != e.fx.draft.Version+1 {
		t.Errorf("patched %+v", got)
	}

	// The version the first patch started from is now stale.
	res = e.c.send(http.MethodPatch, draft, `{"name": "Lost", "version": `+itoa(e.fx.draft.Version)+`}`, e.as(rbac.Designer)...)
	apiWantError(t, res, http.StatusConflict, "stale_version")
	if c, _ := e.app.Store.ChatbotByID(context.Background(), e.fx.draft.ID); c.Name != "Renamed" {
		t.Errorf("a stale patch renamed the chatbot to %q", c.Name)
	}

	active := "/api/v1/chatbots/" + itoa(e.fx.active.ID)
	apiWantError(t, e.c.send(http.MethodPatch, active, `{"name": "Hijack"}`, e.as(rbac.Admin)...), http.StatusConflict, "not_editable")
	apiWantError(t, e.c.send(http.MethodPatch, draft, `{"name": "X"}`, e.as(rbac.Supervisor)...), http.StatusForbidden, "forbidden")
	apiWantError(t, e.c.send(http.MethodPatch, draft, `{"definition": {"entry": 5}}`, e.as(rbac.Designer)...), http.StatusUnprocessableEntity, "invalid_definition")
	apiWantError(t, e.c.send(http.MethodPatch, "/api/v1/chatbots/999", `{"name": "X"}`, e.as(rbac.Designer)...), http.StatusNotFound, "chatbot_not_found")
}

// brokenDef jumps to a dialog that does not exist: a validation error.
func brokenDef() *chatbot.Definition {
	d := greeter()
	d.Dialogs[0].Elements = append(d.Dialogs[0].Elements[:2], chatbot.Element{Type: chatbot.ElementGoto, Dialog: "nowhere"})
	d.Tests[0].Turns = d.Tests[0].Turns[:1] // still passes: the only error is the jump
	return d
}

func TestAPIValidateAndActivate(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	broken := makeChatbot(t, e.app, "Broken", e.fx.sender.ID, brokenDef())
	path := func(c store.Chatbot, action string) string { return "/api/v1/chatbots/" + itoa(c.ID) + "/" + action }

	type finding struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Dialog  string `json:"dialog"`
		Element *int   `json:"element"`
	}
	var report struct {
		Errors   []finding `json:"errors"`
		Warnings []finding `json:"warnings"`
	}
	res := e.c.send(http.MethodPost, path(broken, "validate"), "", e.as(rbac.Supervisor)...)
	if res.Status != http.StatusOK {
		t.Fatalf("validate: status %d\n%s", res.Status, res.Body)
	}
	apiDecode(t, res, &report)
	if len(report.Errors) != 1 || report.Errors[0].Code != chatbot.CodeUnknownDialog || report.Errors[0].Dialog != "start" ||
		report.Errors[0].Element == nil || *report.Errors[0].Element != 2 || report.Errors[0].Message == "" {
		t.Errorf("validation errors %+v", report.Errors)
	}
	res = e.c.send(http.MethodPost, path(e.fx.draft, "validate"), "", e.as(rbac.Supervisor)...)
	mustContain(t, res.Body, `"errors":[]`, `"warnings":[]`)

	// A validation error blocks activation with the findings; nothing moves.
	res = e.c.send(http.MethodPost, path(broken, "activate"), `{"override_warnings": true}`, e.as(rbac.Manager)...)
	b := apiWantError(t, res, http.StatusUnprocessableEntity, "validation_errors")
	var details []map[string]any
	if err := json.Unmarshal(b.Error.Details, &details); err != nil || len(details) == 0 || details[0]["code"] != chatbot.CodeUnknownDialog {
		t.Errorf("details %s, want the findings", b.Error.Details)
	}
	if c, _ := e.app.Store.ChatbotByID(context.Background(), broken.ID); c.Status != store.StatusInactive {
		t.Errorf("the broken chatbot is %s", c.Status)
	}

	apiWantError(t, e.c.send(http.MethodPost, path(e.fx.draft, "activate"), "", e.as(rbac.Designer)...), http.StatusForbidden, "forbidden")
	apiWantError(t, e.c.send(http.MethodPost, path(e.fx.active, "activate"), "", e.as(rbac.Manager)...), http.StatusConflict, "not_inactive")

	// A redeploy with a grace period: the draft goes live, the old chatbot
	// finishes its sessions until the grace end.
	res = e.c.send(http.MethodPost, path(e.fx.draft, "activate"), `{"previous_grace_seconds": 600}`, e.as(rbac.Manager)...)
	if res.Status != http.StatusOK {
		t.Fatalf("activate: status %d\n%s", res.Status, res.Body)
	}
	var live apiChatbotBody
	apiDecode(t, res, &live)
	if live.ID != e.fx.draft.ID || live.Status != store.StatusActive || live.Draft || live.GraceEndsAt != nil {
		t.Errorf("activated %+v", live)
	}
	res = e.c.get("/api/v1/chatbots/"+itoa(e.fx.active.ID), e.as(rbac.Analyzer)...)
	var old apiChatbotBody
	apiDecode(t, res, &old)
	if old.Status != store.StatusDeactivated || old.GraceEndsAt == nil || old.GraceEndsAt.Before(time.Now().Add(9*time.Minute)) {
		t.Errorf("the replaced chatbot %+v, want deactivated for 10 minutes", old)
	}

	// A second redeploy with grace must confirm ending the current one.
	next := makeChatbot(t, e.app, "Next", e.fx.sender.ID, greeter())
	apiWantError(t, e.c.send(http.MethodPost, path(next, "activate"), `{"previous_grace_seconds": 60}`, e.as(rbac.Manager)...), http.StatusConflict, "grace_in_progress")
	res = e.c.send(http.MethodPost, path(next, "activate"), `{"previous_grace_seconds": 60, "end_current_grace": true}`, e.as(rbac.Manager)...)
	if res.Status != http.StatusOK {
		t.Fatalf("activate with end_current_grace: status %d\n%s", res.Status, res.Body)
	}
	apiWantError(t, e.c.send(http.MethodPost, path(next, "activate"), `{"bogus": 1}`, e.as(rbac.Manager)...), http.StatusUnprocessableEntity, "")
}
