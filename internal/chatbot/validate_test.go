package chatbot

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// validDef has no findings at all in validCtx. Dialogs: start 0, young 1,
// hours 2, bye 3, fallback 4.
func validDef() *Definition {
	return &Definition{
		Attributes: []Attribute{{Name: "name", Type: AttributeText}, {Name: "age", Type: AttributeNumber}},
		Entry:      "start",
		Fallback:   "fallback",
		Dialogs: []Dialog{
			{ID: "start", Name: "Start", Elements: []Element{
				{Type: ElementMessage, Text: "Hi!"},
				{Type: ElementQuestion, Text: "Your name?", Attribute: "name", RetryText: "Please type your name."},
				{Type: ElementQuestion, Text: "Your age, {{name}}?", Attribute: "age"},
				{Type: ElementCondition, Attribute: "age", Operator: OpLt, Value: "18", Dialog: "young"},
				{Type: ElementKeywords, Branches: []Branch{
					{Keywords: []string{"hours", "opening"}, Dialog: "hours"},
					{Keywords: []string{"bye", "good bye"}, Dialog: "bye"},
				}},
			}},
			{ID: "young", Name: "Young", Elements: []Element{
				{Type: ElementMessage, Text: "Come back later."},
				{Type: ElementClose},
			}},
			{ID: "hours", Name: "Hours", Elements: []Element{
				{Type: ElementMessage, Text: "9 to 5."},
				{Type: ElementGoto, Dialog: "start"}, // start waits before it jumps: no loop
			}},
			{ID: "bye", Name: "Bye", Elements: []Element{{Type: ElementClose, Text: "Bye {{ name }}!"}}},
			{ID: "fallback", Name: "Fallback", Elements: []Element{{Type: ElementMessage, Text: "Sorry?"}}},
		},
		Tests: []Test{{Name: "greets", Turns: []TestTurn{{Say: "hi", Expect: []string{"Your name?"}, Match: MatchContains}}}},
	}
}

func validCtx() Context {
	return Context{HasSender: true, SenderChannel: "sms", Channel: "sms", SessionTimeout: 15 * time.Minute}
}

func TestValidateValid(t *testing.T) {
	if fs := Validate(validDef(), validCtx()); len(fs) != 0 {
		t.Errorf("findings on a valid definition: %+v", fs)
	}
	if fs := Validate(nil, validCtx()); len(Errors(fs)) == 0 {
		t.Error("nil definition has no errors")
	}
}

func TestValidateCodes(t *testing.T) {
	tests := []struct {
		name    string
		change  func(d *Definition, c *Context)
		code    string
		sev     Severity
		dialog  string
		element int
		msg     string // part of the message
	}{
		{"no sender", func(d *Definition, c *Context) { c.HasSender = false }, CodeNoSender, SeverityError, "", -1, "no sender"},
		{"sender on another channel", func(d *Definition, c *Context) { c.SenderChannel = "whatsapp" }, CodeSenderChannelMismatch, SeverityError, "", -1, "on whatsapp"},
		{"no dialogs", func(d *Definition, c *Context) { d.Dialogs, d.Entry, d.Fallback = nil, "", "" }, CodeNoDialogs, SeverityError, "", -1, "no dialogs"},
		{"no entry", func(d *Definition, c *Context) { d.Entry = "" }, CodeNoEntry, SeverityError, "", -1, "No dialog is the entry"},
		{"entry missing", func(d *Definition, c *Context) { d.Entry = "begin" }, CodeNoEntry, SeverityError, "", -1, `"begin" does not exist`},
		{"duplicate dialog", func(d *Definition, c *Context) {
			d.Dialogs = append(d.Dialogs, Dialog{ID: "hours", Name: "Hours again", Elements: []Element{{Type: ElementMessage, Text: "x"}}})
		}, CodeDuplicateDialog, SeverityError, "hours", -1, `Dialog "Hours again": the id "hours" is already the id of dialog "Hours"`},
		{"empty dialog id", func(d *Definition, c *Context) {
			d.Dialogs = append(d.Dialogs, Dialog{ID: " ", Name: "Nameless", Elements: []Element{{Type: ElementMessage, Text: "x"}}})
		}, CodeEmptyDialogID, SeverityError, " ", -1, `Dialog "Nameless": the dialog has no id`},
		{"blank message", func(d *Definition, c *Context) { d.Dialogs[0].Elements[0].Text = " \n" }, CodeEmptyText, SeverityError, "start", 0, `Dialog "Start", element 1: the message has no text`},
		{"empty prompt", func(d *Definition, c *Context) { d.Dialogs[0].Elements[1].Text = "" }, CodeEmptyText, SeverityError, "start", 1, "no prompt"},
		{"goto to nowhere", func(d *Definition, c *Context) { d.Dialogs[2].Elements[1].Dialog = "prices" }, CodeUnknownDialog, SeverityError, "hours", 1,
			`Dialog "Hours", element 2: the jump goes to dialog "prices", which does not exist.`},
		{"branch to nowhere", func(d *Definition, c *Context) { d.Dialogs[0].Elements[4].Branches[1].Dialog = "prices" }, CodeUnknownDialog, SeverityError, "start", 4, `branch 2 goes to dialog "prices"`},
		{"condition to nowhere", func(d *Definition, c *Context) { d.Dialogs[0].Elements[3].Dialog = "prices" }, CodeUnknownDialog, SeverityError, "start", 3, `the condition goes to dialog "prices"`},
		{"fallback to nowhere", func(d *Definition, c *Context) { d.Fallback = "prices" }, CodeUnknownDialog, SeverityError, "", -1, `fallback dialog "prices" does not exist`},
		{"question without attribute", func(d *Definition, c *Context) { d.Dialogs[0].Elements[1].Attribute = "" }, CodeQuestionNoAttribute, SeverityError, "start", 1, "no attribute"},
		{"question with undefined attribute", func(d *Definition, c *Context) { d.Dialogs[0].Elements[1].Attribute = "nick" }, CodeUndefinedAttribute, SeverityError, "start", 1, `"nick", which is not a defined attribute`},
		{"condition with undefined attribute", func(d *Definition, c *Context) { d.Dialogs[0].Elements[3].Attribute = "height" }, CodeUndefinedAttribute, SeverityError, "start", 3, `tests "height"`},
		{"placeholder in message", func(d *Definition, c *Context) { d.Dialogs[0].Elements[0].Text = "Hi {{nick}}!" }, CodeUndefinedPlaceholder, SeverityError, "start", 0, `the text shows {{nick}}, but there is no attribute "nick"`},
		{"placeholder in prompt", func(d *Definition, c *Context) { d.Dialogs[0].Elements[2].Text = "Age, {{ nick }}?" }, CodeUndefinedPlaceholder, SeverityError, "start", 2, "the prompt shows {{nick}}"},
		{"placeholder in retry text", func(d *Definition, c *Context) { d.Dialogs[0].Elements[1].RetryText = "{{nick}}?" }, CodeUndefinedPlaceholder, SeverityError, "start", 1, "the retry text"},
		{"placeholder in close text", func(d *Definition, c *Context) { d.Dialogs[3].Elements[0].Text = "Bye {{nick}}" }, CodeUndefinedPlaceholder, SeverityError, "bye", 0, "the goodbye text"},
		{"empty placeholder", func(d *Definition, c *Context) { d.Dialogs[0].Elements[0].Text = "Hi {{ }}" }, CodeUndefinedPlaceholder, SeverityError, "start", 0, "empty placeholder"},
		{"same keyword in two branches", func(d *Definition, c *Context) {
			d.Dialogs[0].Elements[4].Branches[1].Keywords = append(d.Dialogs[0].Elements[4].Branches[1].Keywords, " ÓPENING! ")
		}, CodeDuplicateKeyword, SeverityError, "start", 4, "in branch 1 and branch 2"},
		{"keywords without branches", func(d *Definition, c *Context) { d.Dialogs[0].Elements[4].Branches = nil }, CodeEmptyKeywords, SeverityError, "start", 4, "no branches"},
		{"branch without keywords", func(d *Definition, c *Context) { d.Dialogs[0].Elements[4].Branches[1].Keywords = nil }, CodeEmptyKeywords, SeverityError, "start", 4, "branch 2 has no keywords"},
		{"punctuation keyword", func(d *Definition, c *Context) { d.Dialogs[0].Elements[4].Branches[1].Keywords[0] = "?!" }, CodeEmptyKeywords, SeverityError, "start", 4, "empty once punctuation"},
		{"condition without attribute", func(d *Definition, c *Context) { d.Dialogs[0].Elements[3].Attribute = "" }, CodeConditionNoAttribute, SeverityError, "start", 3, "no attribute to test"},
		{"condition without operator", func(d *Definition, c *Context) { d.Dialogs[0].Elements[3].Operator = "" }, CodeConditionNoOperator, SeverityError, "start", 3, "no operator"},
		{"goto without dialog", func(d *Definition, c *Context) { d.Dialogs[2].Elements[1].Dialog = "" }, CodeMissingTarget, SeverityError, "hours", 1, "the jump names no dialog"},
		{"condition without dialog", func(d *Definition, c *Context) { d.Dialogs[0].Elements[3].Dialog = "" }, CodeMissingTarget, SeverityError, "start", 3, "the condition names no dialog"},
		{"branch without dialog", func(d *Definition, c *Context) { d.Dialogs[0].Elements[4].Branches[0].Dialog = "" }, CodeMissingTarget, SeverityError, "start", 4, "branch 1 names no dialog"},
		{"goto loop between two dialogs", func(d *Definition, c *Context) {
			d.Dialogs[1].Elements = []Element{{Type: ElementGoto, Dialog: "hours"}}
			d.Dialogs[2].Elements[1].Dialog = "young"
		}, CodeJumpLoop, SeverityError, "young", 0, `"Young" → "Hours" → "Young"`},
		{"goto to itself", func(d *Definition, c *Context) {
			d.Dialogs[4].Elements = append(d.Dialogs[4].Elements, Element{Type: ElementGoto, Dialog: "fallback"})
		}, CodeJumpLoop, SeverityError, "fallback", 1, "leads back to itself"},
		{"condition loop", func(d *Definition, c *Context) {
			d.Dialogs[2].Elements = []Element{{Type: ElementMessage, Text: "x"}, {Type: ElementCondition, Attribute: "age", Operator: OpEmpty, Dialog: "bye"}, {Type: ElementGoto, Dialog: "start"}}
			d.Dialogs[3].Elements = []Element{{Type: ElementCondition, Attribute: "name", Operator: OpEmpty, Dialog: "hours"}, {Type: ElementClose, Text: "Bye {{name}}"}}
		}, CodeJumpLoop, SeverityError, "hours", 1, `"Hours" → "Bye" → "Hours"`},
		{"duplicate attribute", func(d *Definition, c *Context) {
			d.Attributes = append(d.Attributes, Attribute{Name: "name", Type: AttributeEmail})
		}, CodeDuplicateAttribute, SeverityError, "", -1, `"name" is defined more than once`},
		{"invalid attribute name", func(d *Definition, c *Context) { d.Attributes[0].Name = "Nick Name" }, CodeInvalidAttributeName, SeverityError, "", -1, `"Nick Name" is not valid`},
		{"attribute name too long", func(d *Definition, c *Context) { d.Attributes[0].Name = "a" + strings.Repeat("b", 50) }, CodeInvalidAttributeName, SeverityError, "", -1, "not valid"},

		{"unreachable dialog", func(d *Definition, c *Context) {
			d.Dialogs = append(d.Dialogs, Dialog{ID: "orphan", Name: "Orphan", Elements: []Element{{Type: ElementMessage, Text: "x"}}})
		}, CodeUnreachableDialog, SeverityWarning, "orphan", -1, `Dialog "Orphan": no jump`},
		{"no fallback", func(d *Definition, c *Context) { d.Fallback = "" }, CodeNoFallback, SeverityWarning, "", -1, "no fallback"},
		{"unused attribute", func(d *Definition, c *Context) {
			d.Attributes = append(d.Attributes, Attribute{Name: "email", Type: AttributeEmail})
		}, CodeUnusedAttribute, SeverityWarning, "", -1, `"email" is never used`},
		{"sms message too long", func(d *Definition, c *Context) { d.Dialogs[3].Elements[0].Text = strings.Repeat("é", 161) }, CodeMessageTooLong, SeverityWarning, "bye", 0, "161 characters long; one sms message holds 160"},
		{"viber retry text too long", func(d *Definition, c *Context) {
			c.Channel, c.SenderChannel = "viber", "viber"
			d.Dialogs[0].Elements[1].RetryText = strings.Repeat("x", 1001)
		}, CodeMessageTooLong, SeverityWarning, "start", 1, "the retry text is 1001"},
		{"long session timeout", func(d *Definition, c *Context) { c.SessionTimeout = 25*time.Hour + 30*time.Minute }, CodeLongSessionTimeout, SeverityWarning, "", -1, "25.5 hours"},
		{"text over the limit", func(d *Definition, c *Context) {
			c.Channel, c.SenderChannel = "livechat", "livechat"
			d.Dialogs[4].Elements[0].Text = strings.Repeat("x", MaxTextRunes+1)
		}, CodeTextMayBeCut, SeverityWarning, "fallback", 0, "is 4097 characters long; the chatbot sends at most 4096 characters"},
		{"placeholders that can fill past the limit", func(d *Definition, c *Context) {
			d.Dialogs[3].Elements[0].Text = "Bye " + strings.Repeat("{{name}} ", 4) + "{{age}}"
		}, CodeTextMayBeCut, SeverityWarning, "bye", 0, "the goodbye text can be 5128 characters long once its placeholders are filled (each shows at most 1024 characters of its value); the chatbot sends at most 4096"},
		{"many placeholders", func(d *Definition, c *Context) {
			d.Dialogs[0].Elements[1].RetryText = strings.Repeat("{{name}}", 900)
		}, CodeTextMayBeCut, SeverityWarning, "start", 1, "the retry text can be 921600 characters long"},
		{"a placeholder bomb", func(d *Definition, c *Context) {
			d.Dialogs[0].Elements[1].RetryText = strings.Repeat("{{name}}", 2000)
		}, CodeTextMayBeCut, SeverityWarning, "start", 1, "the retry text has 2000 placeholders; the chatbot fills at most 1000 in a text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, c := validDef(), validCtx()
			tt.change(d, &c)
			fs := Validate(d, c)
			i := slices.IndexFunc(fs, func(f Finding) bool {
				return f.Code == tt.code && f.Dialog == tt.dialog && f.Element == tt.element
			})
			if i < 0 {
				t.Fatalf("no %s finding on dialog %q element %d in %+v", tt.code, tt.dialog, tt.element, fs)
			}
			if f := fs[i]; f.Severity != tt.sev || !strings.Contains(f.Message, tt.msg) {
				t.Errorf("got %s %q, want %s containing %q", f.Severity, f.Message, tt.sev, tt.msg)
			}
		})
	}
}

// Boundaries that must not be findings.
func TestValidateNoFalseFindings(t *testing.T) {
	tests := []struct {
		name   string
		change func(d *Definition, c *Context)
	}{
		{"160 characters on sms", func(d *Definition, c *Context) { d.Dialogs[3].Elements[0].Text = strings.Repeat("é", 160) }},
		{"placeholders counted as written", func(d *Definition, c *Context) {
			d.Dialogs[3].Elements[0].Text = strings.Repeat("x", 152) + "{{name}}"
		}},
		{"longest text on livechat", func(d *Definition, c *Context) {
			c.Channel, c.SenderChannel = "livechat", "livechat"
			d.Dialogs[0].Elements[0].Text = strings.Repeat("é", MaxTextRunes)
		}},
		{"the longest text a placeholder can fill", func(d *Definition, c *Context) {
			c.Channel, c.SenderChannel = "livechat", "livechat"
			d.Dialogs[0].Elements[0].Text = strings.Repeat("x", MaxTextRunes-3*MaxPlaceholderRunes) + "{{name}}{{ name }}{{name}}"
		}},
		{"exactly 24 h timeout", func(d *Definition, c *Context) { c.SessionTimeout = 24 * time.Hour }},
		{"same keyword twice in one branch", func(d *Definition, c *Context) {
			d.Dialogs[0].Elements[4].Branches[0].Keywords = []string{"hours", "Hours"}
		}},
		{"jump loop broken by a question", func(d *Definition, c *Context) {
			d.Dialogs[1].Elements = []Element{{Type: ElementGoto, Dialog: "hours"}}
			d.Dialogs[2].Elements = []Element{{Type: ElementQuestion, Text: "?", Attribute: "name"}, {Type: ElementGoto, Dialog: "young"}}
		}},
		{"jump loop broken by keywords", func(d *Definition, c *Context) {
			d.Dialogs[2].Elements = []Element{{Type: ElementKeywords, Branches: []Branch{{Keywords: []string{"x"}, Dialog: "hours"}}}}
		}},
		{"jump after a goto never runs", func(d *Definition, c *Context) {
			d.Dialogs[2].Elements = []Element{{Type: ElementGoto, Dialog: "bye"}, {Type: ElementGoto, Dialog: "hours"}}
		}},
		{"fallback only reachable as the fallback", func(d *Definition, c *Context) {}},
		{"attribute used only in a placeholder", func(d *Definition, c *Context) {
			d.Attributes = append(d.Attributes, Attribute{Name: "city", Type: AttributeText})
			d.Dialogs[4].Elements[0].Text = "Sorry, {{city}}?"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, c := validDef(), validCtx()
			tt.change(d, &c)
			if fs := Validate(d, c); len(fs) != 0 {
				t.Errorf("unexpected findings %+v", fs)
			}
		})
	}
}

func TestValidateOrder(t *testing.T) {
	d, c := validDef(), validCtx()
	c.HasSender = false
	d.Fallback = ""
	d.Dialogs[3].Elements[0].Text = strings.Repeat("x", 200) + "{{nick}}"
	d.Dialogs[0].Elements[4].Branches = nil
	d.Dialogs[0].Elements[0].Text = ""
	fs := Validate(d, c)
	var got []string
	for _, f := range fs {
		got = append(got, string(f.Severity)+" "+f.Code+" "+f.Dialog)
	}
	want := []string{
		"error no_sender ",
		"error empty_text start",
		"error empty_keywords start",
		"error undefined_placeholder bye",
		"warning no_fallback ",
		"warning unreachable_dialog hours", // only the keywords led there
		"warning unreachable_dialog bye",
		"warning message_too_long bye",
		"warning unreachable_dialog fallback",
	}
	if !slices.Equal(got, want) {
		t.Errorf("order:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(Errors(fs)) != 4 || len(Warnings(fs)) != 5 {
		t.Errorf("Errors/Warnings split %d/%d", len(Errors(fs)), len(Warnings(fs)))
	}
	if !slices.EqualFunc(fs, Validate(d, c), func(a, b Finding) bool { return a == b }) {
		t.Error("Validate is not deterministic")
	}
}

func TestChannelLimit(t *testing.T) {
	for ch, want := range map[string]int{"sms": 160, "whatsapp": 4096, "telegram": 4096, "messenger": 2000, "viber": 1000, "livechat": 0, "carrier pigeon": 0} {
		if got := ChannelLimit(ch); got != want {
			t.Errorf("ChannelLimit(%s) = %d, want %d", ch, got, want)
		}
	}
}

// A long chain of dialogs is handled without deep recursion.
func TestValidateLongChain(t *testing.T) {
	const n = 20000
	d := &Definition{Entry: "d0", Fallback: "d0"}
	for i := range n {
		next := "d" + strconv.Itoa((i+1)%n)
		d.Dialogs = append(d.Dialogs, Dialog{ID: "d" + strconv.Itoa(i), Name: "D", Elements: []Element{{Type: ElementGoto, Dialog: next}}})
	}
	fs := Errors(Validate(d, validCtx()))
	if len(fs) != 1 || fs[0].Code != CodeJumpLoop || fs[0].Dialog != "d0" || len(fs[0].Message) > 300 {
		t.Errorf("findings %+v", fs[:min(len(fs), 3)])
	}
}
