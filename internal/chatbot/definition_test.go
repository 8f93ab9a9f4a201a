package chatbot

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// exampleJSON is the example document of the brief, with the dialogs it
// names.
const exampleJSON = `{
  "attributes": [{"name": "order_id", "type": "number"}, {"name": "name", "type": "text"}],
  "entry": "start",
  "fallback": "fallback",
  "dialogs": [
    {"id": "start", "name": "Start", "elements": [
      {"type": "message", "text": "Hi {{name}}!"},
      {"type": "question", "text": "Your order number?", "attribute": "order_id", "retry_text": "That is not a number.", "max_tries": 3},
      {"type": "keywords", "branches": [{"keywords": ["hours", "opening"], "dialog": "hours"}]},
      {"type": "condition", "attribute": "order_id", "operator": "gt", "value": "1000", "dialog": "big"},
      {"type": "goto", "dialog": "hours"},
      {"type": "close", "text": "Bye!"}
    ]},
    {"id": "hours", "name": "Hours", "elements": [{"type": "message", "text": "9 to 5."}]},
    {"id": "big", "name": "Big", "elements": [{"type": "close"}]},
    {"id": "fallback", "name": "Fallback", "elements": [{"type": "message", "text": "Sorry?"}]}
  ]
}`

func TestParseExample(t *testing.T) {
	def, err := Parse([]byte(exampleJSON))
	if err != nil {
		t.Fatal(err)
	}
	if def.Entry != "start" || def.Fallback != "fallback" || len(def.Dialogs) != 4 || len(def.Attributes) != 2 {
		t.Fatalf("parsed %+v", def)
	}
	q := def.Dialogs[0].Elements[1]
	want := Element{Type: ElementQuestion, Text: "Your order number?", Attribute: "order_id", RetryText: "That is not a number.", MaxTries: 3}
	if !reflect.DeepEqual(q, want) {
		t.Errorf("question = %+v, want %+v", q, want)
	}
	if got := def.Dialogs[0].Elements[2].Branches; len(got) != 1 || got[0].Dialog != "hours" || len(got[0].Keywords) != 2 {
		t.Errorf("branches = %+v", got)
	}
	ctx := Context{HasSender: true, SenderChannel: "sms", Channel: "sms", SessionTimeout: 15 * time.Minute}
	if errs := Errors(Validate(def, ctx)); len(errs) != 0 {
		t.Errorf("errors: %+v", errs)
	}
}

func TestParseErrors(t *testing.T) {
	el := func(s string) string { return `{"dialogs": [{"id": "a", "name": "A", "elements": [` + s + `]}]}` }
	tests := []struct {
		name, doc, path, msg string
	}{
		{"empty", ``, "", "empty"},
		{"not json", `{"entry": ,}`, "", "not valid JSON at line 1, column 11"},
		{"syntax on line 2", "{\n  \"entry\" \"a\"}", "", "line 2, column 11"},
		{"truncated", `{"entry": "a"`, "", "ends too early"},
		{"trailing data", `{} {}`, "", "unexpected data after the definition at line 1, column 4"},
		{"not an object", `[]`, "", "expected an object, found a list"},
		{"unknown top key", `{"entry": "a", "colour": 1}`, "", `unknown key "colour"`},
		{"entry not text", `{"entry": 5}`, "entry", "expected text, found a number"},
		{"dialogs not a list", `{"dialogs": {}}`, "dialogs", "expected a list, found an object"},
		{"attribute type", `{"attributes": [{"name": "a", "type": "text"}, {"name": "b", "type": "colour"}]}`, "attributes[1].type", `unknown type "colour"`},
		{"attribute without type", `{"attributes": [{"name": "a"}]}`, "attributes[0].type", "missing type"},
		{"attribute unknown key", `{"attributes": [{"name": "a", "type": "text", "size": 3}]}`, "attributes[0]", `unknown key "size"`},
		{"dialog unknown key", `{"dialogs": [{"id": "a", "title": "A"}]}`, "dialogs[0]", `unknown key "title"`},
		{"element type", `{"dialogs": [{"id": "a"}, {"id": "b"}, {"id": "c", "elements": [{"type": "foo"}]}]}`, "dialogs[2].elements[0]", `unknown element type "foo"`},
		{"element without type", el(`{"text": "hi"}`), "dialogs[0].elements[0]", "missing element type"},
		{"element unknown key", el(`{"type": "message", "txt": "hi"}`), "dialogs[0].elements[0]", `unknown key "txt"`},
		{"operator", el(`{"type": "condition", "attribute": "a", "operator": "like", "dialog": "a"}`), "dialogs[0].elements[0].operator", `unknown operator "like"`},
		{"max_tries text", el(`{"type": "question", "max_tries": "3"}`), "dialogs[0].elements[0].max_tries", "expected a whole number, found text"},
		{"max_tries fraction", el(`{"type": "question", "max_tries": 2.5}`), "dialogs[0].elements[0].max_tries", "found the number 2.5"},
		{"branch unknown key", el(`{"type": "keywords", "branches": [{"keywords": ["a"], "dialog": "a", "x": 1}]}`), "dialogs[0].elements[0].branches[0]", `unknown key "x"`},
		{"keyword not text", el(`{"type": "keywords", "branches": [{"keywords": [1], "dialog": "a"}]}`), "dialogs[0].elements[0].branches[0].keywords", "expected text"},
		{"too large", `{"entry": "` + strings.Repeat("a", MaxStoredDefinitionBytes) + `"}`, "", "limit is 1048576"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if pe.Path != tt.path || !strings.Contains(pe.Message, tt.msg) {
				t.Errorf("got path %q message %q, want path %q message containing %q", pe.Path, pe.Message, tt.path, tt.msg)
			}
		})
	}
}

// Work in progress parses: problems of meaning are validation's business.
func TestParseAcceptsWorkInProgress(t *testing.T) {
	docs := []string{
		`{}`,
		`null`,
		`{"attributes": [], "entry": "", "dialogs": []}`,
		`{"entry": "nope", "dialogs": [{"id": "a", "elements": [{"type": "goto", "dialog": "missing"}]}]}`,
		`{"dialogs": [{"id": "a", "elements": [{"type": "condition"}, {"type": "question"}, {"type": "keywords"}]}]}`,
		`{"attributes": [{"name": "Bad_Name", "type": "text"}, {"name": "Bad_Name", "type": "text"}]}`,
	}
	for _, doc := range docs {
		if _, err := Parse([]byte(doc)); err != nil {
			t.Errorf("Parse(%s) = %v", doc, err)
		}
	}
}

func TestJSONRoundTripAndHash(t *testing.T) {
	def, err := Parse([]byte(exampleJSON))
	if err != nil {
		t.Fatal(err)
	}
	out := def.JSON()
	again, err := Parse(out)
	if err != nil {
		t.Fatalf("re-parse: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(def, again) {
		t.Errorf("round trip changed the definition:\n%+v\n%+v", def, again)
	}
	if !bytes.Equal(out, again.JSON()) {
		t.Error("JSON is not canonical")
	}
	if def.Hash() != again.Hash() || len(def.Hash()) != 64 {
		t.Errorf("hash %q vs %q", def.Hash(), again.Hash())
	}
	// Keys come in field order, empty lists are written as [].
	empty := (&Definition{}).JSON()
	if want := "{\n  \"attributes\": [],\n  \"entry\": \"\",\n  \"dialogs\": []\n}"; string(empty) != want {
		t.Errorf("empty definition JSON = %s", empty)
	}
	if !bytes.Contains(out, []byte(`"Hi {{name}}!"`)) {
		t.Error("JSON escapes HTML-ish characters or placeholders")
	}
	changed := def.Clone()
	changed.Dialogs[1].Elements[0].Text = "10 to 6."
	if changed.Hash() == def.Hash() {
		t.Error("hash did not change with the definition")
	}
}

func TestCloneIsDeep(t *testing.T) {
	def, err := Parse([]byte(exampleJSON))
	if err != nil {
		t.Fatal(err)
	}
	c := def.Clone()
	if !reflect.DeepEqual(def, c) {
		t.Fatal("clone differs")
	}
	c.Attributes[0].Name = "x"
	c.Dialogs[0].Name = "x"
	c.Dialogs[0].Elements[0].Text = "x"
	c.Dialogs[0].Elements[2].Branches[0].Keywords[0] = "x"
	c.Dialogs[0].Elements[2].Branches[0].Dialog = "x"
	if def.Attributes[0].Name == "x" || def.Dialogs[0].Name == "x" || def.Dialogs[0].Elements[0].Text == "x" ||
		def.Dialogs[0].Elements[2].Branches[0].Keywords[0] == "x" || def.Dialogs[0].Elements[2].Branches[0].Dialog == "x" {
		t.Error("changing the clone changed the original")
	}
	if (*Definition)(nil).Clone() != nil {
		t.Error("nil clone")
	}
}

func TestLookups(t *testing.T) {
	def, _ := Parse([]byte(exampleJSON))
	if d, i := def.DialogByID("hours"); d == nil || i != 1 || d.Name != "Hours" {
		t.Errorf("DialogByID(hours) = %v, %d", d, i)
	}
	if d, i := def.DialogByID("nope"); d != nil || i != -1 {
		t.Errorf("DialogByID(nope) = %v, %d", d, i)
	}
	if a, ok := def.AttributeByName("name"); !ok || a.Type != AttributeText {
		t.Errorf("AttributeByName(name) = %v, %v", a, ok)
	}
	if _, ok := def.AttributeByName("nope"); ok {
		t.Error("AttributeByName(nope) found something")
	}
	// The pointer is into the definition, so an editor can change it.
	d, _ := def.DialogByID("hours")
	d.Name = "Opening hours"
	if def.Dialogs[1].Name != "Opening hours" {
		t.Error("DialogByID returned a copy")
	}
}

func TestNewDefinition(t *testing.T) {
	def := NewDefinition()
	for _, ch := range []string{"sms", "whatsapp", "viber", "telegram", "messenger", "livechat"} {
		fs := Validate(def, Context{HasSender: true, SenderChannel: ch, Channel: ch, SessionTimeout: 15 * time.Minute})
		if errs := Errors(fs); len(errs) != 0 {
			t.Errorf("%s: errors %+v", ch, errs)
		}
	}
	again, err := Parse(def.JSON())
	if err != nil || !reflect.DeepEqual(def, again) {
		t.Errorf("round trip: %v\n%+v\n%+v", err, def, again)
	}
	res := Start(def)
	if !reflect.DeepEqual(res.Replies, []string{"Hello! How can I help?"}) || res.Closed {
		t.Errorf("Start = %+v", res)
	}
	if NewDefinition() == def || &NewDefinition().Dialogs[0] == &def.Dialogs[0] {
		t.Error("NewDefinition shares memory between calls")
	}
}

func TestConstantLists(t *testing.T) {
	if got := strings.Join(AttributeTypes(), ","); got != "text,number,email,phone,date,yesno" {
		t.Errorf("AttributeTypes = %s", got)
	}
	if got := strings.Join(ElementTypes(), ","); got != "message,question,keywords,buttons,condition,goto,handover,close" {
		t.Errorf("ElementTypes = %s", got)
	}
	if got := strings.Join(Operators(), ","); got != "eq,ne,lt,gt,contains,empty" {
		t.Errorf("Operators = %s", got)
	}
	// Callers may change the lists they get.
	AttributeTypes()[0] = "x"
	if AttributeTypes()[0] != AttributeText {
		t.Error("AttributeTypes shares its slice")
	}
}

func TestParseErrorText(t *testing.T) {
	_, err := Parse([]byte(`{"dialogs": [{"id": "a"}, {"id": "b"}, {"id": "c", "elements": [{"type": "foo"}]}]}`))
	if want := `dialogs[2].elements[0]: unknown element type "foo"; use one of message, question, keywords, buttons, condition, goto, handover, close`; err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
	_, err = Parse(nil)
	if err == nil || err.Error() != "the definition is empty" {
		t.Errorf("err = %v", err)
	}
	if got := string((*Definition)(nil).JSON()); !strings.Contains(got, `"dialogs": []`) {
		t.Errorf("nil JSON = %s", got)
	}
}
