package views

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/store"
)

// EditorData is the chatbot page: the editor for designers, the detailed
// read-only view for everyone else who may see it.
type EditorData struct {
	Bot          store.Chatbot
	Def          *chatbot.Definition
	Senders      []store.Sender // of the chatbot's channel
	OpenSessions int
	// HeldSessions counts the open sessions people hold or that wait for a
	// person (SPEC §11), for the lifecycle plans.
	HeldSessions int
	// Draining lists the first open sessions of a chatbot in grace.
	Draining []store.ChatSession
	// Findings are shown when Validated.
	Findings  []chatbot.Finding
	Validated bool
	// Error is a refusal shown next to the form named FailedForm ("" for
	// the top of the editor).
	Error      string
	FailedForm string
	// Sender is what runs on the chatbot's sender, for the lifecycle panel.
	Sender SenderState
	// Grace is the grace control of a refused lifecycle form, as sent.
	Grace GraceInput
	// Releases are the snapshots of its activations, newest first.
	Releases []store.Release
	// Plan fingerprints what the lifecycle dialogs show; confirming sends
	// it back, and a changed plan is refused.
	Plan string
	// PlanFindings are the validation findings the activation dialog shows.
	PlanFindings []chatbot.Finding
	// OpenDialog names a lifecycle dialog to show open ("activate",
	// "deactivate"): how the dialogs work without JavaScript.
	OpenDialog string
	// TestChat is the test-chat panel; its Base is set by EditorPage when
	// empty.
	TestChat TestChatData
	// TestRun is the run of the conversation tests this request made.
	TestRun *chatbots.TestRun
	// Tests is the last recorded run of the conversation tests: pages
	// show it and never run the tests while they render.
	Tests chatbots.TestStatus
	// TestDraft is a refused test form, shown again as it was submitted.
	TestDraft *TestDraft
	// ClosedNotice is the chatbot's own notice to end users whose previous
	// conversation was closed ("" for the default, DefaultClosedNotice).
	ClosedNotice        string
	DefaultClosedNotice string
	// Family lists the chatbot's family, newest version first (itself
	// included).
	Family []store.Chatbot
	// HandoverInput is a refused handover-timeout form, as sent.
	HandoverInput *HandoverInput
	// ErrorField is the field of FailedForm the Error is about, shown
	// next to that field.
	ErrorField string
	// Submitted is a refused element form's input, shown again as it was
	// submitted (without JavaScript too).
	Submitted *ElementInput
	// Conflict is set when FailedForm's save was refused because someone
	// else changed its dialog: their version is shown beside yours.
	Conflict *Conflict
	// Revisions is each part's revision (chatbots.Revisions), which every
	// form that edits a part sends back; computed once by the handler.
	Revisions map[string]string
	// Focus is the id of what the page brings into view and focuses after
	// this save (the dialog just added).
	Focus string

	// view is what the page derives from the above, once, before it
	// renders (see prepare): the editor's components only read it.
	view *editorView
}

// editorView is what the chatbot page derives from its data before it
// renders: nothing is computed from the definition while drawing.
type editorView struct {
	// choices are the dialogs every target select offers, by name.
	choices []DialogChoice
	// reached names, per dialog id, the dialogs that lead to it.
	reached   map[string][]DialogChoice
	dialogMap DialogMap
	// testsNeedRun: the tests have not run on this definition.
	testsNeedRun bool
	// scripts are the tests' scripts as their forms show them.
	scripts []string
	// hash is the definition's hash: the test chat compares it with the
	// one its conversation started on.
	hash string
}

// DialogChoice is a dialog as a target select offers it: its name (with
// its id when two dialogs share the name), the id as the value.
type DialogChoice struct{ ID, Label string }

// NewDialogValue is the value of a target select's "New dialog…": the
// name field beside it names the dialog the save creates. Dialog ids are
// lower-case letters, digits and _, so it is never one.
const NewDialogValue = chatbots.NewDialogChoice

// prepare derives the page's view of d, once.
func (d *EditorData) prepare() {
	if d.view != nil {
		return
	}
	v := &editorView{reached: map[string][]DialogChoice{}}
	d.view = v
	if d.Def == nil {
		return
	}
	names := map[string]int{}
	for _, dl := range d.Def.Dialogs {
		names[dl.Name]++
	}
	byID := map[string]DialogChoice{}
	for _, dl := range d.Def.Dialogs {
		c := DialogChoice{ID: dl.ID, Label: dl.Name}
		if names[dl.Name] > 1 || dl.Name == "" {
			c.Label += " (" + dl.ID + ")"
		}
		v.choices = append(v.choices, c)
		byID[dl.ID] = c
	}
	for _, dl := range d.Def.Dialogs {
		seen := map[string]bool{}
		for _, to := range targets(dl) {
			if !seen[to] {
				seen[to] = true
				v.reached[to] = append(v.reached[to], byID[dl.ID])
			}
		}
	}
	v.dialogMap = NewDialogMap(d.Def)
	v.testsNeedRun = d.Tests.NeedsRun(d.Def)
	for _, t := range d.Def.Tests {
		v.scripts = append(v.scripts, chatbots.FormatScript(t.Turns))
	}
	v.hash = TalkHash(d.Def)
}

// TalkHash fingerprints what a conversation with def does: the definition
// without its conversation tests (saving a test changes no answer). The
// test chat says when it changed under a conversation.
func TalkHash(def *chatbot.Definition) string {
	if def == nil {
		return ""
	}
	c := *def
	c.Tests = nil
	return c.Hash()
}

// v is the prepared view (prepared now if a caller rendered a component
// of the page on its own).
func (d EditorData) v() *editorView {
	if d.view == nil {
		d.prepare()
	}
	return d.view
}

// targets lists the dialogs dl's elements lead to, in order.
func targets(dl chatbot.Dialog) []string {
	var out []string
	for _, el := range dl.Elements {
		switch el.Type {
		case chatbot.ElementGoto, chatbot.ElementCondition:
			out = append(out, el.Dialog)
		case chatbot.ElementKeywords:
			for _, b := range el.Branches {
				out = append(out, b.Dialog)
			}
		case chatbot.ElementButtons:
			for _, o := range el.Options {
				out = append(out, o.Dialog)
			}
		}
	}
	return out
}

// EditorPage is the chatbot page.
func EditorPage(d EditorData) templ.Component { d.prepare(); return editorPage(d) }

// Editor is the whole editable area; every edit swaps it, so that every
// form carries the new version.
func Editor(d EditorData) templ.Component { d.prepare(); return editor(d) }

// ValidationPanel lists the findings, each linking to what it points at.
func ValidationPanel(d EditorData) templ.Component { d.prepare(); return validationPanel(d) }

// Conflict is someone else's version of a dialog that a refused save
// would have overwritten; Theirs is nil when they removed it.
type Conflict struct {
	Dialog string
	Theirs *chatbot.Dialog
}

// ElementInput is what an element form shows: an element's values, or
// what someone submitted.
type ElementInput struct {
	Text, Attribute, RetryText, MaxTries, Operator, Value, Dialog string
	// NewDialog names the dialog to create when Dialog is NewDialogValue.
	NewDialog string
	// Branches are a keywords element's rows.
	Branches []BranchInput
	// NewAttribute and NewAttributeType create an attribute for a question.
	NewAttribute, NewAttributeType string
	// Options are a buttons element's rows.
	Options []OptionInput
	Fuzzy   bool   // a keywords element's "typo-tolerant"
	Queue   string // a handover's queue
	Note    string // a handover's note for the person
}

// OptionInput is one row of a buttons element: its label and the dialog
// it leads to (NewDialog names a new one).
type OptionInput struct {
	Label, Dialog, NewDialog string
}

// BranchInput is one row of a keywords element: its keywords, comma
// separated, and the dialog it leads to (NewDialog names a new one).
type BranchInput struct {
	Keywords, Dialog, NewDialog string
}

func inputOf(el chatbot.Element) ElementInput {
	in := ElementInput{
		Text: el.Text, Attribute: el.Attribute, RetryText: el.RetryText, MaxTries: triesValue(el.MaxTries),
		Operator: el.Operator, Value: el.Value, Dialog: el.Dialog, Fuzzy: el.Fuzzy,
		Queue: el.Queue, Note: el.Note,
	}
	for _, o := range el.Options {
		in.Options = append(in.Options, OptionInput{Label: o.Label, Dialog: o.Dialog})
	}
	for _, b := range el.Branches {
		in.Branches = append(in.Branches, BranchInput{Keywords: strings.Join(b.Keywords, ", "), Dialog: b.Dialog})
	}
	return in
}

// input is what the element form named form shows.
func (d EditorData) input(form string, el chatbot.Element) ElementInput {
	if d.Submitted != nil && d.FailedForm == form {
		return *d.Submitted
	}
	return inputOf(el)
}

// fieldError is the refusal to show next to field of form, if any.
func (d EditorData) fieldError(form, field string) string {
	if d.FailedForm == form && d.ErrorField == field {
		return d.Error
	}
	return ""
}

// elementFieldNames are the fields an element form of type t shows its
// errors beside; other errors show above the form.
func elementFieldNames(t string) []string {
	switch t {
	case chatbot.ElementMessage, chatbot.ElementClose:
		return []string{"text"}
	case chatbot.ElementQuestion:
		return []string{"text", "attribute", "max_tries", "attr_name", "attr_type"}
	case chatbot.ElementKeywords:
		return []string{"branches"}
	case chatbot.ElementButtons:
		return []string{"text", "options"}
	case chatbot.ElementCondition:
		return []string{"attribute", "operator", "dialog"}
	case chatbot.ElementGoto:
		return []string{"dialog"}
	case chatbot.ElementHandover:
		return []string{"text", "queue", "note"}
	}
	return nil
}

// isElementField reports whether an element form of type t shows a
// refusal about field beside that field: one of elementFieldNames, or a
// row of one (chatbots.RowField).
func isElementField(t, field string) bool {
	if i := strings.LastIndexByte(field, '-'); i > 0 {
		if _, err := strconv.Atoi(field[i+1:]); err == nil {
			field = field[:i]
		}
	}
	return slices.Contains(elementFieldNames(t), field)
}

// rowField names row n (from 1) of a repeated field (see chatbots.RowField).
func rowField(field string, n int) string { return chatbots.RowField(field, n) }

// rowInvalid marks the part of row n of a repeated field that a refusal
// about that row is about: its text (keywords, label) when that is missing
// or its dialog is fine, else its dialog (the choice, or the name of a new
// one).
func (d EditorData) rowInvalid(form, field string, n int, text, dialog string) (onText, onDialog templ.Attributes) {
	a := d.invalid(form, rowField(field, n))
	if a == nil {
		return nil, nil
	}
	if text == "" || dialog != "" && dialog != NewDialogValue {
		return a, nil
	}
	return nil, a
}

func (d EditorData) conflictFor(form string) *Conflict {
	if d.FailedForm == form {
		return d.Conflict
	}
	return nil
}

func (d EditorData) testChat() TestChatData {
	tc := d.TestChat
	if tc.Base == "" {
		tc.Base, tc.Def, tc.Releases = d.Base(), d.Def, d.Releases
	}
	return tc
}

func (d EditorData) Base() string { return "/chatbots/" + strconv.FormatInt(d.Bot.ID, 10) }

func (d EditorData) dialogPath(id, action string) string {
	p := d.Base() + "/dialogs/" + url.PathEscape(id)
	if action != "" {
		p += "/" + action
	}
	return p
}

func (d EditorData) elementPath(dialog string, idx int, action string) string {
	p := d.Base() + "/dialogs/" + url.PathEscape(dialog) + "/elements/" + strconv.Itoa(idx)
	if action != "" {
		p += "/" + action
	}
	return p
}

// ElementAnchor is the id of an element on the page, for links from
// validation findings.
func ElementAnchor(dialog string, idx int) string { return "el-" + dialog + "-" + strconv.Itoa(idx) }

func findingHref(f chatbot.Finding) string {
	switch {
	case f.Dialog != "" && f.Element >= 0:
		return "#" + ElementAnchor(f.Dialog, f.Element)
	case f.Dialog != "":
		return "#dialog-" + f.Dialog
	default:
		return "#settings"
	}
}

func elementTitle(t string) string {
	switch t {
	case chatbot.ElementMessage:
		return "Message"
	case chatbot.ElementQuestion:
		return "Question"
	case chatbot.ElementKeywords:
		return "Keywords"
	case chatbot.ElementButtons:
		return "Buttons"
	case chatbot.ElementCondition:
		return "Condition"
	case chatbot.ElementGoto:
		return "Go to"
	case chatbot.ElementClose:
		return "Close"
	case chatbot.ElementHandover:
		return "Hand over to people"
	}
	return t
}

func timeoutMinutes(c store.Chatbot) string { return minutes(c.SessionTimeout) }

// editable reports whether the viewer may change this chatbot now.
func editable(ctx context.Context, c store.Chatbot) bool {
	return c.Editable() && Can(ctx, rbac.EditChatbots)
}

// HandoverInput is the handover-timeout form (SPEC §11): how long a
// conversation handed to people waits, and what happens then.
type HandoverInput struct {
	Minutes, OnTimeout, Text string
}

// Handover is the handover-timeout form's values: as sent when refused,
// else the definition's.
func (d EditorData) Handover() HandoverInput {
	if d.HandoverInput != nil {
		return *d.HandoverInput
	}
	in := HandoverInput{Minutes: strconv.Itoa(int(d.Def.HandoverWait().Minutes())), OnTimeout: d.Def.HandoverTimeoutAction(), Text: d.Def.HandoverTimeoutText}
	return in
}

// HandsOver reports whether the definition has a handover element or
// handover settings of its own: the editor then shows the timeout form.
func (d EditorData) HandsOver() bool {
	if d.Def == nil {
		return false
	}
	if d.Def.HandoverTimeout != 0 || d.Def.HandoverOnTimeout != "" || d.Def.HandoverTimeoutText != "" {
		return true
	}
	for _, dl := range d.Def.Dialogs {
		for _, el := range dl.Elements {
			if el.Type == chatbot.ElementHandover {
				return true
			}
		}
	}
	return false
}
