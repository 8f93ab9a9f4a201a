package simulate_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/demo"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/simulate"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// TestSameAsRuntime plays every demo chatbot's conversations through the
// real runtime (a live chatbot on a real database) and through the
// simulator, and wants the same replies and the same session closes, turn
// by turn. Each conversation runs for a fresh end user, and then all of a
// bot's conversations (plus some noise) run back to back for one end user,
// so sessions close and reopen as they do in production.
func TestSameAsRuntime(t *testing.T) {
	ctx := context.Background()
	app := testkit.New(t)
	sys := who.System()
	signer := simulate.NewSigner()
	for i, b := range demo.Samples() {
		t.Run(b.Name, func(t *testing.T) {
			addr := fmt.Sprintf("+1555100%04d", i)
			if b.Channel == "livechat" {
				addr = fmt.Sprintf("same-%d", i)
			}
			snd, err := app.Senders.Create(ctx, sys, b.Channel, addr)
			if err != nil {
				t.Fatal(err)
			}
			c, err := app.Chatbots.Create(ctx, sys, chatbots.Settings{Name: b.Name, Channel: b.Channel, SenderID: snd.ID})
			if err != nil {
				t.Fatal(err)
			}
			if c, err = app.Chatbots.Update(ctx, sys, c.ID, chatbots.Edit{Version: c.Version, Apply: chatbots.ReplaceDefinition(b.Definition)}); err != nil {
				t.Fatal(err)
			}
			if _, err := app.Lifecycle.Activate(ctx, sys, c.ID, lifecycle.ActivateOptions{OverrideWarnings: true, Reason: "test"}); err != nil {
				t.Fatal(err)
			}
			scripts := slices.Clone(b.Conversations)
			var all []string
			for _, conv := range b.Conversations {
				all = append(all, conv...)
				all = append(all, "???", "no", "1")
			}
			scripts = append(scripts, all)
			for j, script := range scripts {
				user := fmt.Sprintf("+1555%03d%03d", i, j)
				conv := simulate.Conversation{Target: simulate.Target{ChatbotID: c.ID}}
				token := ""
				for k, text := range script {
					out, err := app.Routing.Route(ctx, snd, user, text)
					if err != nil {
						t.Fatalf("route %q: %v", text, err)
					}
					// The conversation goes through its token each turn,
					// as the test chat does.
					if conv, err = signer.Open(token, conv.Target); err != nil {
						t.Fatalf("turn %d: %v", k, err)
					}
					turn := simulate.Run(b.Definition, conv, text)
					token = signer.Seal(turn.Next)
					if !slices.Equal(turn.Replies, out.Replies) || turn.Ended != out.SessionClosed {
						t.Fatalf("script %d turn %d %q:\nruntime   %q closed=%v\nsimulator %q ended=%v", j, k, text, out.Replies, out.SessionClosed, turn.Replies, turn.Ended)
					}
				}
			}
		})
	}
}

func TestTrace(t *testing.T) {
	def := &chatbot.Definition{
		Attributes: []chatbot.Attribute{{Name: "age", Type: chatbot.AttributeNumber}},
		Entry:      "start", Fallback: "help",
		Dialogs: []chatbot.Dialog{
			{ID: "start", Name: "Start", Elements: []chatbot.Element{
				{Type: chatbot.ElementMessage, Text: "Hi"},
				{Type: chatbot.ElementKeywords, Branches: []chatbot.Branch{{Keywords: []string{"age"}, Dialog: "age"}}},
			}},
			{ID: "age", Name: "Age", Elements: []chatbot.Element{
				{Type: chatbot.ElementQuestion, Text: "How old?", Attribute: "age", MaxTries: 2},
				{Type: chatbot.ElementCondition, Attribute: "age", Operator: chatbot.OpGt, Value: "17", Dialog: "adult"},
				{Type: chatbot.ElementClose, Text: "Too young."},
			}},
			{ID: "adult", Name: "Adult", Elements: []chatbot.Element{{Type: chatbot.ElementClose, Text: "Welcome, {{age}}."}}},
			{ID: "help", Name: "Help", Elements: []chatbot.Element{{Type: chatbot.ElementMessage, Text: "Say age."}}},
		},
	}
	steps := func(tr simulate.Turn) string {
		var s []string
		for _, st := range tr.Steps {
			x := fmt.Sprintf("%s/%d:%s", st.Dialog, st.Element, st.Event)
			if st.Detail != "" {
				x += "(" + st.Detail + ")"
			}
			s = append(s, x)
		}
		return strings.Join(s, " ")
	}
	tests := []struct {
		input, replies, steps string
		attrs                 map[string]string
		ended                 bool
	}{
		{"hello", "Hi", "start/0:entered start/1:message start/2:waiting", map[string]string{}, false},
		{"blah", "Say age.", "start/2:no_match start/2:fallback(help) help/0:entered help/1:message help/0:dialog_end", map[string]string{}, false},
		{"again", "Hi", "start/0:entered start/1:message start/2:waiting", map[string]string{}, false},
		{"my age", "How old?", "start/2:branch(age) age/0:entered age/1:asked(age)", map[string]string{}, false},
		{"old", "Sorry, I did not understand that.|How old?", "age/1:invalid_answer(try 1 of 2)", map[string]string{}, false},
		{"42", "Welcome, 42.", "age/1:answered(age=42) age/2:condition_true(adult) adult/0:entered adult/1:close", map[string]string{"age": "42"}, true},
		{"back", "Hi", "start/0:entered start/1:message start/2:waiting", map[string]string{}, false},
	}
	conv := simulate.Conversation{}
	for i, tc := range tests {
		tr := simulate.Run(def, conv, tc.input)
		if got := strings.Join(tr.Replies, "|"); got != tc.replies {
			t.Errorf("%d %q: replies %q, want %q", i, tc.input, got, tc.replies)
		}
		if got := steps(tr); got != tc.steps {
			t.Errorf("%d %q: steps\n %s\nwant\n %s", i, tc.input, got, tc.steps)
		}
		if fmt.Sprint(tr.Attributes) != fmt.Sprint(tc.attrs) || tr.Ended != tc.ended {
			t.Errorf("%d %q: attrs %v ended %v, want %v %v", i, tc.input, tr.Attributes, tr.Ended, tc.attrs, tc.ended)
		}
		conv = tr.Next
	}
}

func TestTokens(t *testing.T) {
	s := simulate.NewSigner()
	target := simulate.Target{ChatbotID: 7}
	conv := simulate.Conversation{Target: target, Open: true, State: chatbot.State{Dialog: "x", Index: 1, Waiting: true, Attrs: map[string]string{"a": "b"}}}
	tok := s.Seal(conv)
	got, err := s.Open(tok, target)
	if err != nil || got.State.Dialog != "x" || got.State.Attrs["a"] != "b" || !got.Open {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	if c, err := s.Open("", target); err != nil || c.Open || c.Target != target {
		t.Fatalf("empty token: %+v %v", c, err)
	}
	body, sig, _ := strings.Cut(tok, ".")
	bad := []struct{ name, token string }{
		{"other signer", simulate.NewSigner().Seal(conv)},
		{"no signature", body},
		{"altered body", "f" + body[1:] + "." + sig},
		{"altered signature", body + "." + sig[:len(sig)-2] + "AA"},
		{"garbage", "!!!.???"},
		{"too long", strings.Repeat("a", simulate.MaxTokenBytes+1)},
	}
	for _, b := range bad {
		if _, err := s.Open(b.token, target); !errors.Is(err, simulate.ErrBadToken) {
			t.Errorf("%s: err %v, want ErrBadToken", b.name, err)
		}
	}
	for _, other := range []simulate.Target{{ChatbotID: 8}, {ChatbotID: 7, Release: 1}} {
		if _, err := s.Open(tok, other); !errors.Is(err, simulate.ErrBadToken) {
			t.Errorf("token for %+v opened for %+v: %v", target, other, err)
		}
	}
}
