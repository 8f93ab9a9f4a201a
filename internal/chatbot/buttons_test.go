package chatbot

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

func buttons(text string, opts ...Option) Element {
	return Element{Type: ElementButtons, Text: text, Options: opts}
}

// menuDef is a buttons menu of two options, with a fallback or without.
func menuDef(fallback bool) *Definition {
	def := &Definition{Entry: "s", Dialogs: []Dialog{
		dialog("s", msg("Hello."), buttons("What would you like?", Option{Label: "Prices", Dialog: "prices"}, Option{Label: " Opening hours ", Dialog: "hours"})),
		dialog("prices", msg("From 5 €.")),
		dialog("hours", msg("9 to 5.")),
	}}
	if fallback {
		def.Fallback = "fallback"
		def.Dialogs = append(def.Dialogs, dialog("fallback", msg("Sorry, choose an option.")))
	}
	return def
}

func TestButtons(t *testing.T) {
	choices := []string{"Prices", "Opening hours"}
	tests := []struct {
		name     string
		fallback bool
		inputs   []string
		want     []string // replies per turn: Start, then each input
		choices  []string // Choices of the last turn
		option   string   // the trace's option step of the last turn, "" for none
	}{
		{name: "the text, waiting, with its choices", want: []string{"Hello. | What would you like?"}, choices: choices},
		{name: "the label clicked", inputs: []string{"Prices"}, want: []string{"Hello. | What would you like?", "From 5 €."}, option: `1 “Prices” by its label`},
		{name: "the label typed: case, accents, punctuation and spaces aside", inputs: []string{"  opening HOÚRS!! "}, want: []string{"Hello. | What would you like?", "9 to 5."}, option: `2 “Opening hours” by its label`},
		{name: "the number", inputs: []string{"2"}, want: []string{"Hello. | What would you like?", "9 to 5."}, option: `2 “Opening hours” by its number`},
		{name: "the number with punctuation", inputs: []string{"#1."}, want: []string{"Hello. | What would you like?", "From 5 €."}, option: `1 “Prices” by its number`},
		{name: "a number past the options is unmatched", inputs: []string{"3"}, want: []string{"Hello. | What would you like?", ""}, choices: choices},
		{name: "a label inside a sentence is unmatched", inputs: []string{"what are your prices"}, want: []string{"Hello. | What would you like?", ""}, choices: choices},
		{name: "unmatched without a fallback: waits again, saying nothing", inputs: []string{"what?", "prices"}, want: []string{"Hello. | What would you like?", "", "From 5 €."}, option: `1 “Prices” by its label`},
		{name: "unmatched with a fallback: the fallback runs", fallback: true, inputs: []string{"what?"}, want: []string{"Hello. | What would you like?", "Sorry, choose an option."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			def := menuDef(tc.fallback)
			rs := converse(t, def, tc.inputs...)
			if got := replies(rs); !slices.Equal(got, tc.want) {
				t.Fatalf("replies %q, want %q", got, tc.want)
			}
			last := rs[len(rs)-1]
			if !slices.Equal(last.Choices, tc.choices) || !slices.Equal(last.State.Choices, tc.choices) {
				t.Errorf("choices %q (state %q), want %q", last.Choices, last.State.Choices, tc.choices)
			}
			// The same turn traced says which option was chosen.
			if len(rs) > 1 {
				traced := ContinueTraced(def, rs[len(rs)-2].State, tc.inputs[len(tc.inputs)-1])
				var got string
				for _, st := range traced.Steps {
					if st.Event == EventOption {
						got = st.Detail
					}
				}
				if got != tc.option {
					t.Errorf("option step %q, want %q (steps %+v)", got, tc.option, traced.Steps)
				}
				if tc.option != "" && traced.Branch == "" {
					t.Error("the transcript's branch is not set")
				}
			}
		})
	}
}

func TestButtonsReadAtMostMaxOptions(t *testing.T) {
	var opts []Option
	for i := range MaxOptions + 5 {
		opts = append(opts, Option{Label: "option " + string(rune('a'+i)), Dialog: "s"})
	}
	def := &Definition{Entry: "s", Dialogs: []Dialog{dialog("s", buttons("Pick", opts...))}}
	r := Start(def)
	if len(r.Choices) != MaxOptions {
		t.Fatalf("%d choices", len(r.Choices))
	}
	if r2 := Continue(def, r.State, "12"); r2.Branch != "" {
		t.Errorf("option 12 of an element read to %d was chosen", MaxOptions)
	}
}

func TestWithChoiceList(t *testing.T) {
	replies := []string{"Hello.", "What would you like?"}
	got := WithChoiceList(replies, []string{"Prices", "Opening hours"})
	if want := []string{"Hello.", "What would you like?\n1. Prices\n2. Opening hours"}; !slices.Equal(got, want) {
		t.Errorf("got %q", got)
	}
	if replies[1] != "What would you like?" {
		t.Error("the replies were changed")
	}
	if got := WithChoiceList(nil, []string{"A"}); !slices.Equal(got, []string{"1. A"}) {
		t.Errorf("no replies: %q", got)
	}
	if got := WithChoiceList(replies, nil); !slices.Equal(got, replies) {
		t.Errorf("no choices: %q", got)
	}
	if !ChoicesInText("sms") || ChoicesInText("whatsapp") || ChoicesInText("livechat") {
		t.Error("ChoicesInText")
	}
}

func fuzzyDef(bs ...Branch) *Definition {
	el := branches(bs...)
	el.Fuzzy = true
	return &Definition{Entry: "s", Dialogs: []Dialog{
		dialog("s", el),
		dialog("prices", msg("From 5 €.")),
		dialog("hours", msg("9 to 5.")),
		dialog("delivery", msg("In 2 days.")),
	}}
}

func TestFuzzyKeywords(t *testing.T) {
	def := fuzzyDef(
		Branch{Keywords: []string{"prices", "cost"}, Dialog: "prices"},
		Branch{Keywords: []string{"opening hours", "times"}, Dialog: "hours"},
		Branch{Keywords: []string{"delivery"}, Dialog: "delivery"},
	)
	tests := []struct {
		name, input, want string
		trace             []string // the fuzzy steps
	}{
		{"swap", "pirces please", "From 5 €.", []string{"matched 'pirces' as 'prices'"}},
		{"substitute", "what are the prives", "From 5 €.", []string{"matched 'prives' as 'prices'"}},
		{"delete", "prces?", "From 5 €.", []string{"matched 'prces' as 'prices'"}},
		{"insert", "delivvery", "In 2 days.", []string{"matched 'delivvery' as 'delivery'"}},
		{"accents and case first", "DÉLIVRY", "In 2 days.", []string{"matched 'delivry' as 'delivery'"}},
		{"a word of a longer keyword", "opening huors", "9 to 5.", []string{"matched 'huors' as 'hours'"}},
		{"two words fixed", "openin huors", "9 to 5.", []string{"matched 'openin' as 'opening'", "matched 'huors' as 'hours'"}},
		{"under 5 letters: exact only", "cots", "", nil},
		{"two edits: no match", "pircse", "", nil},
		{"exact wins over an earlier branch's fuzzy match", "pirces at opening hours", "9 to 5.", nil},
		{"exact of the same branch", "prices", "From 5 €.", nil},
		{"digits are not typos", "time5", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := Start(def).State
			r := ContinueTraced(def, st, tc.input)
			if got := strings.Join(r.Replies, " | "); got != tc.want {
				t.Fatalf("replies %q, want %q", got, tc.want)
			}
			var fuzzy []string
			for _, s := range r.Steps {
				if s.Event == EventFuzzy {
					fuzzy = append(fuzzy, s.Detail)
				}
			}
			if !slices.Equal(fuzzy, tc.trace) {
				t.Errorf("fuzzy steps %q, want %q", fuzzy, tc.trace)
			}
		})
	}
	// Without "fuzzy" the same element matches exactly only.
	exact := fuzzyDef(Branch{Keywords: []string{"prices"}, Dialog: "prices"})
	exact.Dialogs[0].Elements[0].Fuzzy = false
	if r := Continue(exact, Start(exact).State, "pirces"); len(r.Replies) != 0 {
		t.Errorf("an exact element matched a typo: %q", r.Replies)
	}
}

func TestOneEdit(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"prices", "pirces", true}, {"prices", "prces", true}, {"prices", "pricess", true}, {"prices", "prides", true},
		{"prices", "prices", false}, {"prices", "rpicse", false}, {"prices", "pr", false}, {"abcde", "badce", false},
		{"straße", "strase", true},
	} {
		if got := oneEdit([]rune(tc.a), []rune(tc.b)); got != tc.want {
			t.Errorf("oneEdit(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}

// The fuzzy pass examines at most MaxFuzzyWords words of a message: a
// typo after them is not looked up.
func TestFuzzyWordsBounded(t *testing.T) {
	def := fuzzyDef(Branch{Keywords: []string{"prices"}, Dialog: "prices"})
	st := Start(def).State
	filler := strings.Repeat("zzzzzz ", MaxFuzzyWords)
	if r := Continue(def, st, filler+"pirces"); len(r.Replies) != 0 {
		t.Errorf("a typo after %d unknown words matched", MaxFuzzyWords)
	}
	if r := Continue(def, st, strings.Repeat("zzzzzz ", MaxFuzzyWords-1)+"pirces"); len(r.Replies) != 1 {
		t.Errorf("a typo within the first %d words did not match", MaxFuzzyWords)
	}
}

// buttonsDef is validDef with a buttons element in dialog "hours", at
// element index 1.
func buttonsDef() *Definition {
	d := validDef()
	hours := &d.Dialogs[2]
	hours.Elements = slices.Insert(hours.Elements, 1, buttons("Anything else?",
		Option{Label: "Bye", Dialog: "bye"}, Option{Label: "Start again", Dialog: "start"}))
	return d
}

func TestValidateButtons(t *testing.T) {
	if fs := Validate(buttonsDef(), validCtx()); len(fs) != 0 {
		t.Fatalf("findings on a valid definition with buttons: %+v", fs)
	}
	el := func(d *Definition) *Element { return &d.Dialogs[2].Elements[1] }
	tests := []struct {
		name   string
		change func(d *Definition, c *Context)
		code   string
		sev    Severity
		msg    string
	}{
		{"no text", func(d *Definition, c *Context) { el(d).Text = " " }, CodeEmptyText, SeverityError, "no text to show"},
		{"no options", func(d *Definition, c *Context) { el(d).Options = nil }, CodeNoOptions, SeverityError, "no options; add 1 to 10"},
		{"too many options", func(d *Definition, c *Context) {
			for i := range 9 {
				el(d).Options = append(el(d).Options, Option{Label: "more " + strconv.Itoa(i), Dialog: "bye"})
			}
		}, CodeTooManyOptions, SeverityError, "11 options; it may have at most 10"},
		{"empty label", func(d *Definition, c *Context) { el(d).Options[1].Label = " ?! " }, CodeEmptyLabel, SeverityError, "option 2 has no label"},
		{"same label but for case and accents", func(d *Definition, c *Context) { el(d).Options[1].Label = "BYÉ!" }, CodeDuplicateLabel, SeverityError, `options 1 and 2 have the same label "BYÉ!"`},
		{"label too long", func(d *Definition, c *Context) { el(d).Options[1].Label = strings.Repeat("x", MaxLabelRunes+1) }, CodeLabelTooLong, SeverityError, "41 characters long; a label has at most 40"},
		{"option to nowhere", func(d *Definition, c *Context) { el(d).Options[0].Dialog = "prices" }, CodeUnknownDialog, SeverityError, `option 1 goes to dialog "prices"`},
		{"option to no dialog", func(d *Definition, c *Context) { el(d).Options[0].Dialog = "" }, CodeMissingTarget, SeverityError, "option 1 names no dialog"},
		{"placeholder of no attribute", func(d *Definition, c *Context) { el(d).Text = "Anything else, {{nick}}?" }, CodeUndefinedPlaceholder, SeverityError, "{{nick}}"},
		{"sms text with its numbered options too long", func(d *Definition, c *Context) { el(d).Text = strings.Repeat("x", 140) }, CodeMessageTooLong, SeverityWarning,
			"the text with its numbered options is 162 characters long; one sms message holds 160"},
		{"fuzzy words one edit apart in two branches", func(d *Definition, c *Context) {
			kw := &d.Dialogs[0].Elements[4]
			kw.Fuzzy = true
			kw.Branches[0].Keywords = append(kw.Branches[0].Keywords, "prices")
			kw.Branches[1].Keywords = append(kw.Branches[1].Keywords, "prides")
		}, CodeFuzzyCollision, SeverityWarning, `"prices" (branch 1) and "prides" (branch 2) are one edit apart`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, c := buttonsDef(), validCtx()
			tc.change(d, &c)
			var found []Finding
			for _, f := range Validate(d, c) {
				if f.Code == tc.code {
					found = append(found, f)
				}
			}
			if len(found) != 1 || found[0].Severity != tc.sev || !strings.Contains(found[0].Message, tc.msg) {
				t.Fatalf("findings %+v, want one %s %s containing %q", found, tc.sev, tc.code, tc.msg)
			}
		})
	}
	// The same words without "fuzzy" collide with nothing; the options
	// lead to their dialogs (nothing unreachable) and the buttons wait
	// (no loop) — the valid definition above already says so.
	d := buttonsDef()
	kw := &d.Dialogs[0].Elements[4]
	kw.Branches[0].Keywords = append(kw.Branches[0].Keywords, "prices")
	kw.Branches[1].Keywords = append(kw.Branches[1].Keywords, "prides")
	if fs := Validate(d, validCtx()); len(fs) != 0 {
		t.Errorf("findings without fuzzy: %+v", fs)
	}
}

// A dialog only an option leads to is reachable; a buttons element waits,
// so an option back to its own dialog is no loop.
func TestButtonsGraph(t *testing.T) {
	d := &Definition{Entry: "s", Fallback: "s", Dialogs: []Dialog{
		dialog("s", buttons("Pick", Option{Label: "Again", Dialog: "s"}, Option{Label: "Other", Dialog: "o"})),
		dialog("o", msg("Other.")),
	}, Tests: []Test{{Name: "t", Turns: []TestTurn{{Say: "hi", Expect: []string{"Pick"}}}}}}
	if fs := Validate(d, Context{HasSender: true, Channel: "livechat", SenderChannel: "livechat"}); len(fs) != 0 {
		t.Errorf("findings: %+v", fs)
	}
}

func TestButtonsJSON(t *testing.T) {
	// Without buttons or fuzzy, the canonical JSON has neither key.
	plain := validDef()
	if j := string(plain.JSON()); strings.Contains(j, `"options"`) || strings.Contains(j, `"fuzzy"`) {
		t.Errorf("new keys in a definition without them:\n%s", j)
	}
	d := buttonsDef()
	d.Dialogs[0].Elements[4].Fuzzy = true
	back, err := Parse(d.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if back.Hash() != d.Hash() || !back.Dialogs[0].Elements[4].Fuzzy || len(back.Dialogs[2].Elements[1].Options) != 2 {
		t.Errorf("round trip lost something:\n%s", back.JSON())
	}
	c := d.Clone()
	c.Dialogs[2].Elements[1].Options[0].Label = "x"
	if d.Dialogs[2].Elements[1].Options[0].Label == "x" {
		t.Error("Clone shares options")
	}
	if _, err := Parse([]byte(`{"dialogs": [{"id": "a", "elements": [{"type": "buttons", "options": [{"label": "A", "go": "b"}]}]}]}`)); err == nil ||
		!strings.Contains(err.Error(), `dialogs[0].elements[0].options[0]: unknown key "go"`) {
		t.Errorf("err = %v", err)
	}
}

func TestDiffButtons(t *testing.T) {
	a := buttonsDef()
	b := buttonsDef()
	b.Dialogs[2].Elements[1].Options[1].Label = "Restart"
	b.Dialogs[0].Elements[4].Fuzzy = true
	var got []string
	for _, c := range Diff(a, b) {
		got = append(got, c.Dialog+"/"+strconv.Itoa(c.Element)+"/"+c.Field+": "+c.Before+" → "+c.After)
	}
	want := []string{"start/5/fuzzy:  → on", "hours/2/options: Bye => bye\nStart again => start → Bye => bye\nRestart => start"}
	if !slices.Equal(got, want) {
		t.Errorf("diff %q", got)
	}
}

// Only the first MaxFuzzyIndexWords words of an element match one edit
// away: the index stays bounded however many words it has.
func TestFuzzyIndexBounded(t *testing.T) {
	var bs []Branch
	for i := range MaxFuzzyIndexWords + 1 {
		bs = append(bs, Branch{Keywords: []string{"w" + strings.Repeat("x", 4) + strconv.Itoa(i)}, Dialog: "prices"})
	}
	bs = append(bs, Branch{Keywords: []string{"prices"}, Dialog: "prices"})
	def := fuzzyDef(bs...)
	if r := Continue(def, Start(def).State, "pirces"); len(r.Replies) != 0 {
		t.Error("a word past the bound matched one edit away")
	}
	if r := Continue(def, Start(def).State, "prices"); len(r.Replies) != 1 {
		t.Error("a word past the bound does not match exactly")
	}
}
