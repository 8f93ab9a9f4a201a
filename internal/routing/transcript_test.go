package routing_test

import (
	"context"
	"slices"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/lifecycle"
)

// helpDesk offers hours or prices by keyword, with a fallback.
func helpDesk() *chatbot.Definition {
	return &chatbot.Definition{
		Attributes: []chatbot.Attribute{},
		Entry:      "menu", Fallback: "sorry",
		Dialogs: []chatbot.Dialog{
			{ID: "menu", Name: "Menu", Elements: []chatbot.Element{
				{Type: chatbot.ElementMessage, Text: "Hours or prices?"},
				{Type: chatbot.ElementKeywords, Branches: []chatbot.Branch{
					{Keywords: []string{"opening hours", "hours"}, Dialog: "hours"},
					{Keywords: []string{"prices"}, Dialog: "prices"},
				}},
			}},
			{ID: "hours", Name: "Opening hours", Elements: []chatbot.Element{{Type: chatbot.ElementMessage, Text: "9 to 5."}, {Type: chatbot.ElementGoto, Dialog: "menu"}}},
			{ID: "prices", Name: "Prices", Elements: []chatbot.Element{{Type: chatbot.ElementMessage, Text: "Cheap."}, {Type: chatbot.ElementGoto, Dialog: "menu"}}},
			{ID: "sorry", Name: "Sorry", Elements: []chatbot.Element{{Type: chatbot.ElementMessage, Text: "Sorry?"}, {Type: chatbot.ElementGoto, Dialog: "menu"}}},
		},
		Tests: []chatbot.Test{{Name: "hours", Turns: []chatbot.TestTurn{{Say: "hi", Expect: []string{"Hours or prices?"}}}}},
	}
}

// TestTranscriptKeepsWhatTheEngineDid: each inbound message is stored
// with the dialogs it entered, the keyword that chose a branch and its
// fallbacks, so a transcript shows them without recomputing; a message
// stored before the keyword was kept reads as none.
func TestTranscriptKeepsWhatTheEngineDid(t *testing.T) {
	app, _, snd := newApp(t)
	ctx := context.Background()
	liveBot(t, app, "Help desk", snd.ID, helpDesk(), lifecycle.ActivateOptions{})
	var sid int64
	for _, text := range []string{"hi", "what are your opening hours?", "the weather", "PRICES!"} {
		out, err := app.Routing.Route(ctx, snd, "ann", text)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		sid = out.SessionID
	}
	msgs, err := app.Store.Transcript(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	type trace struct {
		text     string
		entered  []string
		branch   string
		fallback int
	}
	var got []trace
	for _, m := range msgs {
		if m.Direction == "in" {
			got = append(got, trace{m.Text, m.Entered, m.Branch, m.FallbackHits})
		} else if m.Branch != "" || len(m.Entered) > 0 || m.FallbackHits > 0 {
			t.Errorf("a reply carries a trace: %+v", m)
		}
	}
	want := []trace{
		{"hi", []string{"menu"}, "", 0},
		{"what are your opening hours?", []string{"hours", "menu"}, "opening hours", 0},
		{"the weather", []string{"sorry", "menu"}, "", 1},
		{"PRICES!", []string{"prices", "menu"}, "prices", 0},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i].text != want[i].text || !slices.Equal(got[i].entered, want[i].entered) || got[i].branch != want[i].branch || got[i].fallback != want[i].fallback {
			t.Errorf("message %d: got %+v, want %+v", i, got[i], want[i])
		}
	}

	// A message from before the column: NULL reads as no keyword.
	bot := session(t, app, sid).ChatbotID
	if _, err := app.Store.W.ExecContext(ctx, `INSERT INTO messages (session_id, chatbot_id, direction, text, at, entered, fallback_hits)
		VALUES (?, ?, 'in', 'old', ?, NULL, 0)`, sid, bot, "2025-03-14T09:00:00.000000Z"); err != nil {
		t.Fatal(err)
	}
	msgs, err = app.Store.Transcript(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	if last := msgs[len(msgs)-1]; last.Text != "old" || last.Branch != "" || last.Entered != nil || last.FallbackHits != 0 {
		t.Errorf("old message %+v", last)
	}
}
