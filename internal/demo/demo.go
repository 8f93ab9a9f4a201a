// Package demo fills an empty database with demo data for `answers serve
// --demo`: one user per role, senders on several channels, chatbots that
// use every element type, some of them active, and real traffic played
// through the runtime.
package demo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"text/tabwriter"
	"time"

	"github.com/answers-console/answers/internal/accounts"
	"github.com/answers-console/answers/internal/app"
	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/lifecycle"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// Credential is a demo account's sign-in.
type Credential struct {
	Role     rbac.Role
	Email    string
	Password string
}

// historyDays is how many days of traffic the demo data covers.
const historyDays = 30

// demoBot is a chatbot of the demo data and the conversations its end
// users have.
type demoBot struct {
	name, channel string
	def           *chatbot.Definition
	activate      bool
	traffic       [][]string
}

// demoBots are the demo chatbots: three that go live with their end users'
// conversations, and a draft of a second version of the first.
func demoBots() []demoBot {
	return []demoBot{
		{"Help desk FAQ", "livechat", faq(), true, [][]string{
			{"hi", "what are your opening hours?", "and prices?"},
			{"hello", "Pricing please", "can I talk to a human"},
			{"hey", "blah blah"},
		}},
		{"Order status", "whatsapp", orders(), true, [][]string{
			{"hi", "1042", "no"},
			{"order?", "abc", "7311"},
			{"hello", "2210", "yes", "99"},
		}},
		{"Appointments", "sms", appointments(), true, [][]string{
			{"book", "Ada", "2026-12-03", "yes"},
			{"appointment", "Grace", "next week", "2026-12-04", "no"},
		}},
		{"Help desk FAQ v2", "livechat", faq(), false, nil},
	}
}

// Seed fills an empty database and returns the demo credentials; nil when
// the database already had users. The traffic is real: end users' messages
// routed through the runtime over the last 30 days (the services' clock
// moves through them), with a redeploy half-way, so the dashboard, the
// analytics and the audit log have a history to show.
func Seed(ctx context.Context, a *app.App) ([]Credential, error) {
	n, err := a.Store.CountUsers(ctx)
	if err != nil || n > 0 {
		return nil, err
	}
	y, m, d := time.Now().UTC().AddDate(0, 0, -historyDays).Date()
	sim := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	a.SetClock(func() time.Time { return sim })
	defer a.SetClock(time.Now)

	sys := who.System()
	var creds []Credential
	for _, r := range rbac.Roles() {
		email := r.String() + "@demo.local"
		u, pw, err := a.Accounts.AddUser(ctx, sys, accounts.NewUserInput{Email: email, Name: "Demo " + r.Title(), Role: r.String()})
		if err != nil {
			return nil, fmt.Errorf("demo user %s: %w", email, err)
		}
		creds = append(creds, Credential{Role: u.Role, Email: u.Email, Password: pw})
	}

	snd := map[string]store.Sender{}
	for _, s := range [][2]string{{"livechat", "support"}, {"whatsapp", "+15550101"}, {"sms", "+15550100"}, {"telegram", "answers_demo_bot"}} {
		x, err := a.Senders.Create(ctx, sys, s[0], s[1])
		if err != nil {
			return nil, fmt.Errorf("demo sender %s: %w", s[1], err)
		}
		snd[s[0]] = x
	}

	bots := demoBots()
	live := map[string]store.Chatbot{}
	for _, b := range bots {
		var c store.Chatbot
		if base := live[chatbots.BaseName(b.name)]; base.ID != 0 {
			// "<name> v2" of a live chatbot is its new version: one family,
			// one row on the dashboard.
			c, err = a.Chatbots.NewVersion(ctx, sys, base.ID)
			if err == nil && c.Name != b.name {
				err = fmt.Errorf("the new version is named %q", c.Name)
			}
		} else {
			c, err = a.Chatbots.Create(ctx, sys, chatbots.Settings{Name: b.name, Channel: b.channel, SenderID: snd[b.channel].ID})
		}
		if err != nil {
			return nil, fmt.Errorf("demo chatbot %s: %w", b.name, err)
		}
		if c, err = a.Chatbots.Update(ctx, sys, c.ID, chatbots.Edit{Version: c.Version, Apply: chatbots.ReplaceDefinition(b.def)}); err != nil {
			return nil, fmt.Errorf("demo chatbot %s: %w", b.name, err)
		}
		if !b.activate {
			continue
		}
		if _, err := a.Lifecycle.Activate(ctx, sys, c.ID, lifecycle.ActivateOptions{OverrideWarnings: true, Reason: "demo data"}); err != nil {
			return nil, fmt.Errorf("activate demo chatbot %s: %w", b.name, err)
		}
		live[b.name] = c
	}

	// Each day, each live chatbot has a few conversations (more as the
	// weeks go by), one after another with a minute or so between
	// messages; the sweeper runs as the clock moves.
	rnd := rand.New(rand.NewPCG(1, 2))
	start := sim
	for day := range historyDays + 1 { // the last one is today, up to an hour ago
		if day == historyDays/2 {
			if err := redeploy(ctx, a, live["Order status"]); err != nil {
				return nil, err
			}
		}
		for hour := 7; hour < 21; hour++ {
			sim = start.AddDate(0, 0, day).Add(time.Duration(hour) * time.Hour)
			if sim.After(time.Now().Add(-time.Hour)) {
				break // no traffic from the future
			}
			for i, b := range bots[:3] {
				if rnd.IntN(100) >= 25+day*2 {
					continue
				}
				conv := b.traffic[rnd.IntN(len(b.traffic))]
				user := fmt.Sprintf("demo-user-%d-%d", i+1, rnd.IntN(40))
				if b.channel != "livechat" {
					user = fmt.Sprintf("+1555020%d%02d", i, rnd.IntN(40))
				}
				for _, text := range conv {
					sim = sim.Add(time.Duration(20+rnd.IntN(70)) * time.Second)
					if _, err := a.Routing.Route(ctx, snd[b.channel], user, text); err != nil {
						return nil, fmt.Errorf("demo traffic for %s: %w", b.name, err)
					}
				}
			}
			if err := a.Sweep(ctx); err != nil {
				return nil, err
			}
		}
	}
	return creds, nil
}

// redeploy puts a new version of a live chatbot on its sender, with a
// grace period for the sessions of the first.
func redeploy(ctx context.Context, a *app.App, bot store.Chatbot) error {
	sys := who.System()
	c, err := a.Chatbots.NewVersion(ctx, sys, bot.ID) // "<name> v2"
	if err != nil {
		return fmt.Errorf("demo redeploy: %w", err)
	}
	greet := func(_ *chatbots.Settings, def *chatbot.Definition) (string, error) {
		def.Dialogs[0].Elements[0].Text = "Hi! I can look up your order. (v2)"
		return "greeting changed", nil
	}
	if c, err = a.Chatbots.Update(ctx, sys, c.ID, chatbots.Edit{Version: c.Version, Apply: greet}); err != nil {
		return fmt.Errorf("demo redeploy: %w", err)
	}
	_, err = a.Lifecycle.Activate(ctx, sys, c.ID, lifecycle.ActivateOptions{OverrideWarnings: true, Reason: "demo data: new greeting", PreviousGrace: lifecycle.GraceOf(2 * time.Hour)})
	if err != nil {
		return fmt.Errorf("demo redeploy: %w", err)
	}
	return nil
}

// Print writes the credentials as a table.
func Print(w io.Writer, creds []Credential) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROLE\tEMAIL\tPASSWORD")
	for _, c := range creds {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Role, c.Email, c.Password)
	}
	tw.Flush()
}

// say is a test turn that expects exactly these replies; contains one
// that expects replies containing each text.
func say(text string, replies ...string) chatbot.TestTurn {
	return chatbot.TestTurn{Say: text, Expect: replies}
}
func contains(text string, parts ...string) chatbot.TestTurn {
	return chatbot.TestTurn{Say: text, Expect: parts, Match: chatbot.MatchContains}
}

func msg(text string) chatbot.Element {
	return chatbot.Element{Type: chatbot.ElementMessage, Text: text}
}
func jump(d string) chatbot.Element   { return chatbot.Element{Type: chatbot.ElementGoto, Dialog: d} }
func bye(text string) chatbot.Element { return chatbot.Element{Type: chatbot.ElementClose, Text: text} }
func ask(attr, text, retry string) chatbot.Element {
	return chatbot.Element{Type: chatbot.ElementQuestion, Attribute: attr, Text: text, RetryText: retry, MaxTries: 3}
}
func when(attr, op, value, d string) chatbot.Element {
	return chatbot.Element{Type: chatbot.ElementCondition, Attribute: attr, Operator: op, Value: value, Dialog: d}
}

// faq answers questions by keywords.
func faq() *chatbot.Definition {
	return &chatbot.Definition{
		Entry: "start", Fallback: "fallback",
		Dialogs: []chatbot.Dialog{
			{ID: "start", Name: "Start", Elements: []chatbot.Element{
				msg("Hello! Ask me about our opening hours, prices, or talking to a person."), jump("menu")}},
			{ID: "menu", Name: "Menu", Elements: []chatbot.Element{{Type: chatbot.ElementKeywords, Branches: []chatbot.Branch{
				{Keywords: []string{"hours", "opening", "open", "horario"}, Dialog: "hours"},
				{Keywords: []string{"price", "prices", "pricing", "cost", "precio"}, Dialog: "prices"},
				{Keywords: []string{"human", "person", "agent"}, Dialog: "agent"},
			}}}},
			{ID: "hours", Name: "Opening hours", Elements: []chatbot.Element{msg("We are open 9:00–17:00, Monday to Friday."), jump("menu")}},
			{ID: "prices", Name: "Prices", Elements: []chatbot.Element{msg("Plans start at 29 € a month; see our website for details."), jump("menu")}},
			{ID: "agent", Name: "Talk to a person", Elements: []chatbot.Element{{Type: chatbot.ElementHandover,
				Text: "A person will write to you here shortly.", Queue: "support", Note: "Asked for a person in the FAQ"}}},
			{ID: "fallback", Name: "Not understood", Elements: []chatbot.Element{msg("Sorry, I can help with hours, prices or a person."), jump("menu")}},
		},
		Tests: []chatbot.Test{
			{Name: "opening hours and prices", Turns: []chatbot.TestTurn{
				say("hi", "Hello! Ask me about our opening hours, prices, or talking to a person."),
				say("what are your opening hours?", "We are open 9:00–17:00, Monday to Friday."),
				say("and prices?", "Plans start at 29 € a month; see our website for details."),
			}},
			{Name: "a person", Turns: []chatbot.TestTurn{
				contains("hello", "opening hours"),
				{Say: "can I talk to a human", Expect: []string{"A person will write to you here shortly."}, Handover: true},
			}},
			{Name: "fallback", Turns: []chatbot.TestTurn{
				contains("hey", "Hello!"),
				say("blah blah", "Sorry, I can help with hours, prices or a person."),
			}},
		},
	}
}

// orders asks for an order number (a typed question) and branches on it.
func orders() *chatbot.Definition {
	return &chatbot.Definition{
		Attributes: []chatbot.Attribute{{Name: "order_id", Type: "number"}, {Name: "more", Type: "yesno"}},
		Entry:      "start", Fallback: "fallback",
		Dialogs: []chatbot.Dialog{
			{ID: "start", Name: "Start", Elements: []chatbot.Element{
				msg("Hi! I can tell you where your order is."),
				ask("order_id", "What is your order number?", "Order numbers are digits only, like 1042."),
				when("order_id", "gt", "5000", "not_found"),
				msg("Order {{order_id}} has shipped and arrives within 2 days."),
				ask("more", "Anything else I can check? (yes/no)", "Please answer yes or no."),
				when("more", "eq", "yes", "start"),
				bye("Thanks for writing. Goodbye!"),
			}},
			{ID: "not_found", Name: "Unknown order", Elements: []chatbot.Element{bye("I cannot find order {{order_id}}. Please check the number and write again.")}},
			{ID: "fallback", Name: "Not understood", Elements: []chatbot.Element{bye("Sorry, I could not understand the order number. Please write again.")}},
		},
		Tests: []chatbot.Test{
			{Name: "a shipped order", Turns: []chatbot.TestTurn{
				contains("hi", "What is your order number?"),
				say("1042", "Order 1042 has shipped and arrives within 2 days.", "Anything else I can check? (yes/no)"),
				say("no", "Thanks for writing. Goodbye!"),
			}},
			{Name: "a wrong number", Turns: []chatbot.TestTurn{
				contains("order?", "What is your order number?"),
				say("abc", "Order numbers are digits only, like 1042.", "What is your order number?"),
				say("7311", "I cannot find order 7311. Please check the number and write again."),
			}},
			{Name: "one more", Turns: []chatbot.TestTurn{
				contains("hello", "What is your order number?"),
				contains("2210", "Anything else"),
				contains("yes", "What is your order number?"),
				contains("99", "Order 99 has shipped"),
			}},
		},
	}
}

// appointments books a slot with typed questions and a condition.
func appointments() *chatbot.Definition {
	return &chatbot.Definition{
		Attributes: []chatbot.Attribute{{Name: "name", Type: "text"}, {Name: "day", Type: "date"}, {Name: "morning", Type: "yesno"}},
		Entry:      "start", Fallback: "fallback",
		Dialogs: []chatbot.Dialog{
			{ID: "start", Name: "Start", Elements: []chatbot.Element{
				ask("name", "Let's book your appointment. What is your name?", ""),
				ask("day", "Which day suits you, {{name}}? (YYYY-MM-DD)", "Please write the day like 2026-12-03."),
				ask("morning", "Do you prefer the morning? (yes/no)", "Please answer yes or no."),
				when("morning", "eq", "yes", "morning"),
				bye("Booked, {{name}}: {{day}} at 15:00. See you then!"),
			}},
			{ID: "morning", Name: "Morning slot", Elements: []chatbot.Element{bye("Booked, {{name}}: {{day}} at 9:30. See you then!")}},
			{ID: "fallback", Name: "Not understood", Elements: []chatbot.Element{bye("Sorry, I could not book that. Please write again to start over.")}},
		},
		Tests: []chatbot.Test{
			{Name: "a morning booking", Turns: []chatbot.TestTurn{
				say("book", "Let's book your appointment. What is your name?"),
				say("Ada", "Which day suits you, Ada? (YYYY-MM-DD)"),
				say("2026-12-03", "Do you prefer the morning? (yes/no)"),
				say("yes", "Booked, Ada: 2026-12-03 at 9:30. See you then!"),
			}},
			{Name: "a day written wrong, then an afternoon", Turns: []chatbot.TestTurn{
				contains("appointment", "What is your name?"),
				contains("Grace", "Grace"),
				say("next week", "Please write the day like 2026-12-03.", "Which day suits you, Grace? (YYYY-MM-DD)"),
				contains("2026-12-04", "morning"),
				say("no", "Booked, Grace: 2026-12-04 at 15:00. See you then!"),
			}},
		},
	}
}
