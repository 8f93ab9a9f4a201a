package bench

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/answers-console/answers/internal/chatbot"
)

// Hostile chatbots (issue #24): a live chatbot whose definition makes
// each message costly — keywords that overlap at every word, placeholders
// that multiply a long answer — must not make its own messages, nor other
// senders', much slower than plain ones. Each is imported, given a sender
// of its own and activated (its warnings overridden) through the API, then
// hostileWorkers end users write to it while as many write plain messages
// to the seeded senders.

const hostileWorkers = 4

// hostileBot is one hostile chatbot and the message that hurts it.
type hostileBot struct {
	name    string // of the rows
	address string // of its sender, on sms
	def     *chatbot.Definition
	text    string // each end user's every message after the first
}

func hostileBots() []hostileBot {
	// Keywords "a", "a a", … of up to 900 words, each leading back to
	// the keywords; the input "a a … c", 4,096 characters.
	branches := make([]chatbot.Branch, 900)
	for i := range branches {
		branches[i] = chatbot.Branch{Keywords: []string{strings.TrimSpace(strings.Repeat("a ", i+1))}, Dialog: "again"}
	}
	stair := &chatbot.Definition{Entry: "menu", Dialogs: []chatbot.Dialog{
		{ID: "menu", Name: "Menu", Elements: []chatbot.Element{{Type: chatbot.ElementKeywords, Branches: branches}}},
		{ID: "again", Name: "Again", Elements: []chatbot.Element{{Type: chatbot.ElementGoto, Dialog: "menu"}}},
	}}
	// A question stores a 4,096-character answer; 20 messages show it
	// 2,000 times each (160 MB a turn, unbounded), then it asks again.
	show := []chatbot.Element{{Type: chatbot.ElementQuestion, Text: "Say something", Attribute: "a"}}
	for range 20 {
		show = append(show, chatbot.Element{Type: chatbot.ElementMessage, Text: strings.Repeat("{{a}}", 2000)})
	}
	show = append(show, chatbot.Element{Type: chatbot.ElementGoto, Dialog: "ask"})
	amplifier := &chatbot.Definition{Entry: "ask", Attributes: []chatbot.Attribute{{Name: "a", Type: chatbot.AttributeText}},
		Dialogs: []chatbot.Dialog{{ID: "ask", Name: "Ask", Elements: show}}}
	return []hostileBot{
		{name: "keyword worst case (900 keywords a, a a, …; input a a … c, 4,096 characters)", address: "+17770000901",
			def: stair, text: strings.Repeat("a ", 2047) + "c"},
		{name: "amplifying definition (2,000 placeholders × 20 messages of a 4,096-character answer)", address: "+17770000902",
			def: amplifier, text: strings.Repeat("x", 4096)},
	}
}

// hostile measures each hostile chatbot.
func (b *run) hostile(ctx context.Context) {
	for _, h := range hostileBots() {
		name := "inbound to a hostile chatbot: " + h.name
		s, err := b.hostileSender(ctx, h)
		if err != nil {
			b.skip(name, err.Error())
			continue
		}
		plain := func(ctx context.Context, w, i int) error {
			t := b.target.Traffic[(w*13+i)%len(b.target.Traffic)]
			return b.api.Message(ctx, t, fmt.Sprintf("+1777%03d%06d", w, i/4), "hi")
		}
		// beside runs op with hostileWorkers end users for d while as many
		// write plain messages to the seeded senders.
		d := b.cfg.InboundDuration / 2
		beside := func(op func(context.Context, int, int) error) (Result, Result) {
			others := make(chan Result)
			go func() { others <- Run(ctx, hostileWorkers, 0, d, plain) }()
			res := Run(ctx, hostileWorkers, 0, d, op)
			return res, <-others
		}
		// The floor: the same chatbot's plain message, the first of an
		// end user (it opens a session, and is no keyword and no answer).
		opening, calm := beside(func(ctx context.Context, w, i int) error {
			return b.api.Message(ctx, s, fmt.Sprintf("+1666%03d%06d", w, i), "hi")
		})
		// One end user a worker: a first message opens its session, the
		// rest are the hostile ones.
		from := func(w int) string { return fmt.Sprintf("+1555%03d", w) }
		if r := Run(ctx, hostileWorkers, hostileWorkers, 0, func(ctx context.Context, _, i int) error {
			return b.api.Message(ctx, s, from(i), "hi")
		}); r.FirstErr != nil {
			b.skip(name, r.FirstErr.Error())
			continue
		}
		stop := b.profile(ctx, "hostile-"+slug(h.name[:strings.IndexByte(h.name, ' ')]), d)
		res, during := beside(func(ctx context.Context, w, _ int) error {
			return b.api.Message(ctx, s, from(w), h.text)
		})
		stop()
		row := latencyRow(name, res.Stat(), opening.Stat(), fmt.Sprintf("the same chatbot's plain first message, %d end users", hostileWorkers))
		row.Note = strings.TrimPrefix(row.Note+fmt.Sprintf("; %d end users at once, each beside %d writing to other senders", hostileWorkers, hostileWorkers), "; ")
		b.add(row)
		b.add(latencyRow("other senders beside it: "+h.name, during.Stat(), calm.Stat(),
			fmt.Sprintf("the same %d end users beside the plain messages", hostileWorkers)))
	}
}

// hostileSender imports the hostile chatbot, gives it a sender of its own
// and activates it; it returns the sender.
func (b *run) hostileSender(ctx context.Context, h hostileBot) (Sender, error) {
	var s Sender
	if err := b.api.Do(ctx, http.MethodPost, "/api/v1/senders", map[string]string{"channel": "sms", "address": h.address}, &s); err != nil {
		return s, err
	}
	if s.InboundKey == "" {
		var all []Sender
		if err := b.api.Do(ctx, http.MethodGet, "/api/v1/senders", nil, &all); err != nil {
			return s, err
		}
		for _, o := range all {
			if o.ID == s.ID {
				s = o
			}
		}
	}
	var bot Chatbot
	doc := map[string]any{"schema_version": 1, "name": "bench hostile " + h.address, "language": "en", "channel": "sms",
		"session_timeout_seconds": 3600, "definition": h.def}
	if err := b.api.Do(ctx, http.MethodPost, "/api/v1/chatbots", doc, &bot); err != nil {
		return s, err
	}
	if err := b.api.Do(ctx, http.MethodPatch, fmt.Sprintf("/api/v1/chatbots/%d", bot.ID), map[string]any{"sender_id": s.ID}, nil); err != nil {
		return s, err
	}
	err := b.api.Do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/chatbots/%d/activate", bot.ID),
		map[string]any{"override_warnings": true, "reason": "bench: a hostile definition (issue #24)"}, nil)
	return s, err
}
