package chatbots

import (
	"context"
	"strings"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/who"
)

// Template is a chatbot to start from: a valid definition with
// conversation tests that pass, and the placeholders its texts hold for
// the designer to replace ("[phone number]") before going live.
type Template struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Summary string `json:"summary"`
	// Placeholders are the bracketed stand-ins in its texts, each with
	// what to put there.
	Placeholders []Placeholder `json:"placeholders"`
	def          func() *chatbot.Definition
}

// Placeholder is a stand-in text of a template and what replaces it.
type Placeholder struct {
	Text    string `json:"text"`
	Explain string `json:"explain"`
}

// Definition is a fresh copy of the template's definition.
func (t Template) Definition() *chatbot.Definition { return t.def() }

// ActionCreatedFromTemplate's details name the template; the action is
// ActionCreated.
const detailTemplate = "template"

// Templates lists the templates New chatbot offers, in order.
func Templates() []Template {
	return []Template{
		{ID: "faq", Name: "FAQ with contact details",
			Summary: "Answers questions about opening hours, prices and delivery by keyword, and tells people how to reach a person (phone and email) when it cannot help.",
			Placeholders: []Placeholder{
				{"[opening hours]", "When you are open, e.g. 9:00–17:00, Monday to Friday."},
				{"[prices]", "A sentence on your prices, or where to find them."},
				{"[delivery times]", "How long delivery takes and where you deliver."},
				{"[phone number]", "The number where a person answers."},
				{"[email address]", "The address where a person answers."},
			}, def: faqTemplate},
		{ID: "appointment", Name: "Appointment booking",
			Summary: "Asks for a name, a day and a phone number, reads the request back and asks to confirm; the team calls back to fix the time. It does not see your calendar.",
			Placeholders: []Placeholder{
				{"[business name]", "Your business's name, as people know it."},
				{"[call-back time]", "When the team calls back, e.g. within one working day."},
			}, def: appointmentTemplate},
		{ID: "lead", Name: "Lead capture",
			Summary: "Asks what someone is interested in, their name and their email, and says when sales will write.",
			Placeholders: []Placeholder{
				{"[business name]", "Your business's name."},
				{"[reply time]", "When sales writes back, e.g. within two working days."},
			}, def: leadTemplate},
		{ID: "order-status", Name: "Order status",
			Summary: "Asks for an order number, gives the link where the order can be tracked, and offers buttons for a question (your support address) or goodbye. It does not look orders up itself.",
			Placeholders: []Placeholder{
				{"[tracking page]", "The address of your order-tracking page, e.g. https://shop.example/track."},
				{"[email address]", "Your support address for questions about an order."},
			}, def: orderTemplate},
	}
}

// TemplateByID finds a template.
func TemplateByID(id string) (Template, bool) {
	for _, t := range Templates() {
		if t.ID == id {
			return t, true
		}
	}
	return Template{}, false
}

func templateIDs() string {
	var ids []string
	for _, t := range Templates() {
		ids = append(ids, t.ID)
	}
	return strings.Join(ids, ", ")
}

// CreateFromTemplate creates an inactive chatbot with in's settings and
// the definition of the template named id: the same permission, checks
// and audit entry (its details name the template) as Create.
func (s *Service) CreateFromTemplate(ctx context.Context, a who.Actor, id string, in Settings) (store.Chatbot, error) {
	t, ok := TemplateByID(id)
	if !ok {
		return store.Chatbot{}, problem.Field("template", "There is no template %q; choose one of %s.", id, templateIDs())
	}
	return s.create(ctx, a, in, t.Definition(), ActionCreated, map[string]any{detailTemplate: t.ID})
}

func msg(text string) chatbot.Element {
	return chatbot.Element{Type: chatbot.ElementMessage, Text: text}
}
func jump(dialog string) chatbot.Element {
	return chatbot.Element{Type: chatbot.ElementGoto, Dialog: dialog}
}
func ask(text, attr, retry string) chatbot.Element {
	return chatbot.Element{Type: chatbot.ElementQuestion, Text: text, Attribute: attr, RetryText: retry, MaxTries: 3}
}
func bye(text string) chatbot.Element { return chatbot.Element{Type: chatbot.ElementClose, Text: text} }
func turn(say string, expect ...string) chatbot.TestTurn {
	return chatbot.TestTurn{Say: say, Expect: expect}
}

func faqTemplate() *chatbot.Definition {
	menu := "You can ask about opening hours, prices or delivery, or type \"person\" to reach us."
	return &chatbot.Definition{
		Attributes: []chatbot.Attribute{},
		Entry:      "start", Fallback: "fallback",
		Dialogs: []chatbot.Dialog{
			{ID: "start", Name: "Welcome", Elements: []chatbot.Element{msg("Hello! " + menu), jump("menu")}},
			{ID: "menu", Name: "Topics", Elements: []chatbot.Element{{Type: chatbot.ElementKeywords, Branches: []chatbot.Branch{
				{Keywords: []string{"hours", "opening", "open", "when"}, Dialog: "hours"},
				{Keywords: []string{"price", "prices", "cost", "how much"}, Dialog: "prices"},
				{Keywords: []string{"delivery", "shipping", "deliver"}, Dialog: "delivery"},
				{Keywords: []string{"person", "human", "agent", "contact", "call"}, Dialog: "contact"},
				{Keywords: []string{"bye", "thanks", "thank you"}, Dialog: "bye"},
			}}}},
			{ID: "hours", Name: "Opening hours", Elements: []chatbot.Element{msg("We are open [opening hours]."), jump("menu")}},
			{ID: "prices", Name: "Prices", Elements: []chatbot.Element{msg("[prices]"), jump("menu")}},
			{ID: "delivery", Name: "Delivery", Elements: []chatbot.Element{msg("[delivery times]"), jump("menu")}},
			{ID: "contact", Name: "Reach a person", Elements: []chatbot.Element{
				msg("A person answers at [phone number] or by email at [email address]."), jump("menu")}},
			{ID: "bye", Name: "Goodbye", Elements: []chatbot.Element{bye("Thank you, goodbye!")}},
			{ID: "fallback", Name: "Not understood", Elements: []chatbot.Element{
				msg("Sorry, I did not understand. " + menu), jump("menu")}},
		},
		Tests: []chatbot.Test{
			{Name: "greets and answers hours", Turns: []chatbot.TestTurn{
				turn("hi", "Hello! "+menu), turn("when are you open?", "We are open [opening hours].")}},
			{Name: "says how to reach a person", Turns: []chatbot.TestTurn{
				turn("hi", "Hello! "+menu), turn("I want a person", "A person answers at [phone number] or by email at [email address].")}},
			{Name: "falls back and says goodbye", Turns: []chatbot.TestTurn{
				turn("hi", "Hello! "+menu), turn("blue", "Sorry, I did not understand. "+menu), turn("thanks", "Thank you, goodbye!")}},
		},
	}
}

func appointmentTemplate() *chatbot.Definition {
	return &chatbot.Definition{
		Attributes: []chatbot.Attribute{{Name: "name", Type: chatbot.AttributeText}, {Name: "day", Type: chatbot.AttributeDate},
			{Name: "phone", Type: chatbot.AttributePhone}, {Name: "confirmed", Type: chatbot.AttributeYesNo}},
		Entry: "start", Fallback: "fallback",
		Dialogs: []chatbot.Dialog{
			{ID: "start", Name: "Welcome", Elements: []chatbot.Element{
				msg("Hello! I can request an appointment at [business name] for you."),
				ask("What is your name?", "name", "I did not get a name."),
				ask("Which day would suit you? (for example 2027-03-14)", "day", "That is not a date I can read."),
				ask("Which phone number can we call you on?", "phone", "That is not a phone number I can read."),
				ask("{{name}}, shall I request an appointment on {{day}}, calling you on {{phone}}? (yes or no)", "confirmed", "I need a yes or a no."),
				{Type: chatbot.ElementCondition, Attribute: "confirmed", Operator: chatbot.OpEq, Value: "yes", Dialog: "booked"},
				jump("cancelled")}},
			{ID: "booked", Name: "Requested", Elements: []chatbot.Element{
				bye("Thank you, {{name}}. We will call you on {{phone}} [call-back time] to fix the time on {{day}}.")}},
			{ID: "cancelled", Name: "Not requested", Elements: []chatbot.Element{
				bye("No appointment was requested. Write again whenever you like.")}},
			{ID: "fallback", Name: "Not understood", Elements: []chatbot.Element{
				bye("Sorry, I could not follow. Write again to start over.")}},
		},
		Tests: []chatbot.Test{
			{Name: "requests an appointment", Turns: []chatbot.TestTurn{
				turn("hi", "Hello! I can request an appointment at [business name] for you.", "What is your name?"),
				turn("Ada", "Which day would suit you? (for example 2027-03-14)"),
				turn("2027-03-14", "Which phone number can we call you on?"),
				turn("+1 555 0100", "Ada, shall I request an appointment on 2027-03-14, calling you on +15550100? (yes or no)"),
				turn("yes", "Thank you, Ada. We will call you on +15550100 [call-back time] to fix the time on 2027-03-14.")}},
			{Name: "asks again for a date", Turns: []chatbot.TestTurn{
				turn("hi", "Hello! I can request an appointment at [business name] for you.", "What is your name?"),
				turn("Bo", "Which day would suit you? (for example 2027-03-14)"),
				turn("soon", "That is not a date I can read.", "Which day would suit you? (for example 2027-03-14)")}},
		},
	}
}

func leadTemplate() *chatbot.Definition {
	return &chatbot.Definition{
		Attributes: []chatbot.Attribute{{Name: "interest", Type: chatbot.AttributeText}, {Name: "name", Type: chatbot.AttributeText},
			{Name: "email", Type: chatbot.AttributeEmail}},
		Entry: "start", Fallback: "fallback",
		Dialogs: []chatbot.Dialog{
			{ID: "start", Name: "Welcome", Elements: []chatbot.Element{
				msg("Hello! Thanks for your interest in [business name]."),
				ask("What are you looking for?", "interest", "I did not get that."),
				ask("What is your name?", "name", "I did not get a name."),
				ask("Which email address should we write to?", "email", "That does not look like an email address."),
				bye("Thank you, {{name}}. Sales will write to {{email}} about \"{{interest}}\" [reply time].")}},
			{ID: "fallback", Name: "Not understood", Elements: []chatbot.Element{
				bye("Sorry, I could not follow. Write again to start over.")}},
		},
		Tests: []chatbot.Test{
			{Name: "takes a lead", Turns: []chatbot.TestTurn{
				turn("hi", "Hello! Thanks for your interest in [business name].", "What are you looking for?"),
				turn("a quote for 20 chairs", "What is your name?"),
				turn("Ada", "Which email address should we write to?"),
				turn("ada@example.com", "Thank you, Ada. Sales will write to ada@example.com about \"a quote for 20 chairs\" [reply time].")}},
			{Name: "asks again for an email", Turns: []chatbot.TestTurn{
				turn("hi", "Hello! Thanks for your interest in [business name].", "What are you looking for?"),
				turn("chairs", "What is your name?"),
				turn("Bo", "Which email address should we write to?"),
				turn("no thanks", "That does not look like an email address.", "Which email address should we write to?")}},
		},
	}
}

func orderTemplate() *chatbot.Definition {
	more := "Anything else about order {{order}}?"
	return &chatbot.Definition{
		Attributes: []chatbot.Attribute{{Name: "order", Type: chatbot.AttributeNumber}},
		Entry:      "start", Fallback: "fallback",
		Dialogs: []chatbot.Dialog{
			{ID: "start", Name: "Welcome", Elements: []chatbot.Element{
				ask("Hello! What is your order number?", "order", "An order number is digits only, like 10423."),
				msg("You can follow order {{order}} at [tracking page]."),
				{Type: chatbot.ElementButtons, Text: more, Options: []chatbot.Option{
					{Label: "I have a question", Dialog: "question"}, {Label: "No, thanks", Dialog: "bye"}}}}},
			{ID: "question", Name: "A question", Elements: []chatbot.Element{
				bye("Write to [email address] with the number {{order}} and we will answer. Goodbye!")}},
			{ID: "bye", Name: "Goodbye", Elements: []chatbot.Element{bye("Goodbye!")}},
			{ID: "fallback", Name: "Not understood", Elements: []chatbot.Element{
				bye("Sorry, I could not follow. Write to [email address] and we will help.")}},
		},
		Tests: []chatbot.Test{
			{Name: "gives the tracking page", Turns: []chatbot.TestTurn{
				turn("hi", "Hello! What is your order number?"),
				turn("10423", "You can follow order 10423 at [tracking page].", "Anything else about order 10423?"),
				turn("no, thanks", "Goodbye!")}},
			{Name: "a question by the option's number", Turns: []chatbot.TestTurn{
				turn("hi", "Hello! What is your order number?"),
				turn("10423", "You can follow order 10423 at [tracking page].", "Anything else about order 10423?"),
				turn("1", "Write to [email address] with the number 10423 and we will answer. Goodbye!")}},
			{Name: "asks again for a number", Turns: []chatbot.TestTurn{
				turn("hi", "Hello! What is your order number?"),
				turn("my parcel", "An order number is digits only, like 10423.", "Hello! What is your order number?")}},
		},
	}
}
