package views

import (
	"context"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
)

// bigEditor is the editor of an inactive chatbot whose one dialog holds n
// message elements, seen by a designer (every form drawn).
func bigEditor(n int) (context.Context, EditorData) {
	def := &chatbot.Definition{Entry: "start", Dialogs: []chatbot.Dialog{{ID: "start", Name: "Start"}}}
	for i := range n {
		def.Dialogs[0].Elements = append(def.Dialogs[0].Elements,
			chatbot.Element{Type: chatbot.ElementMessage, Text: "Message number " + strconv.Itoa(i) + " with some words in it."})
	}
	bot := store.Chatbot{ID: 1, Name: "Big", Status: store.StatusInactive, Channel: "livechat", Version: 3}
	ctx := WithPage(context.Background(), Page{User: store.User{ID: 1, Role: rbac.Designer}, CSRF: "t"})
	return ctx, EditorData{Bot: bot, Def: def, Revisions: chatbots.Revisions(bot, def)}
}

// BenchmarkEditorRender draws the chatbot page of a dialog of 100, 400
// and 800 elements: its cost must grow with the elements, not their square.
func BenchmarkEditorRender(b *testing.B) {
	for _, n := range []int{100, 400, 800} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			ctx, d := bigEditor(n)
			b.ReportAllocs()
			for b.Loop() {
				if err := EditorPage(d).Render(ctx, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestEditorReadsRevisions: the editor's forms send back the revisions the
// handler computed, never compute one while drawing (once per form made
// the page quadratic in a dialog's elements: 3.4 s at 800 elements).
func TestEditorReadsRevisions(t *testing.T) {
	ctx, d := bigEditor(3)
	d.Revisions = map[string]string{chatbots.DialogPart("start"): "given-by-handler", chatbots.PartTests: "tests-rev"}
	var b strings.Builder
	if err := EditorPage(d).Render(ctx, &b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	// Rename, make fallback, delete, and per element: move, remove, save.
	if n := strings.Count(page, `name="revision" value="given-by-handler"`); n < 3*2 {
		t.Errorf("%d forms carry the handler's revision of the dialog, want one per element form at least", n)
	}
	if real := chatbots.Revision(d.Bot, d.Def, chatbots.DialogPart("start")); strings.Contains(page, real) {
		t.Errorf("the page computed the dialog's revision %s itself", real)
	}
}

// TestStepWordsSayEveryEvent: each trace event the engine writes has its
// own words in the test chat, not the bare event name.
func TestStepWordsSayEveryEvent(t *testing.T) {
	d := TestChatData{Def: &chatbot.Definition{}}
	for _, ev := range []string{
		chatbot.EventEntered, chatbot.EventMessage, chatbot.EventAsked, chatbot.EventAnswered, chatbot.EventInvalid,
		chatbot.EventTriesOut, chatbot.EventWaiting, chatbot.EventBranch, chatbot.EventNoMatch, chatbot.EventFallback,
		chatbot.EventConditionTrue, chatbot.EventConditionFalse, chatbot.EventGoto, chatbot.EventClose,
		chatbot.EventDialogEnd, chatbot.EventMissingDialog, chatbot.EventStepLimit, chatbot.EventTextCut, chatbot.EventTurnLimit,
	} {
		if got := d.stepWords(chatbot.Step{Event: ev, Detail: "detail"}); got == ev {
			t.Errorf("event %q is shown as its bare name", ev)
		}
	}
}
