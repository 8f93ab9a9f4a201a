package bench

import (
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
)

// The hostile chatbots are ones a designer may activate: no validation
// errors, within the writers' caps.
func TestHostileBotsActivate(t *testing.T) {
	for _, h := range hostileBots() {
		fs := chatbot.Validate(h.def, chatbot.Context{HasSender: true, Channel: "sms", SenderChannel: "sms"})
		if errs := chatbot.Errors(fs); len(errs) != 0 {
			t.Errorf("%s: errors %+v", h.name, errs)
		}
		if n := len(h.def.JSON()); n > chatbot.MaxDefinitionBytes {
			t.Errorf("%s: %d bytes stored", h.name, n)
		}
		if n := h.def.KeywordCount(); n > chatbot.MaxKeywords {
			t.Errorf("%s: %d keywords", h.name, n)
		}
	}
}
