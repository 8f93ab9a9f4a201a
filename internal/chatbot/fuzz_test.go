package chatbot

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func FuzzParseValidate(f *testing.F) {
	f.Add([]byte(exampleJSON))
	f.Add(NewDefinition().JSON())
	f.Add(validDef().JSON())
	f.Add(engineDef().JSON())
	f.Add([]byte(`{"entry": "a", "dialogs": [{"id": "a", "elements": [{"type": "goto", "dialog": "a"}]}]}`))
	f.Add([]byte(`{"dialogs": [{"id": "a", "elements": [{"type": "foo"}]}]}`))
	f.Add([]byte(`{"attributes": [{"name": "x", "type": "colour"}]}`))
	f.Add([]byte(`{"entry": 5}`))
	f.Add([]byte(`{"entry": "a"`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{} {}`))
	contexts := []Context{
		{HasSender: true, SenderChannel: "sms", Channel: "sms", SessionTimeout: time.Hour},
		{Channel: "livechat", SessionTimeout: 48 * time.Hour},
	}
	inputs := []string{"", "yes", "42", "2024-01-02", "a@b.co", "hours please", "nope"}
	f.Fuzz(func(t *testing.T, data []byte) {
		def, err := Parse(data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || def != nil {
				t.Fatalf("Parse returned %v, %T %v", def, err, err)
			}
			return
		}
		for _, ctx := range contexts {
			for _, fd := range Validate(def, ctx) {
				if fd.Code == "" || fd.Message == "" || (fd.Severity != SeverityError && fd.Severity != SeverityWarning) {
					t.Fatalf("bad finding %+v", fd)
				}
			}
		}
		out := def.JSON()
		if len(out) > MaxDefinitionBytes {
			return // indenting made it too large to parse again
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("canonical JSON does not parse: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(def, again) {
			t.Fatalf("round trip changed the definition:\n%#v\n%#v", def, again)
		}
		if !bytes.Equal(out, again.JSON()) || def.Hash() != again.Hash() {
			t.Fatal("canonical JSON is not stable")
		}
		if !reflect.DeepEqual(def.Clone(), def) {
			t.Fatal("clone differs")
		}
		res := Start(def)
		checkResult(t, res)
		for _, in := range inputs {
			res = Continue(def, res.State, in)
			checkResult(t, res)
		}
	})
}

// engineDef uses every element type and attribute type.
func engineDef() *Definition {
	return &Definition{
		Attributes: []Attribute{
			{Name: "name", Type: AttributeText}, {Name: "n", Type: AttributeNumber}, {Name: "mail", Type: AttributeEmail},
			{Name: "tel", Type: AttributePhone}, {Name: "day", Type: AttributeDate}, {Name: "ok", Type: AttributeYesNo},
		},
		Entry:    "start",
		Fallback: "fallback",
		Dialogs: []Dialog{
			dialog("start", msg("Hi {{name}}."), ask("Name?", "name"),
				branches(Branch{Keywords: []string{"number"}, Dialog: "num"}, Branch{Keywords: []string{"contact", "mail"}, Dialog: "contact"}, Branch{Keywords: []string{"bye"}, Dialog: "bye"})),
			dialog("num", Element{Type: ElementQuestion, Text: "Number?", Attribute: "n", MaxTries: 2},
				when("n", OpGt, "100", "big"), when("n", OpEq, "7", "bye"), jumpTo("start")),
			dialog("big", msg("Big {{n}}."), ask("Day?", "day"), when("day", OpLt, "2000-01-01", "bye"), jumpTo("contact")),
			dialog("contact", ask("Mail?", "mail"), ask("Phone?", "tel"), when("mail", OpContains, "example", "bye"), ask("OK?", "ok"),
				when("ok", OpEq, "yes", "bye"), when("tel", OpEmpty, "", "fallback"), jumpTo("start")),
			dialog("bye", closing("Bye {{name}}, {{n}}, {{mail}}, {{tel}}, {{day}}, {{ok}}.")),
			dialog("fallback", msg("Sorry {{name}}."), branches(Branch{Keywords: []string{"again"}, Dialog: "start"})),
		},
	}
}

func FuzzEngine(f *testing.F) {
	def := engineDef()
	if errs := Errors(Validate(def, Context{HasSender: true, Channel: "sms", SenderChannel: "sms"})); len(errs) != 0 {
		f.Fatalf("engineDef has errors: %+v", errs)
	}
	f.Add("hi", "Ann", "number", "250")
	f.Add("hello", "Bob", "contact", "bob@example.com")
	f.Add("x", "", "?", "3,5")
	f.Add("hi", "Ann", "mail", "nope")
	f.Fuzz(func(t *testing.T, a, b, c, d string) {
		res := Start(def)
		checkResult(t, res)
		for _, in := range []string{a, b, c, d, d, c, b, a} {
			if res.Closed || res.StepLimit {
				res = Start(def)
			}
			res = Continue(def, res.State, in)
			checkResult(t, res)
		}
	})
}

// checkResult checks what holds for every result: bounded replies, no
// blank replies, a state that survives JSON.
func checkResult(t *testing.T, res Result) {
	t.Helper()
	if len(res.Replies) > MaxTurnReplies {
		t.Fatalf("%d replies", len(res.Replies))
	}
	size := 0
	for _, r := range res.Replies {
		size += len(r)
		if n := utf8.RuneCountInString(r); n > MaxTextRunes {
			t.Fatalf("a reply of %d characters", n)
		}
	}
	if size > MaxTurnBytes {
		t.Fatalf("replies of %d bytes", size)
	}
	if len(res.Entered) > MaxSteps+1 {
		t.Fatalf("%d dialogs entered", len(res.Entered))
	}
	for _, r := range res.Replies {
		if strings.TrimSpace(r) == "" {
			t.Fatal("blank reply")
		}
	}
	data, err := json.Marshal(res.State)
	if err != nil {
		t.Fatal(err)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil || !reflect.DeepEqual(st, res.State) {
		t.Fatalf("state does not survive JSON: %v %+v %+v", err, st, res.State)
	}
}
