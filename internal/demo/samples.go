package demo

import "github.com/answers-console/answers/internal/chatbot"

// Sample is a demo chatbot: a definition that validates (with warnings at
// most) and end-user conversations that exercise it, each the inbound
// texts of one session. The demo and `answers seed` share them.
type Sample struct {
	Name          string
	Channel       string
	Definition    *chatbot.Definition
	Conversations [][]string
}

// Samples returns the demo chatbots that go live, freshly built.
func Samples() []Sample {
	var out []Sample
	for _, b := range demoBots() {
		if b.activate {
			out = append(out, Sample{Name: b.name, Channel: b.channel, Definition: b.def, Conversations: b.traffic})
		}
	}
	return out
}
