package chatbot

import (
	"fmt"
	"maps"
	"strings"
	"unicode/utf8"
)

// MaxSteps is how many elements one inbound message may run.
const MaxSteps = 100

// The bounds of a turn's output (SPEC §4b): whatever the definition and
// the stored answers, one inbound message makes at most MaxTurnReplies
// replies of at most MaxTurnBytes together, each at most MaxTextRunes
// characters. Validate states them (CodeTextMayBeCut) where a text can
// reach them; the trace of a test chat says where the engine cut.
const (
	// MaxTextRunes is the longest a text is sent, in characters, once its
	// placeholders are filled: a longer one is cut, its last character
	// an ellipsis.
	MaxTextRunes = 4096
	// MaxPlaceholderRunes is how much of an attribute's value a
	// placeholder shows, in characters: a longer value is cut, its last
	// character an ellipsis.
	MaxPlaceholderRunes = 1024
	// MaxTextPlaceholders is how many placeholders of a text are filled:
	// the text is cut at the next one, so that filling costs little
	// even when the values are empty.
	MaxTextPlaceholders = 1000
	// MaxTurnReplies is how many replies one inbound message gets: those
	// after it are not sent.
	MaxTurnReplies = 20
	// MaxTurnBytes is how many bytes of UTF-8 the replies to one inbound
	// message hold together: the reply that reaches it is cut, ending in
	// an ellipsis, and those after it are not sent.
	MaxTurnBytes = 16 << 10
)

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
	// Choices are the labels of the buttons element the session waits
	// at, kept so that a page can show them as buttons without the
	// definition; nil when it waits at none.
	Choices []string `json:"choices,omitempty"`
}

// Result is what one inbound message produced.
type Result struct {
	Replies      []string
	State        State
	Closed       bool     // a close element ran: the session is completed
	StepLimit    bool     // the step limit stopped the run: the session must be closed
	Entered      []string // dialog ids entered during this step, in order (for analytics)
	FallbackHits int      // times the fallback was entered because input matched nothing or tries ran out
	Branch       string   // the keyword that chose a branch, "" if none did (for the transcript)
	Cut          bool     // a text or the turn reached its bound and was cut (see MaxTextRunes)
	Steps        []Step   // what the engine did, in order; only from StartTraced and ContinueTraced
	// Choices are the options of the last reply: the labels of the
	// buttons element the session now waits at, empty when it waits at
	// none (never nil). A channel that can show buttons shows them with
	// the replies.
	Choices []string
	// Handover is set when a handover element ran: the turn ended there
	// and the conversation now waits for a person (SPEC §11).
	Handover *Handover
}

// Handover is what a handover element asked for.
type Handover struct {
	Queue  string `json:"queue,omitempty"`
	Note   string `json:"note,omitempty"`
	Dialog string `json:"dialog"`  // the dialog of the element
	Index  int    `json:"element"` // the element's 0-based position in Dialog
}

// Step is one thing the engine did during a turn, for a designer's test
// chat. Element is the element's 1-based position in Dialog, 0 when the
// step is about the dialog as a whole.
type Step struct {
	Dialog  string `json:"dialog"`
	Element int    `json:"element"`
	Event   string `json:"event"`
	Detail  string `json:"detail,omitempty"`
}

// Step events.
const (
	EventEntered        = "entered"        // a dialog was entered
	EventMessage        = "message"        // a message was sent
	EventAsked          = "asked"          // a question was asked; the engine waits for its answer
	EventAnswered       = "answered"       // an answer was stored (Detail: attribute=value)
	EventInvalid        = "invalid_answer" // an answer was refused; the question is asked again
	EventTriesOut       = "tries_exhausted"
	EventWaiting        = "waiting"  // a keywords element waits for input
	EventBranch         = "branch"   // a keyword matched (Detail: the keyword)
	EventFuzzy          = "fuzzy"    // a word matched a keyword word one edit away (Detail: matched 'pirces' as 'prices')
	EventNoMatch        = "no_match" // no keyword or option matched
	EventChoices        = "choices"  // a buttons element showed its options and waits for a choice
	EventOption         = "option"   // an option was chosen (Detail: how)
	EventFallback       = "fallback" // the fallback dialog is entered
	EventConditionTrue  = "condition_true"
	EventConditionFalse = "condition_false"
	EventGoto           = "goto"
	EventClose          = "close"      // the session completes
	EventDialogEnd      = "dialog_end" // the dialog ran out of elements; the next input is a trigger
	EventMissingDialog  = "missing_dialog"
	EventStepLimit      = "step_limit"
	EventTextCut        = "text_cut"   // a filled text was cut to its bounds (Detail: which)
	EventTurnLimit      = "turn_limit" // the turn's replies reached their bounds: this text was cut or not sent (Detail: which)
	EventHandover       = "handover"   // the conversation passed to people (Detail: the queue)
	EventHeld           = "held"       // a person holds the conversation: the bot did not answer
)

// StartTraced is Start that also records its Steps.
func StartTraced(def *Definition) Result { return once(def).StartTraced() }

// ContinueTraced is Continue that also records its Steps.
func ContinueTraced(def *Definition, st State, input string) Result {
	return once(def).ContinueTraced(st, input)
}

// Start runs a new session: the entry dialog from its first element. The
// message that opened the session is not an answer to anything. To run
// many conversations of one definition, Prepare it once.
func Start(def *Definition) Result { return once(def).Start() }

// Continue runs the session on with the next inbound message. When the
// state is not waiting for input the message is a trigger and the entry
// dialog runs from the top.
func Continue(def *Definition, st State, input string) Result {
	return once(def).Continue(st, input)
}

// Input is an end user's message made ready for the engine: its text as
// valid UTF-8 and its normalised words. Reading it costs time in
// proportion to its length (4,096 Hangul syllables take about a
// millisecond to decompose), so the runtime reads it before it takes the
// writer; inside, the engine only looks its words up.
type Input struct {
	text  string
	words string
}

// ReadInput reads an end user's message.
func ReadInput(text string) Input {
	// Stored answers must survive the state's trip through JSON.
	text = strings.ToValidUTF8(text, "\uFFFD")
	return Input{text: text, words: normalise(text)}
}

func (p *Program) start(traced bool) Result {
	r := newRun(p, State{})
	r.traced = traced
	r.restart()
	return r.result()
}

func (p *Program) cont(st State, in Input, traced bool) Result {
	r := newRun(p, st)
	r.traced = traced
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
	r.st.Waiting, r.st.Choices = false, nil
	r.steps++
	switch el.Type {
	case ElementQuestion:
		r.answer(el, in)
	case ElementKeywords:
		r.choose(el, in)
	case ElementButtons:
		r.pick(el, in)
	}
	return r.result()
}

func (p *Program) resume(st State, dialog, text string, traced bool) Result {
	r := newRun(p, st)
	r.traced = traced
	r.st.Waiting, r.st.Choices = false, nil
	if text != "" {
		r.reply(text)
	}
	if dialog == "" {
		dialog = r.def.Entry
	}
	r.enter(dialog)
	r.exec()
	return r.result()
}

// run is one call of Start or Continue.
type run struct {
	prog   *Program
	def    *Definition
	st     State
	res    Result
	steps  int
	traced bool
	bytes  int  // bytes of the replies so far
	full   bool // the turn's replies reached their bounds: no more are sent
}

// note records a step at the current position when tracing; the runtime
// does not trace, so its hot path allocates nothing for it.
func (r *run) note(event, detail string) {
	if !r.traced {
		return
	}
	r.res.Steps = append(r.res.Steps, Step{Dialog: r.st.Dialog, Element: r.st.Index + 1, Event: event, Detail: detail})
}

func newRun(p *Program, st State) *run {
	st.Attrs = maps.Clone(st.Attrs)
	if st.Attrs == nil {
		st.Attrs = map[string]string{}
	}
	return &run{prog: p, def: p.def, st: st}
}

func (r *run) result() Result {
	if !r.st.Waiting {
		r.st.Choices = nil
	}
	if r.res.Choices = r.st.Choices; r.res.Choices == nil {
		r.res.Choices = []string{} // never nil: an API answers "choices": []
	}
	r.res.State = r.st
	if len(r.res.State.Attrs) == 0 {
		r.res.State.Attrs = nil
	}
	return r.res
}

// current returns the element the state waits at, if it is one that waits.
func (r *run) current() (Element, bool) {
	d := r.prog.dialog(r.st.Dialog)
	if d == nil || r.st.Index < 0 || r.st.Index >= len(d.Elements) {
		return Element{}, false
	}
	el := d.Elements[r.st.Index]
	return el, el.Type == ElementQuestion || el.Type == ElementKeywords || el.Type == ElementButtons
}

// reply sends a text, filled and held to the bounds of a text and of
// the turn.
func (r *run) reply(text string) {
	if r.full {
		// The turn is full: the text is not even filled.
		r.note(EventTurnLimit, fmt.Sprintf("not sent: a turn sends at most %d replies of %d bytes together", MaxTurnReplies, MaxTurnBytes))
		return
	}
	text, valueCut, textCut := fill(text, r.st.Attrs)
	if blank(text) {
		return
	}
	if valueCut {
		r.res.Cut = true
		r.note(EventTextCut, fmt.Sprintf("a placeholder showed only the first %d characters of its value", MaxPlaceholderRunes))
	}
	if textCut {
		r.res.Cut = true
		r.note(EventTextCut, fmt.Sprintf("the filled text was cut to %d characters", MaxTextRunes))
	}
	room := MaxTurnBytes - r.bytes
	if len(r.res.Replies) >= MaxTurnReplies || room <= len(ellipsis) {
		r.full, r.res.Cut = true, true
		r.note(EventTurnLimit, fmt.Sprintf("not sent: a turn sends at most %d replies of %d bytes together", MaxTurnReplies, MaxTurnBytes))
		return
	}
	if len(text) > room {
		r.full, r.res.Cut = true, true
		r.note(EventTurnLimit, fmt.Sprintf("cut: a turn sends at most %d bytes of replies together", MaxTurnBytes))
		text = cutBytes(text, room-len(ellipsis)) + ellipsis
	}
	r.bytes += len(text)
	r.res.Replies = append(r.res.Replies, text)
}

// cutBytes cuts s to at most n bytes without splitting a character.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
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
	if d := r.prog.dialog(id); d != nil {
		r.res.Entered = append(r.res.Entered, id)
		if r.traced {
			r.res.Steps = append(r.res.Steps, Step{Dialog: id, Event: EventEntered})
		}
	} else if r.traced {
		r.res.Steps = append(r.res.Steps, Step{Dialog: id, Event: EventMissingDialog})
	}
}

// enterFallback enters the fallback dialog, if there is one, and says so.
func (r *run) enterFallback() bool {
	if d := r.prog.dialog(r.def.Fallback); r.def.Fallback == "" || d == nil {
		return false
	}
	r.res.FallbackHits++
	r.note(EventFallback, r.def.Fallback)
	r.enter(r.def.Fallback)
	return true
}

// exec runs elements from the current position until one waits, the
// session closes, the dialog ends or the step limit is reached.
func (r *run) exec() {
	for {
		d := r.prog.dialog(r.st.Dialog)
		if d == nil || r.st.Index < 0 || r.st.Index >= len(d.Elements) {
			// End of the dialog: the turn ends and the next input is a
			// trigger.
			if d != nil && r.traced {
				r.res.Steps = append(r.res.Steps, Step{Dialog: r.st.Dialog, Event: EventDialogEnd})
			}
			r.st.Dialog, r.st.Index, r.st.Tries, r.st.Waiting = r.def.Entry, 0, 0, false
			return
		}
		if r.steps >= MaxSteps {
			r.res.StepLimit = true
			r.note(EventStepLimit, "")
			return
		}
		r.steps++
		el := d.Elements[r.st.Index]
		switch el.Type {
		case ElementMessage:
			r.note(EventMessage, "")
			r.reply(el.Text)
			r.st.Index++
		case ElementQuestion:
			r.note(EventAsked, el.Attribute)
			r.reply(el.Text)
			r.st.Waiting = true
			return
		case ElementKeywords:
			r.note(EventWaiting, "")
			r.st.Waiting = true
			return
		case ElementButtons:
			r.show(el)
			return
		case ElementCondition:
			if evaluate(el, r.st.Attrs) {
				r.note(EventConditionTrue, el.Dialog)
				r.enter(el.Dialog)
			} else {
				r.note(EventConditionFalse, "")
				r.st.Index++
			}
		case ElementGoto:
			r.note(EventGoto, el.Dialog)
			r.enter(el.Dialog)
		case ElementClose:
			r.note(EventClose, "")
			r.reply(el.Text)
			r.res.Closed = true
			return
		case ElementHandover:
			r.note(EventHandover, el.Queue)
			r.reply(el.Text)
			r.res.Handover = &Handover{Queue: el.Queue, Note: el.Note, Dialog: r.st.Dialog, Index: r.st.Index}
			// Nothing after a handover runs: a person hands the
			// conversation back at a dialog of their choice.
			r.st.Index, r.st.Waiting = 0, false
			r.st.Dialog = r.def.Entry
			return
		default:
			r.st.Index++
		}
	}
}

// answer takes input as the answer to a question.
func (r *run) answer(el Element, in Input) {
	typ := AttributeText
	if a, ok := r.def.AttributeByName(el.Attribute); ok {
		typ = a.Type
	}
	var v string
	var ok bool
	if typ == AttributeYesNo {
		v, ok = yesNo(in.words)
	} else {
		v, ok = checkAnswer(typ, in.text)
	}
	if ok {
		if el.Attribute != "" {
			r.st.Attrs[el.Attribute] = v
		}
		r.note(EventAnswered, el.Attribute+"="+v)
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
		r.note(EventInvalid, fmt.Sprintf("try %d of %d", r.st.Tries, limit))
		retry := el.RetryText
		if blank(retry) {
			retry = DefaultRetryText
		}
		r.reply(retry)
		r.reply(el.Text)
		r.st.Waiting = true
		return
	}
	r.note(EventTriesOut, "")
	r.st.Tries = 0
	if !r.enterFallback() {
		r.st.Index++
	}
	r.exec()
}

// choose takes input as the choice at a keywords element (the one the
// state points at).
func (r *run) choose(el Element, in Input) {
	if m, ok := r.prog.keywordsAt(elementAt{r.st.Dialog, r.st.Index}, el).find(in.words); ok {
		for _, f := range m.fuzzy {
			r.note(EventFuzzy, fmt.Sprintf("matched '%s' as '%s'", f.typed, f.word))
		}
		r.note(EventBranch, m.text)
		r.res.Branch = m.text
		r.enter(el.Branches[m.branch].Dialog)
		r.exec()
		return
	}
	r.unmatched()
}

// unmatched is what input that matched nothing at a keywords or buttons
// element does: the fallback dialog runs, or (in the fallback itself, or
// with none) the element waits again, saying nothing.
func (r *run) unmatched() {
	r.note(EventNoMatch, "")
	if r.def.Fallback != r.st.Dialog && r.enterFallback() {
		r.exec()
		return
	}
	r.st.Waiting = true
}
