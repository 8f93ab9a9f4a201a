package demo

import "github.com/answers-console/answers/internal/chatbot"

// Bot is a demo chatbot as tests see it: its definition and the
// conversations its end users have (each a list of messages, the first of
// which opens the session).
type Bot struct {
	Name, Channel string
	Definition    *chatbot.Definition
	Conversations [][]string
}

// Bots returns the demo chatbots that carry traffic.
func Bots() []Bot {
	var out []Bot
	for _, b := range demoBots() {
		if len(b.traffic) > 0 {
			out = append(out, Bot{Name: b.name, Channel: b.channel, Definition: b.def.Clone(), Conversations: b.traffic})
		}
	}
	return out
}
