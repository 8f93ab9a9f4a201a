package chatbot

import (
	"slices"
	"strings"
	"testing"
)

// handoverDef is validDef with a "human" dialog that hands over, reached
// from the start's keywords ("agent"). Dialogs: start 0 … fallback 4,
// human 5.
func handoverDef() *Definition {
	d := validDef()
	d.Dialogs[0].Elements[4].Branches = append(d.Dialogs[0].Elements[4].Branches, Branch{Keywords: []string{"agent"}, Dialog: "human"})
	d.Dialogs = append(d.Dialogs, Dialog{ID: "human", Name: "Human", Elements: []Element{
		{Type: ElementHandover, Text: "A person will answer, {{name}}.", Queue: "billing", Note: "asked for a person"},
	}})
	return d
}

func TestValidateHandover(t *testing.T) {
	if fs := Validate(handoverDef(), validCtx()); len(fs) != 0 {
		t.Fatalf("findings on a valid definition with a handover: %+v", fs)
	}
	tests := []struct {
		name    string
		change  func(d *Definition)
		code    string
		sev     Severity
		dialog  string
		element int
		msg     string
	}{
		{"empty text", func(d *Definition) { d.Dialogs[5].Elements[0].Text = " " }, CodeEmptyText, SeverityError, "human", 0, "the handover has no text"},
		{"undefined placeholder", func(d *Definition) { d.Dialogs[5].Elements[0].Text = "Hi {{nick}}" }, CodeUndefinedPlaceholder, SeverityError, "human", 0, "{{nick}}"},
		{"long queue", func(d *Definition) { d.Dialogs[5].Elements[0].Queue = strings.Repeat("q", MaxQueueRunes+1) }, CodeQueueTooLong, SeverityError, "human", 0, "65 characters"},
		{"long note", func(d *Definition) { d.Dialogs[5].Elements[0].Note = strings.Repeat("n", MaxNoteRunes+1) }, CodeNoteTooLong, SeverityError, "human", 0, "1001 characters"},
		{"elements after it", func(d *Definition) {
			d.Dialogs[5].Elements = append(d.Dialogs[5].Elements, Element{Type: ElementMessage, Text: "never"})
		}, CodeAfterHandover, SeverityWarning, "human", 0, "the 1 element(s) after the handover never run"},
		{"timeout too short", func(d *Definition) { d.HandoverTimeout = 30 }, CodeHandoverTimeout, SeverityError, "", -1, "30 seconds"},
		{"timeout too long", func(d *Definition) { d.HandoverTimeout = 8 * 24 * 3600 }, CodeHandoverTimeout, SeverityError, "", -1, "7 days"},
		{"unknown timeout action", func(d *Definition) { d.HandoverOnTimeout = "wait" }, CodeHandoverOnTimeout, SeverityError, "", -1, `"wait"`},
		{"the fallback hands over at once", func(d *Definition) {
			d.Dialogs[4].Elements = []Element{{Type: ElementMessage, Text: "Sorry?"}, {Type: ElementGoto, Dialog: "human"}}
		}, CodeHandoverLoop, SeverityError, "human", 0, `goes back to dialog "Fallback"`},
		{"the entry hands over at once when there is no fallback", func(d *Definition) {
			d.Fallback = ""
			d.Dialogs[0].Elements = append([]Element{{Type: ElementCondition, Attribute: "age", Operator: OpEmpty, Dialog: "human"}}, d.Dialogs[0].Elements...)
		}, CodeHandoverLoop, SeverityError, "human", 0, `goes back to dialog "Start"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := handoverDef()
			tt.change(d)
			fs := Validate(d, validCtx())
			i := slices.IndexFunc(fs, func(f Finding) bool { return f.Code == tt.code && f.Dialog == tt.dialog && f.Element == tt.element })
			if i < 0 {
				t.Fatalf("no %s finding on %q element %d in %+v", tt.code, tt.dialog, tt.element, fs)
			}
			if f := fs[i]; f.Severity != tt.sev || !strings.Contains(f.Message, tt.msg) {
				t.Errorf("got %s %q, want %s containing %q", f.Severity, f.Message, tt.sev, tt.msg)
			}
		})
	}
	// A handover that closes on timeout may sit in the fallback: nothing
	// loops.
	d := handoverDef()
	d.HandoverOnTimeout = HandoverClose
	d.Dialogs[4].Elements = []Element{{Type: ElementGoto, Dialog: "human"}}
	if fs := Validate(d, validCtx()); slices.ContainsFunc(fs, func(f Finding) bool { return f.Code == CodeHandoverLoop }) {
		t.Fatalf("handover_loop with a closing timeout: %+v", fs)
	}
	// A handover ends the turn: a jump back to its dialog is no jump loop.
	d = handoverDef()
	d.Dialogs[5].Elements = append(d.Dialogs[5].Elements, Element{Type: ElementGoto, Dialog: "human"})
	if fs := Validate(d, validCtx()); slices.ContainsFunc(fs, func(f Finding) bool { return f.Code == CodeJumpLoop }) {
		t.Fatalf("jump_loop through a handover: %+v", fs)
	}
}

func TestEngineHandover(t *testing.T) {
	p := Prepare(handoverDef())
	st := p.Start().State
	st = p.Continue(st, "Ada").State
	st = p.Continue(st, "30").State
	res := p.ContinueTraced(st, "I want an agent")
	if !slices.Equal(res.Replies, []string{"A person will answer, Ada."}) {
		t.Fatalf("replies %q", res.Replies)
	}
	want := Handover{Queue: "billing", Note: "asked for a person", Dialog: "human", Index: 0}
	if res.Handover == nil || *res.Handover != want {
		t.Fatalf("handover %+v, want %+v", res.Handover, want)
	}
	if res.Closed || res.State.Waiting {
		t.Fatalf("a handover neither closes nor waits: %+v", res)
	}
	if !slices.ContainsFunc(res.Steps, func(s Step) bool { return s.Event == EventHandover && s.Detail == "billing" && s.Dialog == "human" }) {
		t.Fatalf("trace %+v has no handover step", res.Steps)
	}
	// Handing back runs a dialog at once, after a text, keeping the
	// attributes.
	back := p.Resume(res.State, "bye", "We are back.")
	if !slices.Equal(back.Replies, []string{"We are back.", "Bye Ada!"}) || !back.Closed {
		t.Fatalf("resume at bye = %+v", back)
	}
	back = p.Resume(res.State, "", "")
	if !slices.Equal(back.Replies, []string{"Hi!", "Your name?"}) || !back.State.Waiting {
		t.Fatalf("resume at the entry = %+v", back)
	}
}

func TestConversationTestsExpectHandover(t *testing.T) {
	d := handoverDef()
	d.Tests = []Test{{Name: "asks for a person", Turns: []TestTurn{
		{Say: "hi", Expect: []string{"Your name?"}, Match: MatchContains},
		{Say: "Ada", Expect: []string{"Your age, Ada?"}},
		{Say: "30", Expect: []string{}},
		{Say: "agent", Expect: []string{"A person will answer, Ada."}, Handover: true},
		{Say: "hello?", Expect: []string{}},
	}}}
	if r := RunTests(d); !r[0].Passed {
		t.Fatalf("test failed: %s", r[0].Describe())
	}
	// Not expecting it fails, naming the turn.
	d.Tests[0].Turns[3].Handover = false
	r := RunTests(d)
	if r[0].Passed || r[0].Turn != 4 || !strings.Contains(r[0].Describe(), "handed over to people") {
		t.Fatalf("result %+v", r[0])
	}
	if fs := Validate(d, validCtx()); !slices.ContainsFunc(fs, func(f Finding) bool { return f.Code == CodeTestFailed }) {
		t.Fatalf("no test_failed finding: %+v", fs)
	}
	// Expecting one that does not come fails too.
	d.Tests[0].Turns[3].Handover = true
	d.Tests[0].Turns[2].Handover = true
	if r := RunTests(d); r[0].Passed || r[0].Turn != 3 || !strings.Contains(r[0].Describe(), "expected a handover") {
		t.Fatalf("result %+v", r[0])
	}
}

func TestHandoverDefinitionRoundTrip(t *testing.T) {
	d := handoverDef()
	d.HandoverTimeout, d.HandoverOnTimeout, d.HandoverTimeoutText = 600, HandoverClose, "Bye."
	back, err := Parse(d.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if back.Hash() != d.Hash() {
		t.Fatalf("the definition changed on its trip through JSON:\n%s\n%s", d.JSON(), back.JSON())
	}
	if back.HandoverWait().Seconds() != 600 || back.HandoverTimeoutAction() != HandoverClose || back.Dialogs[5].Elements[0].Queue != "billing" {
		t.Fatalf("parsed %+v", back)
	}
	// Definitions without handovers keep their hash: the new keys are
	// omitted.
	if strings.Contains(string(validDef().JSON()), "handover") {
		t.Fatal("a definition without handovers writes handover keys")
	}
}
