package chatbot

import (
	"fmt"
	"strconv"
	"strings"
)

// Bounds of a buttons element. Validate reports a definition past them;
// the engine never reads more than MaxOptions options of an element, so a
// draft past them costs no more in a test chat.
const (
	// MaxOptions is how many options a buttons element has at most: as
	// many as a WhatsApp list shows.
	MaxOptions = 10
	// MaxLabelRunes is the longest an option's label is, in characters.
	MaxLabelRunes = 40
)

// options returns the options the engine reads of a buttons element.
func options(el Element) []Option {
	return el.Options[:min(len(el.Options), MaxOptions)]
}

// labels are the choices a buttons element shows: its options' labels.
func labels(el Element) []string {
	opts := options(el)
	out := make([]string, len(opts))
	for i, o := range opts {
		out[i] = strings.TrimSpace(o.Label)
	}
	return out
}

// show sends a buttons element's text and waits for a choice.
func (r *run) show(el Element) {
	choices := labels(el)
	r.note(EventChoices, strings.Join(choices, " | "))
	r.reply(el.Text)
	r.st.Waiting = true
	r.st.Choices = choices
}

// pick takes input as the choice at a buttons element (the one the state
// points at): an option's label, typed or clicked (both normalised, so
// case, accents and punctuation do not matter), or its number. Anything
// else is input no keyword matched (see unmatched).
func (r *run) pick(el Element, in Input) {
	at := elementAt{r.st.Dialog, r.st.Index}
	opts := options(el)
	i, how := r.prog.labelsAt(at, el).match(in.words)
	if i >= 0 {
		r.note(EventOption, fmt.Sprintf("%d “%s” by its %s", i+1, strings.TrimSpace(opts[i].Label), how))
		r.res.Branch = strings.TrimSpace(opts[i].Label)
		r.enter(opts[i].Dialog)
		r.exec()
		return
	}
	r.unmatched()
	if r.st.Waiting && r.st.Dialog == at.dialog && r.st.Index == at.index {
		r.st.Choices = labels(el) // still waiting here: the same buttons
	}
}

// optionLabels are a buttons element's labels, normalised.
type optionLabels []string

// match returns the option input (normalised) chooses and how, by its
// "label" or its "number", or -1.
func (ls optionLabels) match(in string) (int, string) {
	for i, l := range ls {
		if l != "" && l == in {
			return i, "label"
		}
	}
	if len(in) <= 3 {
		if n, err := strconv.Atoi(in); err == nil && n >= 1 && n <= len(ls) {
			return n - 1, "number"
		}
	}
	return -1, ""
}

// labelsAt returns the normalised labels of the buttons element el at pos,
// working them out on first use.
func (p *Program) labelsAt(pos elementAt, el Element) optionLabels {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ls, ok := p.labels[pos]; ok {
		return ls
	}
	opts := options(el)
	ls := make(optionLabels, len(opts))
	for i, o := range opts {
		ls[i] = normalise(o.Label)
	}
	if p.labels == nil {
		p.labels = map[elementAt]optionLabels{}
	}
	p.labels[pos] = ls
	return ls
}

// ChoicesInText says whether a channel shows a reply's choices only as
// text: an SMS cannot show buttons, so its gateway gets them as a
// numbered list at the end of the last reply (see WithChoiceList).
func ChoicesInText(channel string) bool { return channel == "sms" }

// ChoiceList is the numbered list of choices: "1. Prices\n2. Opening
// hours".
func ChoiceList(choices []string) string {
	var b strings.Builder
	for i, c := range choices {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strconv.Itoa(i+1) + ". " + c)
	}
	return b.String()
}

// WithChoiceList returns replies with the numbered list of choices
// appended to the last one, on a line of its own (or as the only reply
// when there is none). replies is not changed.
func WithChoiceList(replies, choices []string) []string {
	if len(choices) == 0 {
		return replies
	}
	list := ChoiceList(choices)
	out := append([]string(nil), replies...)
	if len(out) == 0 {
		return append(out, list)
	}
	out[len(out)-1] += "\n" + list
	return out
}
