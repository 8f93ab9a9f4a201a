package chatbot

import (
	"fmt"
	"strconv"
	"strings"
)

// Change kinds.
const (
	ChangeAdded   = "added"
	ChangeRemoved = "removed"
	ChangeChanged = "changed"
)

// Change is one difference between two definitions, for people: about
// the chatbot (Dialog ""), a dialog (Element 0) or one of its elements
// (Element, 1-based: its place in the newer definition, or in the older
// one when it was removed).
type Change struct {
	Kind    string `json:"kind"`
	Dialog  string `json:"dialog"`
	Element int    `json:"element"`
	Field   string `json:"field"`
	Before  string `json:"before"`
	After   string `json:"after"`
}

// Diff lists what changed from before to after: the entry and fallback,
// attributes, dialogs (matched by id) and their elements (aligned so that
// an inserted element shows as added rather than as every later element
// changed), and the conversation tests (matched by name).
func Diff(before, after *Definition) []Change {
	if before == nil {
		before = &Definition{}
	}
	if after == nil {
		after = &Definition{}
	}
	var out []Change
	field := func(dialog string, el int, name, a, b string) {
		if a != b {
			out = append(out, Change{Kind: ChangeChanged, Dialog: dialog, Element: el, Field: name, Before: a, After: b})
		}
	}
	field("", 0, "entry", before.Entry, after.Entry)
	field("", 0, "fallback", before.Fallback, after.Fallback)
	secs := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	field("", 0, "handover_timeout_seconds", secs(before.HandoverTimeout), secs(after.HandoverTimeout))
	field("", 0, "handover_on_timeout", before.HandoverOnTimeout, after.HandoverOnTimeout)
	field("", 0, "handover_timeout_text", before.HandoverTimeoutText, after.HandoverTimeoutText)

	for _, a := range before.Attributes {
		if b, ok := after.AttributeByName(a.Name); !ok {
			out = append(out, Change{Kind: ChangeRemoved, Field: "attribute", Before: a.Name + " (" + a.Type + ")"})
		} else if b.Type != a.Type {
			out = append(out, Change{Kind: ChangeChanged, Field: "attribute " + a.Name, Before: a.Type, After: b.Type})
		}
	}
	for _, b := range after.Attributes {
		if _, ok := before.AttributeByName(b.Name); !ok {
			out = append(out, Change{Kind: ChangeAdded, Field: "attribute", After: b.Name + " (" + b.Type + ")"})
		}
	}

	for _, da := range before.Dialogs {
		if db, _ := after.DialogByID(da.ID); db == nil {
			out = append(out, Change{Kind: ChangeRemoved, Dialog: da.ID, Field: "dialog", Before: describeDialog(da)})
		}
	}
	for _, db := range after.Dialogs {
		da, _ := before.DialogByID(db.ID)
		if da == nil {
			out = append(out, Change{Kind: ChangeAdded, Dialog: db.ID, Field: "dialog", After: describeDialog(db)})
			continue
		}
		field(db.ID, 0, "name", da.Name, db.Name)
		out = append(out, diffElements(db.ID, da.Elements, db.Elements)...)
	}

	testByName := func(d *Definition, name string) *Test {
		for i := range d.Tests {
			if d.Tests[i].Name == name {
				return &d.Tests[i]
			}
		}
		return nil
	}
	for _, ta := range before.Tests {
		if testByName(after, ta.Name) == nil {
			out = append(out, Change{Kind: ChangeRemoved, Field: "test " + ta.Name, Before: script(ta.Turns)})
		}
	}
	for _, tb := range after.Tests {
		if ta := testByName(before, tb.Name); ta == nil {
			out = append(out, Change{Kind: ChangeAdded, Field: "test " + tb.Name, After: script(tb.Turns)})
		} else {
			field("", 0, "test "+tb.Name, script(ta.Turns), script(tb.Turns))
		}
	}
	return out
}

func describeDialog(d Dialog) string {
	if len(d.Elements) == 1 {
		return d.Name + " (1 element)"
	}
	return fmt.Sprintf("%s (%d elements)", d.Name, len(d.Elements))
}

// script writes test turns as the editor shows them.
func script(turns []TestTurn) string {
	var b strings.Builder
	for _, t := range turns {
		b.WriteString("> " + t.Say + "\n")
		for _, e := range t.Expect {
			if t.Match == MatchContains {
				b.WriteString("~ ")
			}
			b.WriteString(e + "\n")
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// diffElements aligns two element lists on their longest common
// subsequence of equal elements; between two aligned pairs, elements of
// the same type are paired as changed, the rest are added or removed.
func diffElements(dialog string, a, b []Element) []Change {
	n, m := len(a), len(b)
	// lcs[i][j] is the length of the LCS of a[i:] and b[j:]. Dialogs are
	// short, so the quadratic table is cheap; very long ones fall back to
	// pairing by position.
	if n*m > 1<<20 {
		return pairRun(dialog, a, b, 0, 0)
	}
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if equalElements(a[i], b[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []Change
	i, j, gi, gj := 0, 0, 0, 0
	for i < n && j < m {
		switch {
		case equalElements(a[i], b[j]):
			out = append(out, pairRun(dialog, a[gi:i], b[gj:j], gi, gj)...)
			i, j = i+1, j+1
			gi, gj = i, j
		case lcs[i+1][j] >= lcs[i][j+1]:
			i++
		default:
			j++
		}
	}
	return append(out, pairRun(dialog, a[gi:], b[gj:], gi, gj)...)
}

// pairRun describes a run of unmatched elements: a[k] (at offA+k) and
// b[k] (at offB+k) of the same type are one element changed.
func pairRun(dialog string, a, b []Element, offA, offB int) []Change {
	var out []Change
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i].Type == b[j].Type:
			out = append(out, elementFields(dialog, offB+j+1, a[i], b[j])...)
			i, j = i+1, j+1
		case i < len(a) && (j >= len(b) || len(a)-i >= len(b)-j):
			out = append(out, Change{Kind: ChangeRemoved, Dialog: dialog, Element: offA + i + 1, Field: a[i].Type, Before: describeElement(a[i])})
			i++
		default:
			out = append(out, Change{Kind: ChangeAdded, Dialog: dialog, Element: offB + j + 1, Field: b[j].Type, After: describeElement(b[j])})
			j++
		}
	}
	return out
}

func elementFields(dialog string, el int, a, b Element) []Change {
	var out []Change
	f := func(name, x, y string) {
		if x != y {
			out = append(out, Change{Kind: ChangeChanged, Dialog: dialog, Element: el, Field: name, Before: x, After: y})
		}
	}
	tries := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	f("text", a.Text, b.Text)
	f("attribute", a.Attribute, b.Attribute)
	f("retry_text", a.RetryText, b.RetryText)
	f("max_tries", tries(a.MaxTries), tries(b.MaxTries))
	f("branches", branchLines(a.Branches), branchLines(b.Branches))
	f("fuzzy", onOff(a.Fuzzy), onOff(b.Fuzzy))
	f("options", optionLines(a.Options), optionLines(b.Options))
	f("operator", a.Operator, b.Operator)
	f("value", a.Value, b.Value)
	f("dialog", a.Dialog, b.Dialog)
	f("queue", a.Queue, b.Queue)
	f("note", a.Note, b.Note)
	return out
}

func branchLines(bs []Branch) string {
	lines := make([]string, len(bs))
	for i, b := range bs {
		lines[i] = strings.Join(b.Keywords, ", ") + " => " + b.Dialog
	}
	return strings.Join(lines, "\n")
}

func optionLines(os []Option) string {
	lines := make([]string, len(os))
	for i, o := range os {
		lines[i] = o.Label + " => " + o.Dialog
	}
	return strings.Join(lines, "\n")
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return ""
}

func equalElements(a, b Element) bool {
	return len(elementFields("", 0, a, b)) == 0 && a.Type == b.Type
}

// describeElement is an element in one line, for an added or removed one.
func describeElement(e Element) string {
	switch e.Type {
	case ElementMessage, ElementClose:
		return e.Text
	case ElementQuestion:
		return e.Text + " → " + e.Attribute
	case ElementKeywords:
		return branchLines(e.Branches)
	case ElementButtons:
		return e.Text + "\n" + optionLines(e.Options)
	case ElementCondition:
		return fmt.Sprintf("if %s %s %s → %s", e.Attribute, e.Operator, e.Value, e.Dialog)
	case ElementGoto:
		return "→ " + e.Dialog
	case ElementHandover:
		if e.Queue != "" {
			return e.Text + " → people (" + e.Queue + ")"
		}
		return e.Text + " → people"
	}
	return e.Type
}
