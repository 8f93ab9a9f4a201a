package chatbot

import (
	"maps"
	"strings"
)

// MaxSteps is how many elements one inbound message may run.
const MaxSteps = 100

// DefaultMaxTries is how many answers a question takes when its MaxTries
// is unset.
const DefaultMaxTries = 3

// DefaultRetryText is sent after an invalid answer when the question has
// no retry text.
const DefaultRetryText = "Sorry, I did not understand that."

// State is where a session stands between two inbound messages. The
// runtime stores it as JSON; the zero State is a session whose next input
// is a trigger.
type State struct {
	Dialog  string            `json:"dialog"`
	Index   int               `json:"index"`
	Waiting bool              `json:"waiting"` // waiting for input at Dialog/Index
	Tries   int               `json:"tries,omitempty"`
	Attrs   map[string]string `json:"attrs,omitempty"`
}

// Result is what one inbound message produced.
type Result struct {
	Replies      []string
	State        State
	Closed       bool     // a close element ran: the session is completed
	StepLimit    bool     // the step limit stopped the run: the session must be closed
	Entered      []string // dialog ids entered during this step, in order (for analytics)
	FallbackHits int      // times the fallback was entered because input matched nothing or tries ran out
}

// Start runs a new session: the entry dialog from its first element. The
// message that opened the session is not an answer to anything.
func Start(def *Definition) Result {
	r := newRun(def, State{})
	r.restart()
	return r.result()
}

// Continue runs the session on with the next inbound message. When the
// state is not waiting for input the message is a trigger and the entry
// dialog runs from the top.
func Continue(def *Definition, st State, input string) Result {
	// Stored answers must survive the state's trip through JSON.
	input = strings.ToValidUTF8(input, "\uFFFD")
	r := newRun(def, st)
	if !st.Waiting {
		r.restart()
		return r.result()
	}
	el, ok := r.current()
	if !ok {
		// The state points at nothing that waits (the definition changed
		// under it, or the state was tampered with): start over.
		r.restart()
		return r.result()
	}
	r.st.Waiting = false
	r.steps++
	switch el.Type {
	case ElementQuestion:
		r.answer(el, input)
	case ElementKeywords:
		r.choose(el, input)
	}
	return r.result()
}

// run is one call of Start or Continue.
type run struct {
	def   *Definition
	st    State
	res   Result
	steps int
}

func newRun(def *Definition, st State) *run {
	if def == nil {
		def = &Definition{}
	}
	st.Attrs = maps.Clone(st.Attrs)
	if st.Attrs == nil {
		st.Attrs = map[string]string{}
	}
	return &run{def: def, st: st}
}

func (r *run) result() Result {
	r.res.State = r.st
	if len(r.res.State.Attrs) == 0 {
		r.res.State.Attrs = nil
	}
	return r.res
}

// current returns the element the state waits at, if it is one that waits.
func (r *run) current() (Element, bool) {
	d, _ := r.def.DialogByID(r.st.Dialog)
	if d == nil || r.st.Index < 0 || r.st.Index >= len(d.Elements) {
		return Element{}, false
	}
	el := d.Elements[r.st.Index]
	return el, el.Type == ElementQuestion || el.Type == ElementKeywords
}

func (r *run) reply(text string) {
	if text = fill(text, r.st.Attrs); !blank(text) {
		r.res.Replies = append(r.res.Replies, text)
	}
}

// restart runs the entry dialog from the top.
func (r *run) restart() {
	r.enter(r.def.Entry)
	r.exec()
}

// enter moves to the first element of a dialog. Entering a dialog that does
// not exist leaves the state pointing at it, and exec ends the turn there.
func (r *run) enter(id string) {
	r.st.Dialog, r.st.Index, r.st.Tries, r.st.Waiting = id, 0, 0, false
	if d, _ := r.def.DialogByID(id); d != nil {
		r.res.Entered = append(r.res.Entered, id)
	}
}

// enterFallback enters the fallback dialog, if there is one, and says so.
func (r *run) enterFallback() bool {
	if d, _ := r.def.DialogByID(r.def.Fallback); r.def.Fallback == "" || d == nil {
		return false
	}
	r.res.FallbackHits++
	r.enter(r.def.Fallback)
	return true
}

// exec runs elements from the current position until one waits, the
// session closes, the dialog ends or the step limit is reached.
func (r *run) exec() {
	for {
		d, _ := r.def.DialogByID(r.st.Dialog)
		if d == nil || r.st.Index < 0 || r.st.Index >= len(d.Elements) {
			// End of the dialog: the turn ends and the next input is a
			// trigger.
			r.st.Dialog, r.st.Index, r.st.Tries, r.st.Waiting = r.def.Entry, 0, 0, false
			return
		}
		if r.steps >= MaxSteps {
			r.res.StepLimit = true
			return
		}
		r.steps++
		el := d.Elements[r.st.Index]
		switch el.Type {
		case ElementMessage:
			r.reply(el.Text)
			r.st.Index++
		case ElementQuestion:
			r.reply(el.Text)
			r.st.Waiting = true
			return
		case ElementKeywords:
			r.st.Waiting = true
			return
		case ElementCondition:
			if evaluate(el, r.st.Attrs) {
				r.enter(el.Dialog)
			} else {
				r.st.Index++
			}
		case ElementGoto:
			r.enter(el.Dialog)
		case ElementClose:
			r.reply(el.Text)
			r.res.Closed = true
			return
		default:
			r.st.Index++
		}
	}
}

// answer takes input as the answer to a question.
func (r *run) answer(el Element, input string) {
	typ := AttributeText
	if a, ok := r.def.AttributeByName(el.Attribute); ok {
		typ = a.Type
	}
	if v, ok := checkAnswer(typ, input); ok {
		if el.Attribute != "" {
			r.st.Attrs[el.Attribute] = v
		}
		r.st.Tries = 0
		r.st.Index++
		r.exec()
		return
	}
	r.st.Tries++
	limit := el.MaxTries
	if limit <= 0 {
		limit = DefaultMaxTries
	}
	if r.st.Tries < limit {
		retry := el.RetryText
		if blank(retry) {
			retry = DefaultRetryText
		}
		r.reply(retry)
		r.reply(el.Text)
		r.st.Waiting = true
		return
	}
	r.st.Tries = 0
	if !r.enterFallback() {
		r.st.Index++
	}
	r.exec()
}

// choose takes input as the choice at a keywords element.
func (r *run) choose(el Element, input string) {
	in := normalise(input)
	for _, b := range el.Branches {
		for _, kw := range b.Keywords {
			if containsWords(in, normalise(kw)) {
				r.enter(b.Dialog)
				r.exec()
				return
			}
		}
	}
	if r.def.Fallback != r.st.Dialog && r.enterFallback() {
		r.exec()
		return
	}
	r.st.Waiting = true
}
