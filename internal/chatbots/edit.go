package chatbots

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/problem"
)

// The edits the editor makes. Each returns an Edit.Apply function that
// changes the settings or definition in place and sums up the change.

// SetSettings replaces the settings.
func SetSettings(in Settings) func(*Settings, *chatbot.Definition) (string, error) {
	return func(set *Settings, _ *chatbot.Definition) (string, error) {
		*set = in
		return "settings changed", nil
	}
}

// ReplaceDefinition swaps the whole definition (the JSON API's PATCH).
func ReplaceDefinition(def *chatbot.Definition) func(*Settings, *chatbot.Definition) (string, error) {
	return func(_ *Settings, cur *chatbot.Definition) (string, error) {
		*cur = *def.Clone()
		return "definition replaced", nil
	}
}

var attrName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,49}$`)

// AddAttribute defines an attribute.
func AddAttribute(name, typ string) func(*Settings, *chatbot.Definition) (string, error) {
	return func(_ *Settings, def *chatbot.Definition) (string, error) {
		name = strings.TrimSpace(name)
		if !attrName.MatchString(name) {
			return "", problem.Field("attr_name", "An attribute name starts with a letter and uses lower-case letters, digits and _ (at most 50).")
		}
		if !contains(chatbot.AttributeTypes(), typ) {
			return "", problem.Field("attr_type", "Choose a type: %s.", strings.Join(chatbot.AttributeTypes(), ", "))
		}
		if _, ok := def.AttributeByName(name); ok {
			return "", problem.Field("attr_name", "There is already an attribute named %s.", name)
		}
		def.Attributes = append(def.Attributes, chatbot.Attribute{Name: name, Type: typ})
		return fmt.Sprintf("attribute %s (%s) added", name, typ), nil
	}
}

// RemoveAttribute removes an attribute definition. Elements that use it
// stay, and validation points at them.
func RemoveAttribute(name string) func(*Settings, *chatbot.Definition) (string, error) {
	return func(_ *Settings, def *chatbot.Definition) (string, error) {
		for i, at := range def.Attributes {
			if at.Name == name {
				def.Attributes = append(def.Attributes[:i], def.Attributes[i+1:]...)
				return "attribute " + name + " removed", nil
			}
		}
		return "", problem.New(problem.NotFound, "attribute_not_found", "There is no attribute named %s.", name)
	}
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// slug makes a dialog id from a name, unique within def.
func slug(def *chatbot.Definition, name string) string {
	base := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(name), "_"), "_")
	if base == "" || !(base[0] >= 'a' && base[0] <= 'z') {
		base = "dialog_" + base
	}
	if len(base) > 40 {
		base = base[:40]
	}
	id := base
	for n := 2; ; n++ {
		if d, _ := def.DialogByID(id); d == nil {
			return id
		}
		id = fmt.Sprintf("%s_%d", base, n)
	}
}

func checkDialogName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", problem.Field("dialog_name", "Enter a name for the dialog.")
	}
	if utf8.RuneCountInString(name) > 80 {
		return "", problem.Field("dialog_name", "Use at most 80 characters for a dialog name.")
	}
	return name, nil
}

// AddDialog adds an empty dialog; the first one becomes the entry.
func AddDialog(name string) func(*Settings, *chatbot.Definition) (string, error) {
	return func(_ *Settings, def *chatbot.Definition) (string, error) {
		name, err := checkDialogName(name)
		if err != nil {
			return "", err
		}
		id := slug(def, name)
		def.Dialogs = append(def.Dialogs, chatbot.Dialog{ID: id, Name: name})
		if def.Entry == "" {
			def.Entry = id
		}
		return "dialog " + id + " added", nil
	}
}

func dialog(def *chatbot.Definition, id string) (*chatbot.Dialog, int, error) {
	d, i := def.DialogByID(id)
	if d == nil {
		return nil, 0, problem.New(problem.NotFound, "dialog_not_found", "There is no dialog %q.", id)
	}
	return d, i, nil
}

// RenameDialog changes a dialog's display name (its id stays, so jumps to
// it keep working).
func RenameDialog(id, name string) func(*Settings, *chatbot.Definition) (string, error) {
	return func(_ *Settings, def *chatbot.Definition) (string, error) {
		d, _, err := dialog(def, id)
		if err != nil {
			return "", err
		}
		if d.Name, err = checkDialogName(name); err != nil {
			return "", err
		}
		return "dialog " + id + " renamed", nil
	}
}

// DeleteDialog removes a dialog. The entry dialog cannot be removed; a
// fallback that is removed is unset.
func DeleteDialog(id string) func(*Settings, *chatbot.Definition) (string, error) {
	return func(_ *Settings, def *chatbot.Definition) (string, error) {
		_, i, err := dialog(def, id)
		if err != nil {
			return "", err
		}
		if def.Entry == id && len(def.Dialogs) > 1 {
			return "", problem.New(problem.Conflict, "entry_dialog", "This is the entry dialog. Make another dialog the entry first.")
		}
		def.Dialogs = append(def.Dialogs[:i], def.Dialogs[i+1:]...)
		if def.Fallback == id {
			def.Fallback = ""
		}
		if def.Entry == id {
			def.Entry = ""
		}
		return "dialog " + id + " deleted", nil
	}
}

// SetEntry makes a dialog the entry.
func SetEntry(id string) func(*Settings, *chatbot.Definition) (string, error) {
	return func(_ *Settings, def *chatbot.Definition) (string, error) {
		if _, _, err := dialog(def, id); err != nil {
			return "", err
		}
		def.Entry = id
		return "entry set to " + id, nil
	}
}

// SetFallback makes a dialog the fallback, or unsets it with "".
func SetFallback(id string) func(*Settings, *chatbot.Definition) (string, error) {
	return func(_ *Settings, def *chatbot.Definition) (string, error) {
		if id != "" {
			if _, _, err := dialog(def, id); err != nil {
				return "", err
			}
		}
		def.Fallback = id
		if id == "" {
			return "fallback unset", nil
		}
		return "fallback set to " + id, nil
	}
}

// AddElement appends an element to a dialog.
func AddElement(dialogID string, el chatbot.Element) func(*Settings, *chatbot.Definition) (string, error) {
	return func(_ *Settings, def *chatbot.Definition) (string, error) {
		d, _, err := dialog(def, dialogID)
		if err != nil {
			return "", err
		}
		if err := CheckElement(el); err != nil {
			return "", err
		}
		d.Elements = append(d.Elements, el)
		return fmt.Sprintf("%s element added to dialog %s", el.Type, dialogID), nil
	}
}

func element(def *chatbot.Definition, dialogID string, idx int) (*chatbot.Dialog, error) {
	d, _, err := dialog(def, dialogID)
	if err != nil {
		return nil, err
	}
	if idx < 0 || idx >= len(d.Elements) {
		return nil, problem.New(problem.NotFound, "element_not_found", "Dialog %q has no element %d.", dialogID, idx+1)
	}
	return d, nil
}

// UpdateElement replaces an element; its type stays.
func UpdateElement(dialogID string, idx int, el chatbot.Element) func(*Settings, *chatbot.Definition) (string, error) {
	return func(_ *Settings, def *chatbot.Definition) (string, error) {
		d, err := element(def, dialogID, idx)
		if err != nil {
			return "", err
		}
		el.Type = d.Elements[idx].Type
		if err := CheckElement(el); err != nil {
			return "", err
		}
		d.Elements[idx] = el
		return fmt.Sprintf("element %d of dialog %s changed", idx+1, dialogID), nil
	}
}

// RemoveElement removes an element.
func RemoveElement(dialogID string, idx int) func(*Settings, *chatbot.Definition) (string, error) {
	return func(_ *Settings, def *chatbot.Definition) (string, error) {
		d, err := element(def, dialogID, idx)
		if err != nil {
			return "", err
		}
		t := d.Elements[idx].Type
		d.Elements = append(d.Elements[:idx], d.Elements[idx+1:]...)
		return fmt.Sprintf("%s element %d of dialog %s removed", t, idx+1, dialogID), nil
	}
}

// MoveElement moves an element one place up (delta -1) or down (+1).
func MoveElement(dialogID string, idx, delta int) func(*Settings, *chatbot.Definition) (string, error) {
	return func(_ *Settings, def *chatbot.Definition) (string, error) {
		d, err := element(def, dialogID, idx)
		if err != nil {
			return "", err
		}
		to := idx + delta
		if (delta != -1 && delta != 1) || to < 0 || to >= len(d.Elements) {
			return "", problem.New(problem.Invalid, "cannot_move", "That element cannot move further.")
		}
		d.Elements[idx], d.Elements[to] = d.Elements[to], d.Elements[idx]
		return fmt.Sprintf("element %d of dialog %s moved to %d", idx+1, dialogID, to+1), nil
	}
}

// CheckElement checks what a form can check of an element: its type and
// the fields its type needs. References to dialogs and attributes may
// point ahead (a dialog not made yet); validation reports those.
func CheckElement(el chatbot.Element) error {
	const maxText = 4096
	if field, ok := validUTF8(el); !ok {
		// Stored as JSON, invalid bytes would silently become U+FFFD.
		return problem.Field(field, "Use UTF-8 text only.")
	}
	if utf8.RuneCountInString(el.Text) > maxText || utf8.RuneCountInString(el.RetryText) > maxText {
		return problem.Field("text", "Use at most %d characters.", maxText)
	}
	switch el.Type {
	case chatbot.ElementMessage:
		if strings.TrimSpace(el.Text) == "" {
			return problem.Field("text", "Enter the message text.")
		}
	case chatbot.ElementQuestion:
		if strings.TrimSpace(el.Text) == "" {
			return problem.Field("text", "Enter the question to ask.")
		}
		if el.Attribute == "" {
			return problem.Field("attribute", "Choose the attribute that stores the answer.")
		}
		if el.MaxTries < 0 || el.MaxTries > 10 {
			return problem.Field("max_tries", "Allow between 1 and 10 tries.")
		}
	case chatbot.ElementKeywords:
		if len(el.Branches) == 0 {
			return problem.Field("branches", "Add at least one branch: its keywords and the dialog it leads to.")
		}
	case chatbot.ElementButtons:
		if strings.TrimSpace(el.Text) == "" {
			return problem.Field("text", "Enter the text shown above the buttons.")
		}
		if len(el.Options) == 0 || len(el.Options) > chatbot.MaxOptions {
			return problem.Field("options", "Add 1 to %d options, each a label and the dialog it leads to.", chatbot.MaxOptions)
		}
		for i, o := range el.Options {
			switch {
			case strings.TrimSpace(o.Label) == "":
				return problem.Field("options", "Option %d has no label.", i+1)
			case utf8.RuneCountInString(o.Label) > chatbot.MaxLabelRunes:
				return problem.Field("options", "The label of option %d is longer than %d characters.", i+1, chatbot.MaxLabelRunes)
			case o.Dialog == "":
				return problem.Field("options", "Choose the dialog option %d leads to.", i+1)
			}
		}
	case chatbot.ElementCondition:
		if el.Attribute == "" {
			return problem.Field("attribute", "Choose the attribute to test.")
		}
		if !contains(chatbot.Operators(), el.Operator) {
			return problem.Field("operator", "Choose an operator: %s.", strings.Join(chatbot.Operators(), ", "))
		}
		if el.Dialog == "" {
			return problem.Field("dialog", "Choose the dialog to go to when the condition holds.")
		}
	case chatbot.ElementGoto:
		if el.Dialog == "" {
			return problem.Field("dialog", "Choose the dialog to go to.")
		}
	case chatbot.ElementClose:
	case chatbot.ElementHandover:
		switch {
		case strings.TrimSpace(el.Text) == "":
			return problem.Field("text", "Enter the text that tells the end user a person will answer.")
		case utf8.RuneCountInString(el.Queue) > chatbot.MaxQueueRunes:
			return problem.Field("queue", "Use at most %d characters for the queue.", chatbot.MaxQueueRunes)
		case utf8.RuneCountInString(el.Note) > chatbot.MaxNoteRunes:
			return problem.Field("note", "Use at most %d characters for the note.", chatbot.MaxNoteRunes)
		}
	default:
		return problem.Field("type", "Choose an element type: %s.", strings.Join(chatbot.ElementTypes(), ", "))
	}
	return nil
}

// RowField names row n (from 1) of a form's repeated field ("options-3"):
// a refusal about one row of a keywords or buttons element's form names
// it, so that the form shows the message beside that row.
func RowField(field string, n int) string { return field + "-" + strconv.Itoa(n) }

// BranchRow is one row of a keywords element's form: its keywords, comma
// separated, and the dialog it leads to (NewDialog names a new one when
// Dialog is NewDialogChoice).
type BranchRow struct {
	Keywords, Dialog, NewDialog string
}

// BranchesFromRows reads a keywords element's rows, making the new
// dialogs they name with t. A row with neither keywords nor a dialog is
// left out; a row with one and not the other is refused, naming the row.
func BranchesFromRows(rows []BranchRow, t *NewTargets) ([]chatbot.Branch, error) {
	var out []chatbot.Branch
	for n, r := range rows {
		var words []string
		for _, w := range strings.Split(r.Keywords, ",") {
			if w = strings.TrimSpace(w); w != "" {
				words = append(words, w)
			}
		}
		switch {
		case len(words) == 0 && r.Dialog == "":
			continue
		case len(words) == 0:
			return nil, problem.Field(RowField("branches", n+1), "Branch %d: enter its keywords, separated by commas.", n+1)
		case r.Dialog == "":
			return nil, problem.Field(RowField("branches", n+1), "Branch %d: choose the dialog it leads to.", n+1)
		}
		to, err := t.Resolve(r.Dialog, r.NewDialog, "branches")
		if err != nil {
			p, _ := problem.As(err)
			return nil, problem.Field(RowField("branches", n+1), "Branch %d: %s", n+1, p.Message)
		}
		out = append(out, chatbot.Branch{Keywords: words, Dialog: to})
	}
	return out, nil
}

// OptionRow is one row of a buttons element's form: the option's label
// and the dialog it leads to (NewDialog names a new one when Dialog is
// NewDialogChoice).
type OptionRow struct {
	Label, Dialog, NewDialog string
}

// OptionsFromRows reads a buttons element's rows, making the new dialogs
// they name with t. A row without a label is no option (emptying a label
// removes its option), unless it names a new dialog: that is refused, so
// that a typed name is never dropped unseen. Rows are numbered as the form
// shows them.
func OptionsFromRows(rows []OptionRow, t *NewTargets) ([]chatbot.Option, error) {
	labelled := 0
	for _, r := range rows {
		if strings.TrimSpace(r.Label) != "" {
			labelled++
		}
	}
	if labelled > chatbot.MaxOptions {
		// Refused before any new dialog is made for them.
		return nil, problem.Field("options", "Add 1 to %d options, each a label and the dialog it leads to.", chatbot.MaxOptions)
	}
	var out []chatbot.Option
	for n, r := range rows {
		label := strings.TrimSpace(r.Label)
		switch {
		case label == "" && r.Dialog == NewDialogChoice && strings.TrimSpace(r.NewDialog) != "":
			return nil, problem.Field(RowField("options", n+1), "Option %d: enter the label of the button that leads to the new dialog %s.", n+1, strings.TrimSpace(r.NewDialog))
		case label == "":
			continue
		case r.Dialog == "":
			return nil, problem.Field(RowField("options", n+1), "Choose the dialog option %d leads to.", n+1)
		}
		to, err := t.Resolve(r.Dialog, r.NewDialog, "options")
		if err != nil {
			p, _ := problem.As(err)
			return nil, problem.Field(RowField("options", n+1), "Option %d: %s", n+1, p.Message)
		}
		out = append(out, chatbot.Option{Label: label, Dialog: to})
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// validUTF8 reports whether every string of el is UTF-8, or names the
// first field that is not.
func validUTF8(el chatbot.Element) (string, bool) {
	for _, f := range []struct{ name, v string }{
		{"text", el.Text}, {"retry_text", el.RetryText}, {"attribute", el.Attribute},
		{"operator", el.Operator}, {"value", el.Value}, {"dialog", el.Dialog},
	} {
		if !utf8.ValidString(f.v) {
			return f.name, false
		}
	}
	for _, o := range el.Options {
		if !utf8.ValidString(o.Label) || !utf8.ValidString(o.Dialog) {
			return "options", false
		}
	}
	for _, b := range el.Branches {
		if !utf8.ValidString(b.Dialog) {
			return "branches", false
		}
		for _, k := range b.Keywords {
			if !utf8.ValidString(k) {
				return "branches", false
			}
		}
	}
	return "", true
}

// ReplaceDialog replaces a dialog's name and elements (the JSON API's
// dialog edit); its id stays, so jumps to it keep working.
func ReplaceDialog(id, name string, elements []chatbot.Element) func(*Settings, *chatbot.Definition) (string, error) {
	return func(_ *Settings, def *chatbot.Definition) (string, error) {
		d, _, err := dialog(def, id)
		if err != nil {
			return "", err
		}
		if name, err = checkDialogName(name); err != nil {
			return "", err
		}
		for i, el := range elements {
			if err := CheckElement(el); err != nil {
				if p, ok := problem.As(err); ok {
					return "", problem.New(p.Kind, p.Code, "Element %d: %s", i+1, p.Message)
				}
				return "", err
			}
		}
		d.Name, d.Elements = name, slices.Clone(elements)
		return "dialog " + id + " replaced", nil
	}
}

// NewDialogChoice is the value a form sends for a target chosen as "New
// dialog…", with the new dialog's name beside it. Dialog ids are
// lower-case letters, digits and _, so it is never one.
const NewDialogChoice = "+new"

// NewTargets makes the dialogs that one save's "New dialog…" choices name:
// a target can be a dialog made in the same save that points at it. Two
// choices of the same new name in one save make one dialog.
type NewTargets struct {
	def  *chatbot.Definition
	made map[string]string // lower-cased name → id
	// Made lists the ids made, for the audit summary.
	Made []string
}

// NewTargetsIn makes new targets in def.
func NewTargetsIn(def *chatbot.Definition) *NewTargets {
	return &NewTargets{def: def, made: map[string]string{}}
}

// Resolve returns the dialog id a target field points at: value itself,
// or, for NewDialogChoice, the id of a new dialog named name (made now).
// A new name that an existing dialog already has is refused, so that the
// list, not a twin, is used; field names the field for the refusal.
func (t *NewTargets) Resolve(value, name, field string) (string, error) {
	if value != NewDialogChoice {
		return value, nil
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return "", problem.Field(field, "Name the new dialog in the field beside “New dialog…”.")
	}
	if utf8.RuneCountInString(name) > 80 {
		return "", problem.Field(field, "Use at most 80 characters for a dialog name.")
	}
	key := strings.ToLower(name)
	if id, ok := t.made[key]; ok {
		return id, nil
	}
	for _, d := range t.def.Dialogs {
		if strings.ToLower(d.Name) == key {
			return "", problem.Field(field, "There is already a dialog named %s: choose it in the list.", d.Name)
		}
	}
	id := slug(t.def, name)
	t.def.Dialogs = append(t.def.Dialogs, chatbot.Dialog{ID: id, Name: name})
	if t.def.Entry == "" {
		t.def.Entry = id
	}
	t.made[key] = id
	t.Made = append(t.Made, id)
	return id, nil
}

// Summary sums up the dialogs made, for the audit entry ("" for none).
func (t *NewTargets) Summary() string {
	if len(t.Made) == 0 {
		return ""
	}
	return "dialog " + strings.Join(t.Made, ", ") + " added; "
}

// MaxHandoverTimeoutTextRunes bounds the message sent when a waiting
// conversation goes back to the bot.
const MaxHandoverTimeoutTextRunes = 500

// SetHandoverTimeout sets what happens to a conversation a handover
// element passed to people and nobody took (SPEC §11): after minutes
// (the default when it is the default's), resume (back to the bot at the
// fallback dialog, after text, "" for the default) or close. A refused
// value changes nothing.
func SetHandoverTimeout(minutes int, onTimeout, text string) func(*Settings, *chatbot.Definition) (string, error) {
	return func(_ *Settings, def *chatbot.Definition) (string, error) {
		wait := time.Duration(minutes) * time.Minute
		text = strings.TrimSpace(text)
		switch {
		case minutes <= 0 || wait < chatbot.MinHandoverTimeout || wait > chatbot.MaxHandoverTimeout:
			return "", problem.Field("handover_timeout", "A conversation waits for a person from %d minute to %d days (%d minutes); %d is outside that.",
				int(chatbot.MinHandoverTimeout.Minutes()), int(chatbot.MaxHandoverTimeout.Hours()/24), int(chatbot.MaxHandoverTimeout.Minutes()), minutes)
		case onTimeout != chatbot.HandoverResume && onTimeout != chatbot.HandoverClose:
			return "", problem.Field("handover_on_timeout", "Choose what happens when nobody takes the conversation: back to the chatbot, or close it.")
		case !utf8.ValidString(text) || utf8.RuneCountInString(text) > MaxHandoverTimeoutTextRunes:
			return "", problem.Field("handover_timeout_text", "The message is at most %d characters of text.", MaxHandoverTimeoutTextRunes)
		}
		def.HandoverTimeout = int(wait / time.Second)
		if wait == chatbot.DefaultHandoverTimeout {
			def.HandoverTimeout = 0 // the default: the definition keeps its hash
		}
		def.HandoverOnTimeout = onTimeout
		if onTimeout == chatbot.HandoverResume {
			def.HandoverOnTimeout = ""
		}
		def.HandoverTimeoutText = text
		if text == chatbot.DefaultHandoverTimeoutText {
			def.HandoverTimeoutText = ""
		}
		return fmt.Sprintf("handover timeout set to %d minutes, then %s", minutes, onTimeout), nil
	}
}
