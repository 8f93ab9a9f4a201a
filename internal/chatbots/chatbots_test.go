package chatbots_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

var t0 = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

type env struct {
	t        *testing.T
	app      *testkit.App
	snd      store.Sender
	designer who.Actor
}

func newEnv(t *testing.T) *env {
	t.Helper()
	app := testkit.New(t)
	app.SetClock(func() time.Time { return t0 })
	snd, err := app.Senders.Create(context.Background(), who.System(), "livechat", "shop")
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, app: app, snd: snd, designer: who.Actor{User: app.Users[rbac.Designer], IP: "192.0.2.1"}}
}

// valid greets and asks for a name; it validates without findings.
func valid() *chatbot.Definition {
	return &chatbot.Definition{
		Attributes: []chatbot.Attribute{{Name: "name", Type: chatbot.AttributeText}},
		Entry:      "start", Fallback: "start",
		Dialogs: []chatbot.Dialog{{ID: "start", Name: "Start", Elements: []chatbot.Element{
			{Type: chatbot.ElementMessage, Text: "Hello!"},
			{Type: chatbot.ElementQuestion, Text: "What is your name?", Attribute: "name"},
			{Type: chatbot.ElementClose, Text: "Bye {{name}}."},
		}}},
		Tests: []chatbot.Test{{Name: "asks the name", Turns: []chatbot.TestTurn{
			{Say: "hi", Expect: []string{"What is your name?"}, Match: chatbot.MatchContains},
		}}},
	}
}

func (e *env) create(name string) store.Chatbot {
	e.t.Helper()
	c, err := e.app.Chatbots.Create(context.Background(), e.designer, chatbots.Settings{Name: name, Channel: "livechat", SenderID: e.snd.ID})
	if err != nil {
		e.t.Fatalf("create %s: %v", name, err)
	}
	return c
}

func (e *env) update(c store.Chatbot, apply func(*chatbots.Settings, *chatbot.Definition) (string, error)) (store.Chatbot, error) {
	return e.app.Chatbots.Update(context.Background(), e.designer, c.ID, chatbots.Edit{Version: c.Version, Apply: apply})
}

func (e *env) get(id int64) (store.Chatbot, *chatbot.Definition) {
	e.t.Helper()
	c, def, err := e.app.Chatbots.Get(context.Background(), e.designer, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c, def
}

// audits counts the audit entries with the action about the chatbot.
func (e *env) audits(action string, id int64) int {
	e.t.Helper()
	var n int
	err := e.app.Store.R.QueryRowContext(context.Background(),
		`SELECT count(*) FROM audit_log WHERE action = ? AND target_type = 'chatbot' AND target_id = ?`, action, fmt.Sprint(id)).Scan(&n)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestCreate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sms, err := e.app.Senders.Create(ctx, who.System(), "sms", "+15551234567")
	if err != nil {
		t.Fatal(err)
	}
	c := e.create("  Support  ")
	if c.Name != "Support" || c.Status != store.StatusInactive || !c.Draft() || c.Language != "en" ||
		c.SessionTimeout != chatbots.DefaultTimeout || c.SenderID != e.snd.ID || c.Version != 1 || !c.CreatedAt.Equal(t0) {
		t.Errorf("created %+v", c)
	}
	if _, def := e.get(c.ID); !bytes.Equal(def.JSON(), chatbot.NewDefinition().JSON()) {
		t.Errorf("a new chatbot starts with %s, want the starter definition", def.JSON())
	}
	if n := e.audits(chatbots.ActionCreated, c.ID); n != 1 {
		t.Errorf("%d creation entries, want 1", n)
	}

	tests := []struct {
		name  string
		actor who.Actor
		in    chatbots.Settings
		kind  problem.Kind
		field string
	}{
		{"analyzer", who.Actor{User: e.app.Users[rbac.Analyzer]}, chatbots.Settings{Name: "A", Channel: "livechat"}, problem.Forbidden, ""},
		{"supervisor", who.Actor{User: e.app.Users[rbac.Supervisor]}, chatbots.Settings{Name: "A", Channel: "livechat"}, problem.Forbidden, ""},
		{"nobody", who.Actor{}, chatbots.Settings{Name: "A", Channel: "livechat"}, problem.Unauthorized, ""},
		{"duplicate name", e.designer, chatbots.Settings{Name: "Support", Channel: "livechat"}, problem.Invalid, "name"},
		{"duplicate name in other case", e.designer, chatbots.Settings{Name: "SUPPORT", Channel: "sms"}, problem.Invalid, "name"},
		{"no name", e.designer, chatbots.Settings{Name: "  ", Channel: "livechat"}, problem.Invalid, "name"},
		{"long name", e.designer, chatbots.Settings{Name: strings.Repeat("n", chatbots.MaxNameRunes+1), Channel: "livechat"}, problem.Invalid, "name"},
		{"bad language", e.designer, chatbots.Settings{Name: "A", Language: "xx", Channel: "livechat"}, problem.Invalid, "language"},
		{"bad channel", e.designer, chatbots.Settings{Name: "A", Channel: "fax"}, problem.Invalid, "channel"},
		{"unknown sender", e.designer, chatbots.Settings{Name: "A", Channel: "livechat", SenderID: 999}, problem.Invalid, "sender_id"},
		{"sender on another channel", e.designer, chatbots.Settings{Name: "A", Channel: "livechat", SenderID: sms.ID}, problem.Invalid, "sender_id"},
		{"timeout too short", e.designer, chatbots.Settings{Name: "A", Channel: "livechat", SessionTimeout: 30 * time.Second}, problem.Invalid, "session_timeout"},
		{"timeout too long", e.designer, chatbots.Settings{Name: "A", Channel: "livechat", SessionTimeout: chatbots.MaxTimeout + time.Minute}, problem.Invalid, "session_timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.app.Chatbots.Create(ctx, tc.actor, tc.in)
			p, ok := problem.As(err)
			if !ok || p.Kind != tc.kind || p.Field != tc.field {
				t.Fatalf("error %v, want kind %d on field %q", err, tc.kind, tc.field)
			}
			rows, total, err := e.app.Store.Chatbots(ctx, store.ChatbotFilter{})
			if err != nil || total != 1 || len(rows) != 1 {
				t.Errorf("%d chatbots after a refusal (%v), want 1", total, err)
			}
		})
	}

	// Designers and up may create; the sender may be unset while drafting.
	for _, r := range []rbac.Role{rbac.Designer, rbac.Manager, rbac.Admin} {
		if _, err := e.app.Chatbots.Create(ctx, who.Actor{User: e.app.Users[r]}, chatbots.Settings{Name: "By " + r.String(), Channel: "sms"}); err != nil {
			t.Errorf("%s: %v", r, err)
		}
	}
}

// TestUpdateRefusals: an edit from an old version, or of a chatbot that is
// not inactive, is refused and changes nothing.
func TestUpdateRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.create("Support")
	c, err := e.update(c, chatbots.ReplaceDefinition(valid()))
	if err != nil {
		t.Fatal(err)
	}
	stale := c
	stale.Version--
	_, err = e.app.Chatbots.Update(ctx, e.designer, c.ID, chatbots.Edit{Version: stale.Version, Apply: chatbots.AddDialog("Late")})
	testkit.WantProblem(t, err, problem.Conflict, "stale_version")
	if !errors.Is(err, chatbots.ErrStale) {
		t.Errorf("%v is not ErrStale", err)
	}
	after, def := e.get(c.ID)
	if after.Version != c.Version || !bytes.Equal(def.JSON(), valid().JSON()) || !bytes.Equal(after.Definition, c.Definition) {
		t.Errorf("a stale edit changed the chatbot: version %d, definition %s", after.Version, def.JSON())
	}
	if n := e.audits(chatbots.ActionEdited, c.ID); n != 1 {
		t.Errorf("%d edit entries, want 1 (the stale edit is not logged)", n)
	}

	// Live chatbots are read-only, whatever version the edit names.
	if _, err := e.app.Lifecycle.Activate(ctx, who.System(), c.ID, lifecycle.ActivateOptions{}); err != nil {
		t.Fatal(err)
	}
	live, _ := e.get(c.ID)
	for _, v := range []int64{live.Version, live.Version - 1} {
		_, err = e.app.Chatbots.Update(ctx, e.designer, c.ID, chatbots.Edit{Version: v, Apply: chatbots.AddDialog("Late")})
		testkit.WantProblem(t, err, problem.Conflict, "not_editable")
	}
	// Deactivated ones too.
	next := e.create("Next")
	if _, err := e.app.Lifecycle.Activate(ctx, who.System(), next.ID, lifecycle.ActivateOptions{OverrideWarnings: true, PreviousGrace: lifecycle.GraceOf(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if d, _ := e.get(c.ID); d.Status != store.StatusDeactivated {
		t.Fatalf("setup: %s is %s", d.Name, d.Status)
	}
	_, err = e.app.Chatbots.Update(ctx, e.designer, c.ID, chatbots.Edit{Version: live.Version, Apply: chatbots.AddDialog("Late")})
	testkit.WantProblem(t, err, problem.Conflict, "not_editable")
	if after, _ := e.get(c.ID); after.Version != live.Version || !bytes.Equal(after.Definition, live.Definition) {
		t.Errorf("a refused edit changed the live chatbot")
	}

	// Other refusals: permission, a missing chatbot, a failing edit.
	_, err = e.app.Chatbots.Update(ctx, who.Actor{User: e.app.Users[rbac.Supervisor]}, next.ID, chatbots.Edit{Version: 1, Apply: chatbots.AddDialog("X")})
	testkit.WantProblem(t, err, problem.Forbidden, "forbidden")
	_, err = e.app.Chatbots.Update(ctx, e.designer, 999, chatbots.Edit{Version: 1, Apply: chatbots.AddDialog("X")})
	testkit.WantProblem(t, err, problem.NotFound, "chatbot_not_found")
}

// TestUpdateSettings: settings are checked as on create; a rename to a
// taken name is refused on the name field.
func TestUpdateSettings(t *testing.T) {
	e := newEnv(t)
	e.create("Taken")
	c := e.create("Mine")
	_, err := e.update(c, func(set *chatbots.Settings, _ *chatbot.Definition) (string, error) {
		set.Name = "taken"
		return "rename", nil
	})
	if p, ok := problem.As(err); !ok || p.Field != "name" {
		t.Errorf("rename to a taken name: %v", err)
	}
	_, err = e.update(c, func(set *chatbots.Settings, _ *chatbot.Definition) (string, error) {
		set.Channel = "sms" // the sender is a livechat one
		return "channel", nil
	})
	if p, ok := problem.As(err); !ok || p.Field != "sender_id" {
		t.Errorf("channel that does not match the sender: %v", err)
	}
	got, err := e.update(c, chatbots.SetSettings(chatbots.Settings{Name: "Mine too", Language: "FR", Channel: "livechat", SessionTimeout: time.Hour}))
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Mine too" || got.Language != "fr" || got.SenderID != 0 || got.SessionTimeout != time.Hour || got.Version != c.Version+1 {
		t.Errorf("settings saved as %+v", got)
	}
	if n := e.audits(chatbots.ActionEdited, c.ID); n != 1 {
		t.Errorf("%d edit entries, want 1", n)
	}
}

// TestEditsAreAudited: each successful Update writes one chatbot.edited
// entry and bumps the version; a failing edit writes none.
func TestEditsAreAudited(t *testing.T) {
	e := newEnv(t)
	c := e.create("Support")
	steps := []struct {
		apply func(*chatbots.Settings, *chatbot.Definition) (string, error)
		ok    bool
	}{
		{chatbots.AddDialog("Opening hours"), true},
		{chatbots.AddAttribute("name", chatbot.AttributeText), true},
		{chatbots.AddAttribute("name", chatbot.AttributeText), false},
		{chatbots.AddElement("opening_hours", chatbot.Element{Type: chatbot.ElementMessage, Text: "9 to 5"}), true},
		{chatbots.AddElement("opening_hours", chatbot.Element{Type: chatbot.ElementMessage}), false},
		{chatbots.SetFallback("opening_hours"), true},
		{chatbots.DeleteDialog("start"), false},
		{chatbots.RenameDialog("opening_hours", "Hours"), true},
		{chatbots.RemoveElement("start", 5), false},
	}
	edits := 0
	for i, st := range steps {
		got, err := e.update(c, st.apply)
		if st.ok != (err == nil) {
			t.Fatalf("step %d: %v", i, err)
		}
		if err == nil {
			edits++
			if got.Version != c.Version+1 {
				t.Errorf("step %d: version %d, want %d", i, got.Version, c.Version+1)
			}
			c = got
		}
		if n := e.audits(chatbots.ActionEdited, c.ID); n != edits {
			t.Errorf("step %d: %d edit entries, want %d", i, n, edits)
		}
	}
	var details string
	if err := e.app.Store.R.QueryRowContext(context.Background(),
		`SELECT details FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT 1`, chatbots.ActionEdited).Scan(&details); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(details, "opening_hours renamed") {
		t.Errorf("last edit entry %s does not say what changed", details)
	}
}

// TestEditOps runs the editor's operations on a definition: each case
// starts from base, applies ops in order, and expects the last one to fail
// with wantErr (a code or field) or the definition to pass check.
func TestEditOps(t *testing.T) {
	type op = func(*chatbots.Settings, *chatbot.Definition) (string, error)
	base := func() *chatbot.Definition {
		return &chatbot.Definition{Entry: "start", Dialogs: []chatbot.Dialog{{ID: "start", Name: "Start", Elements: []chatbot.Element{
			{Type: chatbot.ElementMessage, Text: "one"},
			{Type: chatbot.ElementMessage, Text: "two"},
			{Type: chatbot.ElementMessage, Text: "three"},
		}}}}
	}
	ids := func(d *chatbot.Definition) string {
		var out []string
		for _, dl := range d.Dialogs {
			out = append(out, dl.ID)
		}
		return strings.Join(out, " ")
	}
	texts := func(d *chatbot.Definition, id string) string {
		dl, _ := d.DialogByID(id)
		var out []string
		for _, el := range dl.Elements {
			out = append(out, el.Type+":"+el.Text)
		}
		return strings.Join(out, " ")
	}
	tests := []struct {
		name    string
		empty   bool // start from an empty definition instead of base
		ops     []op
		wantErr string
		check   func(*chatbot.Definition) string // "" when fine
	}{
		{name: "dialog ids are slugs, made unique", ops: []op{chatbots.AddDialog("Opening hours"), chatbots.AddDialog("opening HOURS!"), chatbots.AddDialog("Opening hours")},
			check: func(d *chatbot.Definition) string {
				return want(ids(d), "start opening_hours opening_hours_2 opening_hours_3")
			}},
		{name: "a slug starts with a letter", ops: []op{chatbots.AddDialog("24/7 help")},
			check: func(d *chatbot.Definition) string { return want(ids(d), "start dialog_24_7_help") }},
		{name: "a slug is at most 40 characters", ops: []op{chatbots.AddDialog(strings.Repeat("ab", 30))},
			check: func(d *chatbot.Definition) string { return want(len(d.Dialogs[1].ID), 40) }},
		{name: "a slug never repeats the id of a dialog, even the entry", ops: []op{chatbots.AddDialog("Start")},
			check: func(d *chatbot.Definition) string { return want(ids(d), "start start_2") }},
		{name: "the first dialog becomes the entry", empty: true, ops: []op{chatbots.AddDialog("Welcome"), chatbots.AddDialog("Other")},
			check: func(d *chatbot.Definition) string { return want(d.Entry, "welcome") }},
		{name: "a dialog needs a name", ops: []op{chatbots.AddDialog("   ")}, wantErr: "dialog_name"},
		{name: "a dialog name is at most 80 characters", ops: []op{chatbots.AddDialog(strings.Repeat("x", 81))}, wantErr: "dialog_name"},
		{name: "the entry cannot be deleted while others exist", ops: []op{chatbots.AddDialog("Other"), chatbots.DeleteDialog("start")}, wantErr: "entry_dialog"},
		{name: "the only dialog can be deleted", ops: []op{chatbots.DeleteDialog("start")},
			check: func(d *chatbot.Definition) string { return want(fmt.Sprint(len(d.Dialogs), d.Entry == ""), "0 true") }},
		{name: "deleting the fallback unsets it", ops: []op{chatbots.AddDialog("Help"), chatbots.SetFallback("help"), chatbots.DeleteDialog("help")},
			check: func(d *chatbot.Definition) string { return want(ids(d)+"|"+d.Fallback, "start|") }},
		{name: "after moving the entry the old one can go", ops: []op{chatbots.AddDialog("Other"), chatbots.SetEntry("other"), chatbots.DeleteDialog("start")},
			check: func(d *chatbot.Definition) string { return want(ids(d)+"|"+d.Entry, "other|other") }},
		{name: "deleting a missing dialog", ops: []op{chatbots.DeleteDialog("nope")}, wantErr: "dialog_not_found"},
		{name: "entry must exist", ops: []op{chatbots.SetEntry("nope")}, wantErr: "dialog_not_found"},
		{name: "fallback must exist", ops: []op{chatbots.SetFallback("nope")}, wantErr: "dialog_not_found"},
		{name: "fallback can be unset", ops: []op{chatbots.SetFallback("start"), chatbots.SetFallback("")},
			check: func(d *chatbot.Definition) string { return want(d.Fallback, "") }},
		{name: "rename keeps the id", ops: []op{chatbots.RenameDialog("start", "Welcome")},
			check: func(d *chatbot.Definition) string {
				return want(d.Dialogs[0].ID+"|"+d.Dialogs[0].Name, "start|Welcome")
			}},
		{name: "add an element", ops: []op{chatbots.AddElement("start", chatbot.Element{Type: chatbot.ElementClose})},
			check: func(d *chatbot.Definition) string {
				return want(texts(d, "start"), "message:one message:two message:three close:")
			}},
		{name: "add an element to a missing dialog", ops: []op{chatbots.AddElement("nope", chatbot.Element{Type: chatbot.ElementClose})}, wantErr: "dialog_not_found"},
		{name: "an element of an unknown type", ops: []op{chatbots.AddElement("start", chatbot.Element{Type: "dance"})}, wantErr: "type"},
		{name: "a message needs text", ops: []op{chatbots.AddElement("start", chatbot.Element{Type: chatbot.ElementMessage, Text: " "})}, wantErr: "text"},
		{name: "a question needs an attribute", ops: []op{chatbots.AddElement("start", chatbot.Element{Type: chatbot.ElementQuestion, Text: "Name?"})}, wantErr: "attribute"},
		{name: "a question allows at most 10 tries", ops: []op{chatbots.AddElement("start", chatbot.Element{Type: chatbot.ElementQuestion, Text: "Name?", Attribute: "name", MaxTries: 11})}, wantErr: "max_tries"},
		{name: "keywords need a branch", ops: []op{chatbots.AddElement("start", chatbot.Element{Type: chatbot.ElementKeywords})}, wantErr: "branches"},
		{name: "buttons need an option", ops: []op{chatbots.AddElement("start", chatbot.Element{Type: chatbot.ElementButtons, Text: "Pick"})}, wantErr: "options"},
		{name: "buttons need a text", ops: []op{chatbots.AddElement("start", chatbot.Element{Type: chatbot.ElementButtons, Options: []chatbot.Option{{Label: "A", Dialog: "start"}}})}, wantErr: "text"},
		{name: "an option needs a dialog", ops: []op{chatbots.AddElement("start", chatbot.Element{Type: chatbot.ElementButtons, Text: "Pick", Options: []chatbot.Option{{Label: "A"}}})}, wantErr: "options"},
		{name: "add buttons", ops: []op{chatbots.AddElement("start", chatbot.Element{Type: chatbot.ElementButtons, Text: "Pick", Options: []chatbot.Option{{Label: "A", Dialog: "start"}}})},
			check: func(d *chatbot.Definition) string { return want(d.Dialogs[0].Elements[3].Options[0].Label, "A") }},
		{name: "a condition needs an operator", ops: []op{chatbots.AddElement("start", chatbot.Element{Type: chatbot.ElementCondition, Attribute: "a", Operator: "like", Dialog: "start"})}, wantErr: "operator"},
		{name: "a goto needs a dialog", ops: []op{chatbots.AddElement("start", chatbot.Element{Type: chatbot.ElementGoto})}, wantErr: "dialog"},
		{name: "a goto may point ahead", ops: []op{chatbots.AddElement("start", chatbot.Element{Type: chatbot.ElementGoto, Dialog: "later"})},
			check: func(d *chatbot.Definition) string { return want(d.Dialogs[0].Elements[3].Dialog, "later") }},
		{name: "update keeps the element's type", ops: []op{chatbots.UpdateElement("start", 1, chatbot.Element{Type: chatbot.ElementClose, Text: "TWO"})},
			check: func(d *chatbot.Definition) string {
				return want(texts(d, "start"), "message:one message:TWO message:three")
			}},
		{name: "update checks the element as its type", ops: []op{chatbots.UpdateElement("start", 1, chatbot.Element{Type: chatbot.ElementClose})}, wantErr: "text"},
		{name: "update a missing element", ops: []op{chatbots.UpdateElement("start", 3, chatbot.Element{Text: "x"})}, wantErr: "element_not_found"},
		{name: "remove an element", ops: []op{chatbots.RemoveElement("start", 1)},
			check: func(d *chatbot.Definition) string { return want(texts(d, "start"), "message:one message:three") }},
		{name: "remove a missing element", ops: []op{chatbots.RemoveElement("start", -1)}, wantErr: "element_not_found"},
		{name: "move down", ops: []op{chatbots.MoveElement("start", 0, 1)},
			check: func(d *chatbot.Definition) string {
				return want(texts(d, "start"), "message:two message:one message:three")
			}},
		{name: "move up", ops: []op{chatbots.MoveElement("start", 2, -1)},
			check: func(d *chatbot.Definition) string {
				return want(texts(d, "start"), "message:one message:three message:two")
			}},
		{name: "move the first up", ops: []op{chatbots.MoveElement("start", 0, -1)}, wantErr: "cannot_move"},
		{name: "move the last down", ops: []op{chatbots.MoveElement("start", 2, 1)}, wantErr: "cannot_move"},
		{name: "move by two", ops: []op{chatbots.MoveElement("start", 0, 2)}, wantErr: "cannot_move"},
		{name: "move a missing element", ops: []op{chatbots.MoveElement("start", 7, -1)}, wantErr: "element_not_found"},
		{name: "add attributes", ops: []op{chatbots.AddAttribute(" email ", chatbot.AttributeEmail), chatbots.AddAttribute("a"+strings.Repeat("1", 49), chatbot.AttributeNumber)},
			check: func(d *chatbot.Definition) string {
				return want(fmt.Sprint(d.Attributes), fmt.Sprint([]chatbot.Attribute{{Name: "email", Type: "email"}, {Name: "a" + strings.Repeat("1", 49), Type: "number"}}))
			}},
		{name: "an attribute name is lower case", ops: []op{chatbots.AddAttribute("Email", chatbot.AttributeText)}, wantErr: "attr_name"},
		{name: "an attribute name starts with a letter", ops: []op{chatbots.AddAttribute("1st", chatbot.AttributeText)}, wantErr: "attr_name"},
		{name: "an attribute name has no dashes", ops: []op{chatbots.AddAttribute("first-name", chatbot.AttributeText)}, wantErr: "attr_name"},
		{name: "an attribute name is at most 50 characters", ops: []op{chatbots.AddAttribute("a"+strings.Repeat("b", 50), chatbot.AttributeText)}, wantErr: "attr_name"},
		{name: "an attribute name is needed", ops: []op{chatbots.AddAttribute("", chatbot.AttributeText)}, wantErr: "attr_name"},
		{name: "an attribute name is unique", ops: []op{chatbots.AddAttribute("email", chatbot.AttributeText), chatbots.AddAttribute("email", chatbot.AttributeEmail)}, wantErr: "attr_name"},
		{name: "an attribute type is known", ops: []op{chatbots.AddAttribute("color", "colour")}, wantErr: "attr_type"},
		{name: "remove an attribute", ops: []op{chatbots.AddAttribute("a", "text"), chatbots.AddAttribute("b", "text"), chatbots.RemoveAttribute("a")},
			check: func(d *chatbot.Definition) string { return want(fmt.Sprint(d.Attributes), "[{b text}]") }},
		{name: "remove a missing attribute", ops: []op{chatbots.RemoveAttribute("a")}, wantErr: "attribute_not_found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			def := base()
			if tc.empty {
				def = &chatbot.Definition{}
			}
			set := &chatbots.Settings{Name: "X", Channel: "livechat"}
			var err error
			for i, o := range tc.ops {
				var summary string
				summary, err = o(set, def)
				if err != nil {
					if i != len(tc.ops)-1 {
						t.Fatalf("op %d: %v", i, err)
					}
					break
				}
				if summary == "" {
					t.Errorf("op %d says nothing about what it did", i)
				}
			}
			if tc.wantErr != "" {
				p, ok := problem.As(err)
				if !ok || (p.Code != tc.wantErr && p.Field != tc.wantErr) {
					t.Fatalf("error %v, want %s", err, tc.wantErr)
				}
				if p.Message == "" {
					t.Errorf("refusal without a message")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg := tc.check(def); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func want[T comparable](got, want T) string {
	if got != want {
		return fmt.Sprintf("got %v, want %v", got, want)
	}
	return ""
}

// TestEditOpsPersist: the same operations through Update are stored.
func TestEditOpsPersist(t *testing.T) {
	e := newEnv(t)
	c := e.create("Support")
	var err error
	for _, o := range []func(*chatbots.Settings, *chatbot.Definition) (string, error){
		chatbots.AddDialog("Opening hours"),
		chatbots.AddDialog("Opening hours"),
		chatbots.AddElement("opening_hours", chatbot.Element{Type: chatbot.ElementMessage, Text: "9 to 5"}),
		chatbots.AddElement("start", chatbot.Element{Type: chatbot.ElementKeywords, Branches: []chatbot.Branch{{Keywords: []string{"hours"}, Dialog: "opening_hours"}}}),
		chatbots.MoveElement("start", 1, -1),
		chatbots.SetFallback("opening_hours_2"),
	} {
		if c, err = e.update(c, o); err != nil {
			t.Fatal(err)
		}
	}
	_, def := e.get(c.ID)
	if def.Fallback != "opening_hours_2" || len(def.Dialogs) != 3 || def.Dialogs[0].Elements[0].Type != chatbot.ElementKeywords ||
		def.Dialogs[1].Elements[0].Text != "9 to 5" {
		t.Errorf("stored definition:\n%s", def.JSON())
	}
}

func TestBranchesFromRows(t *testing.T) {
	def := &chatbot.Definition{Entry: "start", Dialogs: []chatbot.Dialog{{ID: "start", Name: "Start"}, {ID: "hours", Name: "Opening hours"}}}
	rows := []chatbots.BranchRow{
		{Keywords: "  price ,cost,, fee  ", Dialog: "hours"},
		{},                            // an empty row is left out
		{Keywords: " , ", Dialog: ""}, // so is one of commas only
		{Keywords: "café, Ärger", Dialog: chatbots.NewDialogChoice, NewDialog: " Complaints "},
		{Keywords: "angry", Dialog: chatbots.NewDialogChoice, NewDialog: "complaints"}, // the same new dialog
	}
	nt := chatbots.NewTargetsIn(def)
	got, err := chatbots.BranchesFromRows(rows, nt)
	want := []chatbot.Branch{
		{Keywords: []string{"price", "cost", "fee"}, Dialog: "hours"},
		{Keywords: []string{"café", "Ärger"}, Dialog: "complaints"},
		{Keywords: []string{"angry"}, Dialog: "complaints"},
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("BranchesFromRows = %v, %v; want %v", got, err, want)
	}
	if len(def.Dialogs) != 3 || def.Dialogs[2].ID != "complaints" || def.Dialogs[2].Name != "Complaints" || nt.Summary() != "dialog complaints added; " {
		t.Errorf("new dialogs: %+v, summary %q", def.Dialogs, nt.Summary())
	}

	for _, tc := range []struct {
		rows []chatbots.BranchRow
		want string
	}{
		{[]chatbots.BranchRow{{Keywords: "a", Dialog: "hours"}, {Keywords: "hours"}}, "Branch 2: choose the dialog"},
		{[]chatbots.BranchRow{{Dialog: "hours"}}, "Branch 1: enter its keywords"},
		{[]chatbots.BranchRow{{Keywords: "a", Dialog: chatbots.NewDialogChoice}}, "Branch 1: Name the new dialog"},
		{[]chatbots.BranchRow{{Keywords: "a", Dialog: chatbots.NewDialogChoice, NewDialog: "opening HOURS"}}, "Branch 1: There is already a dialog named Opening hours"},
		{[]chatbots.BranchRow{{Keywords: "a", Dialog: chatbots.NewDialogChoice, NewDialog: strings.Repeat("x", 81)}}, "Branch 1: Use at most 80"},
	} {
		def := &chatbot.Definition{Dialogs: []chatbot.Dialog{{ID: "hours", Name: "Opening hours"}}}
		_, err := chatbots.BranchesFromRows(tc.rows, chatbots.NewTargetsIn(def))
		p, ok := problem.As(err)
		if !ok || !strings.HasPrefix(p.Field, "branches-") || !strings.HasPrefix(p.Message, tc.want) {
			t.Errorf("BranchesFromRows(%+v): %v, want a branches error starting %q", tc.rows, err, tc.want)
		}
		if len(def.Dialogs) != 1 {
			t.Errorf("a refused row made a dialog: %+v", def.Dialogs)
		}
	}
}

func TestOptionsFromRows(t *testing.T) {
	def := &chatbot.Definition{Entry: "start", Dialogs: []chatbot.Dialog{{ID: "start", Name: "Start"}, {ID: "hours", Name: "Opening hours"}}}
	rows := []chatbots.OptionRow{
		{Label: " Hours ", Dialog: "hours"},
		{},                // an empty row is no option
		{Dialog: "start"}, // nor is one whose label was emptied
		{Label: "Repairs", Dialog: chatbots.NewDialogChoice, NewDialog: " Repairs "},
		{Label: "Fix it", Dialog: chatbots.NewDialogChoice, NewDialog: "repairs"}, // the same new dialog
	}
	nt := chatbots.NewTargetsIn(def)
	got, err := chatbots.OptionsFromRows(rows, nt)
	want := []chatbot.Option{{Label: "Hours", Dialog: "hours"}, {Label: "Repairs", Dialog: "repairs"}, {Label: "Fix it", Dialog: "repairs"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("OptionsFromRows = %v, %v; want %v", got, err, want)
	}
	if len(def.Dialogs) != 3 || def.Dialogs[2].ID != "repairs" || def.Dialogs[2].Name != "Repairs" || nt.Summary() != "dialog repairs added; " {
		t.Errorf("new dialogs: %+v, summary %q", def.Dialogs, nt.Summary())
	}

	eleven := make([]chatbots.OptionRow, chatbot.MaxOptions+1)
	for i := range eleven {
		eleven[i] = chatbots.OptionRow{Label: fmt.Sprint("o", i), Dialog: chatbots.NewDialogChoice, NewDialog: fmt.Sprint("d", i)}
	}
	for _, tc := range []struct {
		rows []chatbots.OptionRow
		want string
	}{
		{[]chatbots.OptionRow{{Label: "a", Dialog: "hours"}, {}, {Label: "b"}}, "Choose the dialog option 3 leads to."},
		{[]chatbots.OptionRow{{Dialog: chatbots.NewDialogChoice, NewDialog: "Repairs"}}, "Option 1: enter the label of the button that leads to the new dialog Repairs."},
		{[]chatbots.OptionRow{{Label: "a", Dialog: chatbots.NewDialogChoice}}, "Option 1: Name the new dialog"},
		{[]chatbots.OptionRow{{Label: "a", Dialog: chatbots.NewDialogChoice, NewDialog: "opening HOURS"}}, "Option 1: There is already a dialog named Opening hours"},
		{[]chatbots.OptionRow{{Label: "a", Dialog: chatbots.NewDialogChoice, NewDialog: strings.Repeat("x", 81)}}, "Option 1: Use at most 80"},
		{eleven, "Add 1 to 10 options"},
	} {
		def := &chatbot.Definition{Dialogs: []chatbot.Dialog{{ID: "hours", Name: "Opening hours"}}}
		_, err := chatbots.OptionsFromRows(tc.rows, chatbots.NewTargetsIn(def))
		p, ok := problem.As(err)
		if !ok || !strings.HasPrefix(p.Field, "options") || !strings.HasPrefix(p.Message, tc.want) {
			t.Errorf("OptionsFromRows(%+v): %v, want an options error starting %q", tc.rows, err, tc.want)
		}
		if len(def.Dialogs) != 1 {
			t.Errorf("a refused row made a dialog: %+v", def.Dialogs)
		}
	}
}

func TestDuplicate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	x := e.create("X")
	x, err := e.update(x, chatbots.ReplaceDefinition(valid()))
	if err != nil {
		t.Fatal(err)
	}
	if x, err = e.update(x, func(set *chatbots.Settings, _ *chatbot.Definition) (string, error) {
		set.SessionTimeout, set.Language = time.Hour, "de"
		return "settings", nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Lifecycle.Activate(ctx, who.System(), x.ID, lifecycle.ActivateOptions{}); err != nil {
		t.Fatal(err)
	}

	// Works on an active chatbot; the copy is an inactive draft.
	for _, wantName := range []string{"X (copy)", "X (copy 2)", "X (copy 3)"} {
		c, err := e.app.Chatbots.Duplicate(ctx, e.designer, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, def := e.get(c.ID)
		if c.Name != wantName || c.Status != store.StatusInactive || !c.Draft() || c.SenderID != e.snd.ID || c.Channel != "livechat" ||
			c.Language != "de" || c.SessionTimeout != time.Hour || !bytes.Equal(def.JSON(), valid().JSON()) {
			t.Errorf("copy %+v with definition %s, want %q with X's settings and definition", c, def.JSON(), wantName)
		}
		if n := e.audits(chatbots.ActionDuplicated, c.ID); n != 1 {
			t.Errorf("%d duplicate entries for %s, want 1", n, c.Name)
		}
	}
	if src, _ := e.get(x.ID); src.Status != store.StatusActive {
		t.Errorf("the source is now %s", src.Status)
	}

	// A freed name is reused; a copy of a copy gets its own suffix.
	copy1, _ := e.app.Store.ChatbotByName(ctx, "X (copy)")
	if _, err := e.update(copy1, func(set *chatbots.Settings, _ *chatbot.Definition) (string, error) {
		set.Name = "Renamed"
		return "rename", nil
	}); err != nil {
		t.Fatal(err)
	}
	if c, err := e.app.Chatbots.Duplicate(ctx, e.designer, x.ID); err != nil || c.Name != "X (copy)" {
		t.Errorf("after freeing the name: %q, %v", c.Name, err)
	}
	if c, err := e.app.Chatbots.Duplicate(ctx, e.designer, copy1.ID); err != nil || c.Name != "Renamed (copy)" {
		t.Errorf("copy of a copy: %q, %v", c.Name, err)
	}

	// A name too long for a suffix still gets a unique copy.
	long := e.create(strings.Repeat("L", chatbots.MaxNameRunes))
	c1, err := e.app.Chatbots.Duplicate(ctx, e.designer, long.ID)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := e.app.Chatbots.Duplicate(ctx, e.designer, long.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c1.Name == c2.Name || len([]rune(c1.Name)) > chatbots.MaxNameRunes {
		t.Errorf("copies of a long name: %q and %q", c1.Name, c2.Name)
	}

	// Permissions: a supervisor may view but not duplicate; an analyzer
	// may not even view details.
	for _, r := range []rbac.Role{rbac.Analyzer, rbac.Supervisor} {
		if _, err := e.app.Chatbots.Duplicate(ctx, who.Actor{User: e.app.Users[r]}, x.ID); !problem.Is(err, problem.Forbidden) {
			t.Errorf("%s duplicated: %v", r, err)
		}
	}
	if _, err := e.app.Chatbots.Duplicate(ctx, e.designer, 999); !problem.Is(err, problem.NotFound) {
		t.Errorf("duplicate of a missing chatbot: %v", err)
	}
}

// TestValidate reports the definition's findings in the chatbot's context.
func TestValidate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.create("X")
	_, fs, err := e.app.Chatbots.Validate(ctx, who.Actor{User: e.app.Users[rbac.Supervisor]}, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(chatbot.Errors(fs)) != 0 || len(chatbot.Warnings(fs)) == 0 {
		t.Errorf("the starter definition with a sender: %v, want warnings only", fs)
	}
	orphan, err := e.app.Chatbots.Create(ctx, e.designer, chatbots.Settings{Name: "Orphan", Channel: "livechat"})
	if err != nil {
		t.Fatal(err)
	}
	_, fs, err = e.app.Chatbots.Validate(ctx, e.designer, orphan.ID)
	if err != nil || len(chatbot.Errors(fs)) == 0 || chatbot.Errors(fs)[0].Code != chatbot.CodeNoSender {
		t.Errorf("a chatbot without a sender: %v, %v", fs, err)
	}
	if _, _, err := e.app.Chatbots.Validate(ctx, who.Actor{User: e.app.Users[rbac.Analyzer]}, c.ID); !problem.Is(err, problem.Forbidden) {
		t.Errorf("analyzer validated: %v", err)
	}
}
