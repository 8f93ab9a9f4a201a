package chatbot

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func msg(text string) Element     { return Element{Type: ElementMessage, Text: text} }
func jumpTo(id string) Element    { return Element{Type: ElementGoto, Dialog: id} }
func closing(text string) Element { return Element{Type: ElementClose, Text: text} }
func ask(text, attr string) Element {
	return Element{Type: ElementQuestion, Text: text, Attribute: attr}
}
func branches(bs ...Branch) Element { return Element{Type: ElementKeywords, Branches: bs} }
func when(attr, op, value, dialog string) Element {
	return Element{Type: ElementCondition, Attribute: attr, Operator: op, Value: value, Dialog: dialog}
}
func dialog(id string, els ...Element) Dialog {
	return Dialog{ID: id, Name: strings.ToUpper(id), Elements: els}
}

// converse runs Start, then Continue with each input, persisting the state
// as JSON between turns like the runtime does.
func converse(t *testing.T, def *Definition, inputs ...string) []Result {
	t.Helper()
	res := []Result{Start(def)}
	for _, in := range inputs {
		data, err := json.Marshal(res[len(res)-1].State)
		if err != nil {
			t.Fatal(err)
		}
		var st State
		if err := json.Unmarshal(data, &st); err != nil {
			t.Fatal(err)
		}
		res = append(res, Continue(def, st, in))
	}
	return res
}

// replies lists the replies of each turn, joined with " | ".
func replies(rs []Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = strings.Join(r.Replies, " | ")
	}
	return out
}

func TestEngine(t *testing.T) {
	hours := dialog("hours", msg("9 to 5."))
	fallback := dialog("fallback", msg("Sorry, I can help with hours."))
	tests := []struct {
		name   string
		def    *Definition
		inputs []string
		want   []string                        // replies per turn: Start, then each input
		check  func(t *testing.T, last Result) // optional, on the last turn
	}{
		{
			name: "placeholders filled, unknown and unset ones empty",
			def: &Definition{Attributes: []Attribute{{Name: "name", Type: AttributeText}, {Name: "city", Type: AttributeText}}, Entry: "s", Dialogs: []Dialog{
				dialog("s", ask("Name?", "name"), msg("Hi {{name}}, {{ name }} from {{city}}{{nope}}!"), closing("Bye {{name}}.")),
			}},
			inputs: []string{"  Ann  "},
			want:   []string{"Name?", "Hi Ann, Ann from !" + " | Bye Ann."},
			check: func(t *testing.T, last Result) {
				if !last.Closed || last.State.Attrs["name"] != "Ann" {
					t.Errorf("closed %v attrs %v", last.Closed, last.State.Attrs)
				}
			},
		},
		{
			name: "a blank message is not sent",
			def: &Definition{Entry: "s", Dialogs: []Dialog{
				dialog("s", msg("{{nothing}}"), msg("  "), msg("after")),
			}},
			want: []string{"after"},
		},
		{
			name: "the trigger is not an answer",
			def: &Definition{Attributes: []Attribute{{Name: "n", Type: AttributeNumber}}, Entry: "s", Dialogs: []Dialog{
				dialog("s", ask("Number?", "n"), msg("Got {{n}}.")),
			}},
			inputs: []string{"3,5"},
			want:   []string{"Number?", "Got 3.5."},
			check: func(t *testing.T, last Result) {
				if want := (State{Dialog: "s", Attrs: map[string]string{"n": "3.5"}}); !reflect.DeepEqual(last.State, want) {
					t.Errorf("state after the dialog ended = %+v", last.State)
				}
			},
		},
		{
			name: "retries then fallback",
			def: &Definition{Attributes: []Attribute{{Name: "n", Type: AttributeNumber}}, Entry: "s", Fallback: "fallback", Dialogs: []Dialog{
				dialog("s", Element{Type: ElementQuestion, Text: "Number?", Attribute: "n", RetryText: "Digits please.", MaxTries: 2}, msg("unreached")),
				fallback,
			}},
			inputs: []string{"ten", "eleven"},
			want:   []string{"Number?", "Digits please. | Number?", "Sorry, I can help with hours."},
			check: func(t *testing.T, last Result) {
				if last.FallbackHits != 1 || !slices.Equal(last.Entered, []string{"fallback"}) || last.State.Tries != 0 {
					t.Errorf("hits %d entered %v tries %d", last.FallbackHits, last.Entered, last.State.Tries)
				}
				if _, ok := last.State.Attrs["n"]; ok {
					t.Error("an invalid answer was stored")
				}
			},
		},
		{
			name: "default retry text and three tries, then no fallback: next element",
			def: &Definition{Attributes: []Attribute{{Name: "n", Type: AttributeNumber}}, Entry: "s", Dialogs: []Dialog{
				dialog("s", ask("Number?", "n"), msg("Moving on; n={{n}}.")),
			}},
			inputs: []string{"a", "b", "c"},
			want:   []string{"Number?", DefaultRetryText + " | Number?", DefaultRetryText + " | Number?", "Moving on; n=."},
			check: func(t *testing.T, last Result) {
				if last.FallbackHits != 0 || last.State.Waiting {
					t.Errorf("hits %d state %+v", last.FallbackHits, last.State)
				}
			},
		},
		{
			name: "tries count in the state",
			def: &Definition{Attributes: []Attribute{{Name: "d", Type: AttributeDate}}, Entry: "s", Dialogs: []Dialog{
				dialog("s", ask("Date?", "d"), msg("On {{d}}.")),
			}},
			inputs: []string{"soon", "31/12/2025"},
			want:   []string{"Date?", DefaultRetryText + " | Date?", "On 2025-12-31."},
		},
		{
			name: "keywords ignore case, accents and punctuation",
			def: &Definition{Entry: "s", Dialogs: []Dialog{
				dialog("s", branches(Branch{Keywords: []string{"Horário", "opening"}, Dialog: "hours"})), hours,
			}},
			inputs: []string{"HORARIO???"},
			want:   []string{"", "9 to 5."},
		},
		{
			name: "keywords match whole words inside the input",
			def: &Definition{Entry: "s", Dialogs: []Dialog{
				dialog("s", branches(Branch{Keywords: []string{"opening hours"}, Dialog: "hours"})), hours,
			}},
			inputs: []string{"What are your OPENING   hours, please?"},
			want:   []string{"", "9 to 5."},
		},
		{
			name: "a keyword does not match part of a word",
			def: &Definition{Entry: "s", Dialogs: []Dialog{
				dialog("s", branches(Branch{Keywords: []string{"open"}, Dialog: "hours"})), hours,
			}},
			inputs: []string{"what are your opening hours?", "are you open?"},
			want:   []string{"", "", "9 to 5."},
		},
		{
			name: "the first matching branch wins",
			def: &Definition{Entry: "s", Dialogs: []Dialog{
				dialog("s", branches(
					Branch{Keywords: []string{"price"}, Dialog: "prices"},
					Branch{Keywords: []string{"hours"}, Dialog: "hours"},
				)),
				hours, dialog("prices", msg("Cheap.")),
			}},
			inputs: []string{"hours and price"},
			want:   []string{"", "Cheap."},
			check: func(t *testing.T, last Result) {
				// The transcript keeps the keyword as written in the branch.
				if !slices.Equal(last.Entered, []string{"prices"}) || last.Branch != "price" {
					t.Errorf("entered %v branch %q", last.Entered, last.Branch)
				}
			},
		},
		{
			name: "no match goes to the fallback",
			def: &Definition{Entry: "s", Fallback: "fallback", Dialogs: []Dialog{
				dialog("s", branches(Branch{Keywords: []string{"hours"}, Dialog: "hours"})), hours, fallback,
			}},
			inputs: []string{"weather?"},
			want:   []string{"", "Sorry, I can help with hours."},
			check: func(t *testing.T, last Result) {
				if last.FallbackHits != 1 || !slices.Equal(last.Entered, []string{"fallback"}) || last.Branch != "" {
					t.Errorf("hits %d entered %v branch %q", last.FallbackHits, last.Entered, last.Branch)
				}
			},
		},
		{
			name: "no match without a fallback keeps waiting",
			def: &Definition{Entry: "s", Dialogs: []Dialog{
				dialog("s", msg("Ask me."), branches(Branch{Keywords: []string{"hours"}, Dialog: "hours"})), hours,
			}},
			inputs: []string{"weather?", "hours"},
			want:   []string{"Ask me.", "", "9 to 5."},
		},
		{
			name: "no match in the fallback itself keeps waiting",
			def: &Definition{Entry: "s", Fallback: "fallback", Dialogs: []Dialog{
				dialog("s", jumpTo("fallback")),
				dialog("fallback", msg("Hours?"), branches(Branch{Keywords: []string{"hours"}, Dialog: "hours"})), hours,
			}},
			inputs: []string{"weather?"},
			want:   []string{"Hours?", ""},
			check: func(t *testing.T, last Result) {
				if last.FallbackHits != 0 || !last.State.Waiting || last.State.Dialog != "fallback" || last.State.Index != 1 {
					t.Errorf("hits %d state %+v", last.FallbackHits, last.State)
				}
			},
		},
		{
			name: "condition true enters its dialog, false goes on",
			def: &Definition{Attributes: []Attribute{{Name: "age", Type: AttributeNumber}}, Entry: "s", Dialogs: []Dialog{
				dialog("s", ask("Age?", "age"), when("age", OpLt, "18", "young"), msg("Welcome.")),
				dialog("young", msg("Too young.")),
			}},
			inputs: []string{"9", "again", "40"},
			want:   []string{"Age?", "Too young.", "Age?", "Welcome."},
		},
		{
			name: "goto enters its dialog",
			def: &Definition{Entry: "s", Dialogs: []Dialog{
				dialog("s", msg("One."), jumpTo("two"), msg("never")),
				dialog("two", msg("Two.")),
			}},
			want: []string{"One. | Two."},
			check: func(t *testing.T, last Result) {
				if !slices.Equal(last.Entered, []string{"s", "two"}) {
					t.Errorf("entered %v", last.Entered)
				}
			},
		},
		{
			name: "close without text",
			def: &Definition{Entry: "s", Dialogs: []Dialog{
				dialog("s", msg("Done."), closing(""), msg("never")),
			}},
			want: []string{"Done."},
			check: func(t *testing.T, last Result) {
				if !last.Closed || last.StepLimit {
					t.Errorf("closed %v step limit %v", last.Closed, last.StepLimit)
				}
			},
		},
		{
			name: "the end of a dialog restarts the entry on the next input",
			def: &Definition{Entry: "s", Dialogs: []Dialog{
				dialog("s", msg("Hello."), branches(Branch{Keywords: []string{"hours"}, Dialog: "hours"})), hours,
			}},
			inputs: []string{"hours", "hours", "hours"},
			want:   []string{"Hello.", "9 to 5.", "Hello.", "9 to 5."},
			check: func(t *testing.T, last Result) {
				if !slices.Equal(last.Entered, []string{"hours"}) || last.State.Dialog != "s" || last.State.Index != 0 || last.State.Waiting {
					t.Errorf("entered %v state %+v", last.Entered, last.State)
				}
			},
		},
		{
			// 34 messages run, but a turn sends MaxTurnReplies.
			name: "a goto loop stops at the step limit",
			def: &Definition{Entry: "a", Dialogs: []Dialog{
				dialog("a", msg("A"), jumpTo("b")),
				dialog("b", jumpTo("a")),
			}},
			want: []string{strings.Repeat("A | ", MaxTurnReplies-1) + "A"},
			check: func(t *testing.T, last Result) {
				if !last.StepLimit || last.Closed || len(last.Entered) != 67 || !last.Cut {
					t.Errorf("step limit %v closed %v entered %d cut %v", last.StepLimit, last.Closed, len(last.Entered), last.Cut)
				}
			},
		},
		{
			name: "jumping to a missing dialog ends the turn",
			def: &Definition{Entry: "s", Dialogs: []Dialog{
				dialog("s", msg("Before."), jumpTo("nowhere"), msg("never")),
			}},
			inputs: []string{"again"},
			want:   []string{"Before.", "Before."},
			check: func(t *testing.T, last Result) {
				if last.Closed || last.StepLimit || !slices.Equal(last.Entered, []string{"s"}) || last.State.Dialog != "s" {
					t.Errorf("%+v", last)
				}
			},
		},
		{
			name:   "a missing entry answers nothing",
			def:    &Definition{Entry: "nowhere", Dialogs: []Dialog{dialog("s", msg("x"))}},
			inputs: []string{"hello"},
			want:   []string{"", ""},
			check: func(t *testing.T, last Result) {
				if last.Closed || last.StepLimit || len(last.Entered) != 0 {
					t.Errorf("%+v", last)
				}
			},
		},
		{
			name: "attributes last the whole session",
			def: &Definition{Attributes: []Attribute{{Name: "ok", Type: AttributeYesNo}}, Entry: "s", Dialogs: []Dialog{
				dialog("s", when("ok", OpEq, "yes", "known"), ask("Agree?", "ok")),
				dialog("known", msg("You agreed ({{ok}}).")),
			}},
			inputs: []string{"Sí", "hi"},
			want:   []string{"Agree?", "", "You agreed (yes)."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := converse(t, tt.def, tt.inputs...)
			if got := replies(rs); !slices.Equal(got, tt.want) {
				t.Errorf("replies\n got %q\nwant %q", got, tt.want)
			}
			if tt.check != nil {
				tt.check(t, rs[len(rs)-1])
			}
		})
	}
}

func TestStartBookkeeping(t *testing.T) {
	def := &Definition{Entry: "s", Fallback: "f", Dialogs: []Dialog{
		dialog("s", when("x", OpEmpty, "", "a")),
		dialog("a", jumpTo("b")),
		dialog("b", ask("?", "x")),
		dialog("f", msg("f")),
	}}
	res := Start(def)
	if !slices.Equal(res.Entered, []string{"s", "a", "b"}) || res.FallbackHits != 0 {
		t.Errorf("entered %v hits %d", res.Entered, res.FallbackHits)
	}
	want := State{Dialog: "b", Index: 0, Waiting: true}
	if !reflect.DeepEqual(res.State, want) {
		t.Errorf("state %+v, want %+v", res.State, want)
	}
	// An unknown attribute type is taken as text; the answer is stored.
	next := Continue(def, res.State, "x")
	if next.State.Attrs["x"] != "x" || !slices.Equal(next.Entered, nil) {
		t.Errorf("%+v", next)
	}
}

func TestContinueDefensive(t *testing.T) {
	def := &Definition{Attributes: []Attribute{{Name: "n", Type: AttributeNumber}}, Entry: "s", Dialogs: []Dialog{
		dialog("s", msg("Hi."), ask("Number?", "n")),
	}}
	states := []State{
		{}, // a new session's empty state
		{Dialog: "gone", Index: 3, Waiting: true},         // the dialog was removed
		{Dialog: "s", Index: 9, Waiting: true},            // past the end
		{Dialog: "s", Index: -1, Waiting: true},           // nonsense
		{Dialog: "s", Index: 0, Waiting: true},            // a message does not wait
		{Dialog: "s", Index: 1, Waiting: false},           // not waiting: a trigger
		{Dialog: "s", Index: 1, Waiting: true, Tries: 99}, // too many tries already
	}
	for _, st := range states {
		res := Continue(def, st, "42")
		if st.Tries == 99 {
			if res.State.Attrs["n"] != "42" {
				t.Errorf("%+v: %+v", st, res)
			}
			continue
		}
		if !slices.Equal(res.Replies, []string{"Hi.", "Number?"}) || !slices.Equal(res.Entered, []string{"s"}) {
			t.Errorf("%+v: replies %q entered %v", st, res.Replies, res.Entered)
		}
	}
	// Nil definition and nil attrs do not panic.
	_ = Start(nil)
	_ = Continue(nil, State{Waiting: true}, "x")
	// The caller's state is not changed.
	st := State{Dialog: "s", Index: 1, Waiting: true, Attrs: map[string]string{"k": "v"}}
	Continue(def, st, "7")
	if len(st.Attrs) != 1 {
		t.Error("Continue changed the caller's attrs")
	}
}

func TestAnswers(t *testing.T) {
	tests := []struct {
		typ, in, want string
		ok            bool
	}{
		{AttributeText, "  hello there ", "hello there", true},
		{AttributeText, " \t ", "", false},
		{"mystery", "x", "x", true},

		{AttributeNumber, "42", "42", true},
		{AttributeNumber, " 3,5 ", "3.5", true},
		{AttributeNumber, "-1.250", "-1.25", true},
		{AttributeNumber, "+.5", "0.5", true},
		{AttributeNumber, "1e3", "1000", true},
		{AttributeNumber, "-0", "0", true},
		{AttributeNumber, "1e30", "1e+30", true},
		{AttributeNumber, "abc", "", false},
		{AttributeNumber, "", "", false},
		{AttributeNumber, "NaN", "", false},
		{AttributeNumber, "Inf", "", false},
		{AttributeNumber, "0x10", "", false},
		{AttributeNumber, "1_000", "", false},
		{AttributeNumber, "1,234.5", "", false},
		{AttributeNumber, "1,2,3", "", false},
		{AttributeNumber, "1e999", "", false},

		{AttributeEmail, "ann@example.org", "ann@example.org", true},
		{AttributeEmail, " Ann@Example.ORG ", "Ann@example.org", true},
		{AttributeEmail, "Ann <ann@example.org>", "", false},
		{AttributeEmail, "<ann@example.org>", "", false},
		{AttributeEmail, "ann@localhost", "", false},
		{AttributeEmail, "ann@example.", "", false},
		{AttributeEmail, "ann@.org", "", false},
		{AttributeEmail, "ann", "", false},
		{AttributeEmail, "", "", false},

		{AttributePhone, "+44 20 7946-0958", "+442079460958", true},
		{AttributePhone, "(030) 1234", "0301234", true},
		{AttributePhone, "123456", "123456", true},
		{AttributePhone, "12345", "", false},
		{AttributePhone, "12a456789", "", false},
		{AttributePhone, "1+23456789", "", false},
		{AttributePhone, "", "", false},

		{AttributeDate, "2024-02-29", "2024-02-29", true},
		{AttributeDate, "29/02/2024", "2024-02-29", true},
		{AttributeDate, "1.3.2024", "2024-03-01", true},
		{AttributeDate, " 05/11/2025 ", "2025-11-05", true},
		{AttributeDate, "2023-02-29", "", false},
		{AttributeDate, "31/04/2024", "", false},
		{AttributeDate, "2024/01/02", "", false},
		{AttributeDate, "tomorrow", "", false},

		{AttributeYesNo, "Yes", "yes", true},
		{AttributeYesNo, "y", "yes", true},
		{AttributeYesNo, "TRUE", "yes", true},
		{AttributeYesNo, "Sí", "yes", true},
		{AttributeYesNo, "oui!", "yes", true},
		{AttributeYesNo, "ja", "yes", true},
		{AttributeYesNo, "No.", "no", true},
		{AttributeYesNo, "n", "no", true},
		{AttributeYesNo, "false", "no", true},
		{AttributeYesNo, "NON", "no", true},
		{AttributeYesNo, "Nein", "no", true},
		{AttributeYesNo, "maybe", "", false},
		{AttributeYesNo, "yes no", "", false},
	}
	for _, tt := range tests {
		got, ok := checkAnswer(tt.typ, tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("checkAnswer(%s, %q) = %q, %v; want %q, %v", tt.typ, tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestConditions(t *testing.T) {
	attrs := map[string]string{"n": "9", "s": "Yes", "d": "2024-01-05", "t": "Ångström units", "blank": "  "}
	tests := []struct {
		attr, op, value string
		want            bool
	}{
		{"n", OpEq, "9.0", true},
		{"n", OpEq, "9,0", true},
		{"n", OpEq, "10", false},
		{"s", OpEq, "yes", true},
		{"s", OpEq, " YES ", true},
		{"s", OpEq, "no", false},
		{"unset", OpEq, "", true},
		{"n", OpNe, "10", true},
		{"n", OpNe, "9", false},
		{"s", OpNe, "YES", false},
		{"n", OpLt, "10", true}, // numbers, not text: "9" > "10" as text
		{"n", OpLt, "9", false},
		{"n", OpGt, "10", false},
		{"n", OpGt, "8,5", true},
		{"d", OpLt, "06/01/2024", true},
		{"d", OpGt, "2024-01-04", true},
		{"d", OpGt, "2024-01-05", false},
		{"s", OpLt, "z", false}, // neither numbers nor dates
		{"s", OpGt, "a", false},
		{"unset", OpLt, "1", false},
		{"t", OpContains, "angstrom", true},
		{"t", OpContains, "UNITS", true},
		{"t", OpContains, "metres", false},
		{"unset", OpContains, "x", false},
		{"unset", OpEmpty, "", true},
		{"blank", OpEmpty, "", true},
		{"s", OpEmpty, "ignored", false},
		{"n", "", "9", false},
		{"n", "like", "9", false},
	}
	for _, tt := range tests {
		el := when(tt.attr, tt.op, tt.value, "x")
		if got := evaluate(el, attrs); got != tt.want {
			t.Errorf("%s %s %q = %v, want %v", tt.attr, tt.op, tt.value, got, tt.want)
		}
	}
}

func TestNormalise(t *testing.T) {
	for in, want := range map[string]string{
		"  What are your OPENING hours?! ": "what are your opening hours",
		"Horário de funcionamento":         "horario de funcionamento",
		"Straße, Øresund; Łódź":            "strasse oresund lodz",
		"e-mail":                           "e mail",
		"¿¡!?":                             "",
	} {
		if got := normalise(in); got != want {
			t.Errorf("normalise(%q) = %q, want %q", in, got, want)
		}
	}
}
