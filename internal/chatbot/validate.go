package chatbot

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Severity says whether a finding blocks activation.
type Severity string

// Severities.
const (
	SeverityError   Severity = "error"   // blocks activation
	SeverityWarning Severity = "warning" // may be overridden
)

// Error codes: each blocks activation.
const (
	CodeNoSender              = "no_sender"
	CodeSenderChannelMismatch = "sender_channel_mismatch"
	CodeNoDialogs             = "no_dialogs"
	CodeNoEntry               = "no_entry"
	CodeDuplicateDialog       = "duplicate_dialog"
	CodeEmptyDialogID         = "empty_dialog_id"
	CodeEmptyText             = "empty_text"
	CodeUnknownDialog         = "unknown_dialog"
	CodeQuestionNoAttribute   = "question_no_attribute"
	CodeUndefinedAttribute    = "undefined_attribute"
	CodeUndefinedPlaceholder  = "undefined_placeholder"
	CodeDuplicateKeyword      = "duplicate_keyword"
	CodeEmptyKeywords         = "empty_keywords"
	CodeConditionNoAttribute  = "condition_no_attribute"
	CodeConditionNoOperator   = "condition_no_operator"
	CodeMissingTarget         = "missing_target"
	CodeJumpLoop              = "jump_loop"
	CodeDuplicateAttribute    = "duplicate_attribute"
	CodeInvalidAttributeName  = "invalid_attribute_name"
	CodeTestFailed            = "test_failed"
	CodeTestInvalid           = "test_invalid"
	CodeNoOptions             = "no_options"
	CodeTooManyOptions        = "too_many_options"
	CodeEmptyLabel            = "empty_label"
	CodeDuplicateLabel        = "duplicate_label"
	CodeLabelTooLong          = "label_too_long"
	// Handover (SPEC §11).
	CodeQueueTooLong      = "queue_too_long"
	CodeNoteTooLong       = "note_too_long"
	CodeHandoverTimeout   = "handover_timeout_out_of_range"
	CodeHandoverOnTimeout = "handover_on_timeout_invalid"
	CodeHandoverLoop      = "handover_loop"
)

// Warning codes.
const (
	CodeUnreachableDialog  = "unreachable_dialog"
	CodeNoFallback         = "no_fallback"
	CodeUnusedAttribute    = "unused_attribute"
	CodeMessageTooLong     = "message_too_long"
	CodeTextMayBeCut       = "text_may_be_cut"
	CodeLongSessionTimeout = "long_session_timeout"
	CodeNoTests            = "no_tests"
	CodeFuzzyCollision     = "fuzzy_collision"
	CodeAfterHandover      = "after_handover"
)

// Limits of a handover element.
const (
	MaxQueueRunes = 64
	MaxNoteRunes  = 1000
)

// MaxSessionTimeout is the session timeout above which Validate warns.
const MaxSessionTimeout = 24 * time.Hour

// Context is what validation needs to know about the chatbot beyond its
// definition.
type Context struct {
	HasSender      bool
	SenderChannel  string
	Channel        string // the chatbot's channel
	SessionTimeout time.Duration
}

// Finding is one problem validation found.
type Finding struct {
	Severity Severity
	Code     string
	Message  string // for people, naming the dialog and element
	Dialog   string // dialog id; "" when about the whole chatbot
	Element  int    // element index in the dialog; -1 when about the dialog or the chatbot
}

// Details is how findings appear in API errors, audit details and
// release reports: plain maps with stable keys.
func Details(fs []Finding) []map[string]any {
	out := make([]map[string]any, 0, len(fs))
	for _, f := range fs {
		m := map[string]any{"severity": string(f.Severity), "code": f.Code, "message": f.Message}
		if f.Dialog != "" {
			m["dialog"] = f.Dialog
		}
		if f.Element >= 0 {
			m["element"] = f.Element
		}
		out = append(out, m)
	}
	return out
}

// Errors returns the findings that block activation.
func Errors(fs []Finding) []Finding { return bySeverity(fs, SeverityError) }

// Warnings returns the findings that may be overridden.
func Warnings(fs []Finding) []Finding { return bySeverity(fs, SeverityWarning) }

func bySeverity(fs []Finding, s Severity) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Severity == s {
			out = append(out, f)
		}
	}
	return out
}

// ChannelLimit is the length of a single message on a channel, in
// characters; 0 means no limit.
func ChannelLimit(channel string) int {
	switch channel {
	case "sms":
		return 160
	case "whatsapp", "telegram":
		return 4096
	case "messenger":
		return 2000
	case "viber":
		return 1000
	}
	return 0
}

var attributeNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,49}$`)

// Validate checks a definition in its context. Findings come errors first,
// then in dialog order, element order and code order.
func Validate(def *Definition, ctx Context) []Finding {
	if def == nil {
		def = &Definition{}
	}
	v := &validator{def: def, ctx: ctx, attrs: map[string]bool{}, types: map[string]string{}, ids: map[string]int{}}
	v.settings()
	v.handoverSettings()
	v.attributes()
	v.dialogs()
	for di := range def.Dialogs {
		for ei, el := range def.Dialogs[di].Elements {
			v.element(di, ei, el)
		}
	}
	v.loops()
	v.handoverLoop()
	v.reachability()
	v.unused()
	v.tests()
	slices.SortStableFunc(v.found, func(a, b located) int {
		return cmp.Or(
			cmp.Compare(rank(a.Severity), rank(b.Severity)),
			cmp.Compare(a.dialog, b.dialog),
			cmp.Compare(a.Element, b.Element),
			cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Message, b.Message),
		)
	})
	out := make([]Finding, len(v.found))
	for i, f := range v.found {
		out[i] = f.Finding
	}
	return out
}

func rank(s Severity) int {
	if s == SeverityError {
		return 0
	}
	return 1
}

// located is a finding with its dialog's index, for sorting.
type located struct {
	Finding
	dialog int
}

type validator struct {
	def   *Definition
	ctx   Context
	found []located
	attrs map[string]bool   // defined attribute names
	types map[string]string // attribute name → type of its first definition
	ids   map[string]int    // dialog id → index of its first dialog
}

func (v *validator) add(sev Severity, code string, di, ei int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	f := located{Finding: Finding{Severity: sev, Code: code, Message: msg, Element: ei}, dialog: di}
	if di >= 0 {
		f.Dialog = v.def.Dialogs[di].ID
		f.Message = v.where(di, ei) + msg
	}
	v.found = append(v.found, f)
}

// where names a dialog (and element) for the start of a message.
func (v *validator) where(di, ei int) string {
	s := "Dialog " + v.label(di)
	if ei >= 0 {
		s += ", element " + strconv.Itoa(ei+1)
	}
	return s + ": "
}

func (v *validator) label(di int) string {
	d := v.def.Dialogs[di]
	switch {
	case strings.TrimSpace(d.Name) != "":
		return strconv.Quote(d.Name)
	case d.ID != "":
		return strconv.Quote(d.ID)
	}
	return "number " + strconv.Itoa(di+1)
}

func (v *validator) exists(id string) bool {
	_, ok := v.ids[id]
	return ok
}

func (v *validator) settings() {
	switch {
	case !v.ctx.HasSender:
		v.add(SeverityError, CodeNoSender, -1, -1, "The chatbot has no sender. Choose the sender end users will write to.")
	case v.ctx.SenderChannel != v.ctx.Channel:
		v.add(SeverityError, CodeSenderChannelMismatch, -1, -1,
			"The sender is on %s, but the chatbot is made for %s. Choose a %s sender.", v.ctx.SenderChannel, v.ctx.Channel, v.ctx.Channel)
	}
	if v.ctx.SessionTimeout > MaxSessionTimeout {
		v.add(SeverityWarning, CodeLongSessionTimeout, -1, -1,
			"The session timeout is %s hours, more than 24: conversations an end user left stay open that long.",
			strconv.FormatFloat(v.ctx.SessionTimeout.Hours(), 'f', -1, 64))
	}
}

func (v *validator) attributes() {
	for _, a := range v.def.Attributes {
		switch {
		case v.attrs[a.Name]:
			v.add(SeverityError, CodeDuplicateAttribute, -1, -1, "The attribute %q is defined more than once.", a.Name)
		case !attributeNameRE.MatchString(a.Name):
			v.add(SeverityError, CodeInvalidAttributeName, -1, -1,
				"The attribute name %q is not valid: start with a lower-case letter and use only lower-case letters, digits and _ (at most 50).", a.Name)
		}
		if !v.attrs[a.Name] {
			v.types[a.Name] = a.Type
		}
		v.attrs[a.Name] = true
	}
}

func (v *validator) dialogs() {
	def := v.def
	if len(def.Dialogs) == 0 {
		v.add(SeverityError, CodeNoDialogs, -1, -1, "The chatbot has no dialogs. Add one: it will be the entry.")
	}
	for di, d := range def.Dialogs {
		if strings.TrimSpace(d.ID) == "" {
			v.add(SeverityError, CodeEmptyDialogID, di, -1, "the dialog has no id, so nothing can lead to it.")
			continue
		}
		if first, ok := v.ids[d.ID]; ok {
			v.add(SeverityError, CodeDuplicateDialog, di, -1,
				"the id %q is already the id of dialog %s. Each dialog needs its own id.", d.ID, v.label(first))
			continue
		}
		v.ids[d.ID] = di
	}
	switch {
	case len(def.Dialogs) == 0:
	case def.Entry == "":
		v.add(SeverityError, CodeNoEntry, -1, -1, "No dialog is the entry. Make one the entry: it runs when a conversation starts.")
	case !v.exists(def.Entry):
		v.add(SeverityError, CodeNoEntry, -1, -1, "The entry dialog %q does not exist. Make an existing dialog the entry.", def.Entry)
	}
	switch {
	case def.Fallback == "":
		v.add(SeverityWarning, CodeNoFallback, -1, -1,
			"There is no fallback dialog: input that matches no keyword gets no answer, and a question that runs out of tries just moves on.")
	case !v.exists(def.Fallback):
		v.add(SeverityError, CodeUnknownDialog, -1, -1, "The fallback dialog %q does not exist.", def.Fallback)
	}
}

func (v *validator) element(di, ei int, el Element) {
	switch el.Type {
	case ElementMessage:
		if blank(el.Text) {
			v.add(SeverityError, CodeEmptyText, di, ei, "the message has no text.")
		}
		v.text(di, ei, "the text", el.Text)
	case ElementQuestion:
		if blank(el.Text) {
			v.add(SeverityError, CodeEmptyText, di, ei, "the question has no prompt.")
		}
		v.text(di, ei, "the prompt", el.Text)
		v.text(di, ei, "the retry text", el.RetryText)
		switch {
		case el.Attribute == "":
			v.add(SeverityError, CodeQuestionNoAttribute, di, ei, "the question names no attribute to store the answer in.")
		case !v.attrs[el.Attribute]:
			v.add(SeverityError, CodeUndefinedAttribute, di, ei, "the question stores its answer in %q, which is not a defined attribute.", el.Attribute)
		}
	case ElementKeywords:
		v.keywords(di, ei, el)
	case ElementButtons:
		v.buttons(di, ei, el)
	case ElementCondition:
		switch {
		case el.Attribute == "":
			v.add(SeverityError, CodeConditionNoAttribute, di, ei, "the condition names no attribute to test.")
		case !v.attrs[el.Attribute]:
			v.add(SeverityError, CodeUndefinedAttribute, di, ei, "the condition tests %q, which is not a defined attribute.", el.Attribute)
		}
		if el.Operator == "" {
			v.add(SeverityError, CodeConditionNoOperator, di, ei, "the condition has no operator; choose one of %s.", strings.Join(Operators(), ", "))
		}
		v.target(di, ei, el.Dialog, "the condition")
	case ElementGoto:
		v.target(di, ei, el.Dialog, "the jump")
	case ElementClose:
		v.text(di, ei, "the goodbye text", el.Text)
	case ElementHandover:
		v.handover(di, ei, el)
	}
}

// handover checks a handover element: a text that tells the end user,
// a queue and a note within their limits, and nothing after it (it never
// runs: a person hands the conversation back at a dialog of their
// choice).
func (v *validator) handover(di, ei int, el Element) {
	if blank(el.Text) {
		v.add(SeverityError, CodeEmptyText, di, ei, "the handover has no text; tell the end user that a person will answer.")
	}
	v.text(di, ei, "the text", el.Text)
	if n := utf8.RuneCountInString(el.Queue); n > MaxQueueRunes {
		v.add(SeverityError, CodeQueueTooLong, di, ei, "the queue name is %d characters long; it may have at most %d.", n, MaxQueueRunes)
	}
	if n := utf8.RuneCountInString(el.Note); n > MaxNoteRunes {
		v.add(SeverityError, CodeNoteTooLong, di, ei, "the note for the person is %d characters long; it may have at most %d.", n, MaxNoteRunes)
	}
	if rest := len(v.def.Dialogs[di].Elements) - ei - 1; rest > 0 {
		v.add(SeverityWarning, CodeAfterHandover, di, ei,
			"the %d element(s) after the handover never run: a person hands the conversation back at the entry or a dialog they choose.", rest)
	}
}

// handoverSettings checks the handover timeout.
func (v *validator) handoverSettings() {
	d := v.def
	if d.HandoverTimeout != 0 {
		if t := time.Duration(d.HandoverTimeout) * time.Second; d.HandoverTimeout < 0 || t < MinHandoverTimeout || t > MaxHandoverTimeout {
			v.add(SeverityError, CodeHandoverTimeout, -1, -1,
				"The handover timeout is %d seconds; it must be from %d seconds to %d days (or unset for %d minutes).",
				d.HandoverTimeout, int(MinHandoverTimeout.Seconds()), int(MaxHandoverTimeout.Hours()/24), int(DefaultHandoverTimeout.Minutes()))
		}
	}
	if a := d.HandoverOnTimeout; a != "" && a != HandoverResume && a != HandoverClose {
		v.add(SeverityError, CodeHandoverOnTimeout, -1, -1,
			"What the handover timeout does is %q; use %q (back to the bot at the fallback dialog) or %q.", a, HandoverResume, HandoverClose)
	}
}

// handoverLoop reports a handover timeout that hands the conversation
// back to a dialog that hands it over again before the end user says
// anything: it would wait for a person for ever, the bot never answering.
func (v *validator) handoverLoop() {
	if v.def.HandoverTimeoutAction() != HandoverResume || !v.hasHandover() {
		return
	}
	target := v.def.Fallback
	if target == "" {
		target = v.def.Entry
	}
	start, ok := v.ids[target]
	if !ok {
		return // unknown_dialog or no_entry says enough
	}
	g := v.jumps(true)
	seen := make([]bool, len(v.def.Dialogs))
	queue := []int{start}
	seen[start] = true
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		if ei := handsOverAtOnce(v.def.Dialogs[u]); ei >= 0 {
			v.add(SeverityError, CodeHandoverLoop, u, ei,
				"when nobody takes a handed-over conversation in time it goes back to dialog %s, which reaches this handover before the end user says anything: it would wait for a person again, for ever. Ask something first, or make the handover timeout close the conversation.",
				v.label(start))
			return
		}
		for _, j := range g[u] {
			if !seen[j.to] {
				seen[j.to] = true
				queue = append(queue, j.to)
			}
		}
	}
}

func (v *validator) hasHandover() bool {
	for _, d := range v.def.Dialogs {
		for _, el := range d.Elements {
			if el.Type == ElementHandover {
				return true
			}
		}
	}
	return false
}

// handsOverAtOnce is the index of the handover element d reaches before
// anything waits for input or leaves the dialog for good, or -1. A
// condition may jump away or go on: both are followed (the jump by the
// graph).
func handsOverAtOnce(d Dialog) int {
	for ei, el := range d.Elements {
		switch el.Type {
		case ElementHandover:
			return ei
		case ElementQuestion, ElementKeywords, ElementButtons, ElementClose, ElementGoto:
			return -1
		}
	}
	return -1
}

// target checks the dialog a jump leads to.
func (v *validator) target(di, ei int, id, what string) {
	switch {
	case id == "":
		v.add(SeverityError, CodeMissingTarget, di, ei, "%s names no dialog to go to.", what)
	case !v.exists(id):
		v.add(SeverityError, CodeUnknownDialog, di, ei, "%s goes to dialog %q, which does not exist.", what, id)
	}
}

// text checks a text that is sent: its placeholders and its length.
func (v *validator) text(di, ei int, what, text string) {
	for _, name := range placeholders(text) {
		if name == "" {
			v.add(SeverityError, CodeUndefinedPlaceholder, di, ei, "%s has an empty placeholder {{}}; write an attribute name inside.", what)
		} else if !v.attrs[name] {
			v.add(SeverityError, CodeUndefinedPlaceholder, di, ei, "%s shows {{%s}}, but there is no attribute %q.", what, name, name)
		}
	}
	v.length(di, ei, what, text)
	limit := ChannelLimit(v.ctx.Channel)
	if n := utf8.RuneCountInString(text); limit > 0 && n > limit {
		v.add(SeverityWarning, CodeMessageTooLong, di, ei,
			"%s is %d characters long; one %s message holds %d, so it may arrive split or cut.", what, n, v.ctx.Channel, limit)
	}
}

// length warns when a text can be longer than the engine sends it once
// its placeholders are filled, each with the longest value its attribute
// can hold.
func (v *validator) length(di, ei int, what, text string) {
	n, longest, count := 0, 0, 0
	for rest := text; ; count++ {
		start, end, name, ok := nextPlaceholder(rest)
		if !ok {
			n += utf8.RuneCountInString(rest)
			break
		}
		n += utf8.RuneCountInString(rest[:start])
		longest += v.longestValue(name)
		rest = rest[end:]
	}
	switch {
	case count > MaxTextPlaceholders:
		v.add(SeverityWarning, CodeTextMayBeCut, di, ei,
			"%s has %d placeholders; the chatbot fills at most %d in a text, so it is cut at the next one, ending in “…”.", what, count, MaxTextPlaceholders)
	case n > MaxTextRunes:
		v.add(SeverityWarning, CodeTextMayBeCut, di, ei,
			"%s is %d characters long; the chatbot sends at most %d characters of a text, so it is cut, ending in “…”.", what, n, MaxTextRunes)
	case n+longest > MaxTextRunes:
		v.add(SeverityWarning, CodeTextMayBeCut, di, ei,
			"%s can be %d characters long once its placeholders are filled (each shows at most %d characters of its value); the chatbot sends at most %d characters of a text, so it may be cut, ending in “…”.",
			what, n+longest, MaxPlaceholderRunes, MaxTextRunes)
	}
}

// longestValue is the most characters a placeholder of the attribute
// shows.
func (v *validator) longestValue(name string) int {
	if !v.attrs[name] {
		return 0 // an error already
	}
	switch v.types[name] {
	case AttributeDate:
		return len("2006-01-02")
	case AttributeYesNo:
		return len("yes")
	}
	return MaxPlaceholderRunes
}

func (v *validator) keywords(di, ei int, el Element) {
	if len(el.Branches) == 0 {
		v.add(SeverityError, CodeEmptyKeywords, di, ei, "the keywords element has no branches.")
		return
	}
	first := map[string]int{} // normalised keyword → branch it first appears in
	for bi, b := range el.Branches {
		v.target(di, ei, b.Dialog, fmt.Sprintf("branch %d", bi+1))
		if len(b.Keywords) == 0 {
			v.add(SeverityError, CodeEmptyKeywords, di, ei, "branch %d has no keywords.", bi+1)
			continue
		}
		for _, kw := range b.Keywords {
			n := normalise(kw)
			if n == "" {
				v.add(SeverityError, CodeEmptyKeywords, di, ei, "branch %d has a keyword, %q, that is empty once punctuation is ignored.", bi+1, kw)
				continue
			}
			other, seen := first[n]
			switch {
			case !seen:
				first[n] = bi
			case other != bi:
				v.add(SeverityError, CodeDuplicateKeyword, di, ei,
					"the keyword %q is in branch %d and branch %d; only branch %d can ever match it.", kw, other+1, bi+1, other+1)
			}
		}
	}
	if el.Fuzzy {
		const shown = 5
		pairs, more := fuzzyCollisions(el.Branches, shown)
		for _, p := range pairs {
			v.add(SeverityWarning, CodeFuzzyCollision, di, ei,
				"typo-tolerant matching: %q (branch %d) and %q (branch %d) are one edit apart, so a typo of either can match both; only branch %d takes it.",
				p.a, p.branchA+1, p.b, p.branchB+1, p.branchA+1)
		}
		if more {
			v.add(SeverityWarning, CodeFuzzyCollision, di, ei,
				"typo-tolerant matching: more words of different branches are one edit apart than the %d shown.", shown)
		}
	}
}

// buttons checks a buttons element: its text, and 1 to MaxOptions
// options, each with a label of its own and a dialog that exists.
func (v *validator) buttons(di, ei int, el Element) {
	if blank(el.Text) {
		v.add(SeverityError, CodeEmptyText, di, ei, "the buttons element has no text to show above its options.")
	}
	v.text(di, ei, "the text", el.Text)
	switch {
	case len(el.Options) == 0:
		v.add(SeverityError, CodeNoOptions, di, ei, "the buttons element has no options; add 1 to %d.", MaxOptions)
		return
	case len(el.Options) > MaxOptions:
		v.add(SeverityError, CodeTooManyOptions, di, ei, "the buttons element has %d options; it may have at most %d.", len(el.Options), MaxOptions)
	}
	first := map[string]int{} // normalised label → option it first appears in
	for oi, o := range el.Options {
		v.target(di, ei, o.Dialog, fmt.Sprintf("option %d", oi+1))
		n := normalise(o.Label)
		switch {
		case n == "":
			v.add(SeverityError, CodeEmptyLabel, di, ei, "option %d has no label (punctuation alone does not count).", oi+1)
			continue
		case utf8.RuneCountInString(o.Label) > MaxLabelRunes:
			v.add(SeverityError, CodeLabelTooLong, di, ei, "the label of option %d is %d characters long; a label has at most %d.", oi+1, utf8.RuneCountInString(o.Label), MaxLabelRunes)
		}
		if other, seen := first[n]; seen {
			v.add(SeverityError, CodeDuplicateLabel, di, ei,
				"options %d and %d have the same label %q (case, accents and punctuation aside); an end user could only ever choose option %d by typing it.", other+1, oi+1, o.Label, other+1)
			continue
		}
		first[n] = oi
	}
	if limit := ChannelLimit(v.ctx.Channel); ChoicesInText(v.ctx.Channel) && len(el.Options) <= MaxOptions && !blank(el.Text) {
		text := el.Text + "\n" + ChoiceList(labels(el))
		if n, alone := utf8.RuneCountInString(text), utf8.RuneCountInString(el.Text); n > limit && alone <= limit {
			v.add(SeverityWarning, CodeMessageTooLong, di, ei,
				"the text with its numbered options is %d characters long; one %s message holds %d, so it may arrive split or cut.", n, v.ctx.Channel, limit)
		}
	}
}

// unused warns about attributes nothing stores, tests or shows.
func (v *validator) unused() {
	used := map[string]bool{}
	for _, d := range v.def.Dialogs {
		for _, el := range d.Elements {
			switch el.Type {
			case ElementQuestion, ElementCondition:
				used[el.Attribute] = true
			}
			switch el.Type {
			case ElementMessage, ElementQuestion, ElementClose, ElementButtons, ElementHandover:
				for _, n := range append(placeholders(el.Text), placeholders(el.RetryText)...) {
					used[n] = true
				}
			}
		}
	}
	reported := map[string]bool{}
	for _, a := range v.def.Attributes {
		if !used[a.Name] && !reported[a.Name] {
			reported[a.Name] = true
			v.add(SeverityWarning, CodeUnusedAttribute, -1, -1,
				"The attribute %q is never used: no question stores it, no condition tests it and no text shows it.", a.Name)
		}
	}
}
