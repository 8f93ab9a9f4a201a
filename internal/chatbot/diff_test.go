package chatbot

import (
	"fmt"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	show := func(cs []Change) string {
		var s []string
		for _, c := range cs {
			s = append(s, fmt.Sprintf("%s %s/%d %s: %q -> %q", c.Kind, c.Dialog, c.Element, c.Field, c.Before, c.After))
		}
		return strings.Join(s, "\n")
	}
	tests := []struct {
		name   string
		change func(d *Definition)
		want   string
	}{
		{"nothing", func(d *Definition) {}, ""},
		{"entry and fallback", func(d *Definition) { d.Entry, d.Fallback = "hours", "" },
			`changed /0 entry: "start" -> "hours"` + "\n" + `changed /0 fallback: "fallback" -> ""`},
		{"attribute added", func(d *Definition) { d.Attributes = append(d.Attributes, Attribute{Name: "city", Type: AttributeText}) },
			`added /0 attribute: "" -> "city (text)"`},
		{"attribute removed", func(d *Definition) { d.Attributes = d.Attributes[:1] },
			`removed /0 attribute: "age (number)" -> ""`},
		{"attribute type changed", func(d *Definition) { d.Attributes[1].Type = AttributeText },
			`changed /0 attribute age: "number" -> "text"`},
		{"dialog added", func(d *Definition) {
			d.Dialogs = append(d.Dialogs, Dialog{ID: "extra", Name: "Extra", Elements: []Element{{Type: ElementMessage, Text: "x"}}})
		}, `added extra/0 dialog: "" -> "Extra (1 element)"`},
		{"dialog removed", func(d *Definition) { d.Dialogs = d.Dialogs[:4] },
			`removed fallback/0 dialog: "Fallback (1 element)" -> ""`},
		{"dialog renamed", func(d *Definition) { d.Dialogs[2].Name = "Opening hours" },
			`changed hours/0 name: "Hours" -> "Opening hours"`},
		{"message text changed", func(d *Definition) { d.Dialogs[2].Elements[0].Text = "8 to 8." },
			`changed hours/1 text: "9 to 5." -> "8 to 8."`},
		{"question fields changed", func(d *Definition) {
			el := &d.Dialogs[0].Elements[1]
			el.RetryText, el.MaxTries, el.Attribute = "", 2, "age"
		}, `changed start/2 attribute: "name" -> "age"` + "\n" + `changed start/2 retry_text: "Please type your name." -> ""` + "\n" + `changed start/2 max_tries: "" -> "2"`},
		{"keywords changed", func(d *Definition) { d.Dialogs[0].Elements[4].Branches[0].Keywords = []string{"hours"} },
			`changed start/5 branches: "hours, opening => hours\nbye, good bye => bye" -> "hours => hours\nbye, good bye => bye"`},
		{"condition changed", func(d *Definition) {
			el := &d.Dialogs[0].Elements[3]
			el.Operator, el.Value, el.Dialog = OpGt, "65", "bye"
		}, `changed start/4 operator: "lt" -> "gt"` + "\n" + `changed start/4 value: "18" -> "65"` + "\n" + `changed start/4 dialog: "young" -> "bye"`},
		{"element inserted: only it shows", func(d *Definition) {
			els := d.Dialogs[0].Elements
			d.Dialogs[0].Elements = append([]Element{els[0], {Type: ElementMessage, Text: "New!"}}, els[1:]...)
		}, `added start/2 message: "" -> "New!"`},
		{"element removed: only it shows", func(d *Definition) {
			d.Dialogs[0].Elements = append(d.Dialogs[0].Elements[:1:1], d.Dialogs[0].Elements[2:]...)
		}, `removed start/2 question: "Your name? → name" -> ""`},
		{"element replaced by another type", func(d *Definition) {
			d.Dialogs[2].Elements[1] = Element{Type: ElementClose, Text: "Bye."}
		}, `removed hours/2 goto: "→ start" -> ""` + "\n" + `added hours/2 close: "" -> "Bye."`},
		{"elements moved", func(d *Definition) {
			els := d.Dialogs[1].Elements
			els[0], els[1] = els[1], els[0]
		}, `removed young/1 message: "Come back later." -> ""` + "\n" + `added young/2 message: "" -> "Come back later."`},
		{"test added, changed, removed", func(d *Definition) {
			d.Tests[0].Turns[0].Say = "hello"
			d.Tests = append(d.Tests, Test{Name: "new", Turns: []TestTurn{{Say: "hi", Expect: []string{"Hi!"}}}})
		}, `changed /0 test greets: "> hi\n~ Your name?" -> "> hello\n~ Your name?"` + "\n" + `added /0 test new: "" -> "> hi\nHi!"`},
		{"test removed", func(d *Definition) { d.Tests = nil }, `removed /0 test greets: "> hi\n~ Your name?" -> ""`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			after := validDef()
			tc.change(after)
			if got := show(Diff(validDef(), after)); got != tc.want {
				t.Errorf("diff:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
	if len(Diff(nil, validDef())) == 0 || len(Diff(validDef(), nil)) == 0 {
		t.Error("a diff against nothing is empty")
	}
}
