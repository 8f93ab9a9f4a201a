package chatbots

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
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
			return problem.Field("branches", "Add at least one branch, one per line: keyword, synonym => dialog_id")
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
	default:
		return problem.Field("type", "Choose an element type: %s.", strings.Join(chatbot.ElementTypes(), ", "))
	}
	return nil
}

// ParseBranches reads keyword branches written one per line as
// "keyword, synonym => dialog_id".
func ParseBranches(text string) ([]chatbot.Branch, error) {
	var out []chatbot.Branch
	for n, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		kw, target, ok := strings.Cut(line, "=>")
		if !ok {
			kw, target, ok = strings.Cut(line, "->")
		}
		target = strings.TrimSpace(target)
		if !ok || target == "" {
			return nil, problem.Field("branches", "Line %d: write the keywords, then => and the dialog id, such as: hours, opening => hours", n+1)
		}
		var words []string
		for _, w := range strings.Split(kw, ",") {
			if w = strings.TrimSpace(w); w != "" {
				words = append(words, w)
			}
		}
		if len(words) == 0 {
			return nil, problem.Field("branches", "Line %d has no keywords before =>.", n+1)
		}
		out = append(out, chatbot.Branch{Keywords: words, Dialog: target})
	}
	return out, nil
}

// FormatBranches writes branches back in the form ParseBranches reads.
func FormatBranches(bs []chatbot.Branch) string {
	var b strings.Builder
	for i, br := range bs {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.Join(br.Keywords, ", "))
		b.WriteString(" => ")
		b.WriteString(br.Dialog)
	}
	return b.String()
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
