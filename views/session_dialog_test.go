package views

import (
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/store"
)

func TestSessionDialog(t *testing.T) {
	def := &chatbot.Definition{Dialogs: []chatbot.Dialog{{ID: "menu", Name: "Main menu"}, {ID: "bare"}}}
	for _, tc := range []struct {
		def   *chatbot.Definition
		state string
		want  string
	}{
		{def, `{"dialog":"menu","index":1,"waiting":true}`, "Main menu"},
		{def, `{"dialog":"gone","index":0}`, "gone"}, // a dialog of an older release
		{def, `{"dialog":"bare"}`, "bare"},           // a dialog without a name
		{def, `{"dialog":""}`, ""},
		{def, `{}`, ""},
		{def, `not json`, ""},
		{nil, `{"dialog":"menu"}`, "menu"},
	} {
		if got := SessionDialog(tc.def, store.ChatSession{State: []byte(tc.state)}); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.state, got, tc.want)
		}
	}
}
