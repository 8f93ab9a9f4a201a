package chatbots_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testkit"
)

// twoDialogs is a chatbot with the dialogs start and hours, each one
// message.
func (e *env) twoDialogs() store.Chatbot {
	e.t.Helper()
	c := e.create("Two dialogs")
	c, err := e.update(c, chatbots.AddDialog("Hours"))
	if err != nil {
		e.t.Fatal(err)
	}
	c, err = e.update(c, chatbots.AddElement("hours", chatbot.Element{Type: chatbot.ElementMessage, Text: "We open at 9."}))
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func setText(dialog, text string) func(*chatbots.Settings, *chatbot.Definition) (string, error) {
	return chatbots.UpdateElement(dialog, 0, chatbot.Element{Type: chatbot.ElementMessage, Text: text})
}

// TestPerPartConcurrency is the merge rule: an edit made from an old
// version applies when the part it changes is as it was, and is refused
// with the other person's version when it is not.
func TestPerPartConcurrency(t *testing.T) {
	type change struct {
		part  string // "" for the whole chatbot
		apply func(*chatbots.Settings, *chatbot.Definition) (string, error)
	}
	cases := []struct {
		name   string
		theirs *change // saved first, from the same version; nil: nobody else saved
		mine   change
		// want: "" saved, "stale" ErrStale, "conflict" a dialog conflict
		// (with their dialog), "removed" a conflict without their dialog,
		// "stale_part" a settings or tests conflict.
		want    string
		checkOK func(*chatbot.Definition, store.Chatbot) string
	}{
		{name: "nobody else saved", mine: change{chatbots.DialogPart("start"), setText("start", "Hi there")}, want: ""},
		{name: "other dialog changed: merges",
			theirs: &change{chatbots.DialogPart("hours"), setText("hours", "We open at 10.")},
			mine:   change{chatbots.DialogPart("start"), setText("start", "Hi there")},
			checkOK: func(d *chatbot.Definition, _ store.Chatbot) string {
				s, _ := d.DialogByID("start")
				h, _ := d.DialogByID("hours")
				return want(s.Elements[0].Text, "Hi there") + want(h.Elements[0].Text, "We open at 10.")
			}},
		{name: "settings changed, dialog edit merges",
			theirs: &change{chatbots.PartSettings, func(s *chatbots.Settings, _ *chatbot.Definition) (string, error) {
				s.Name = "Renamed"
				return "renamed", nil
			}},
			mine: change{chatbots.DialogPart("start"), setText("start", "Hi there")},
			checkOK: func(d *chatbot.Definition, c store.Chatbot) string {
				s, _ := d.DialogByID("start")
				return want(s.Elements[0].Text, "Hi there") + want(c.Name, "Renamed")
			}},
		{name: "same dialog changed: conflict",
			theirs: &change{chatbots.DialogPart("start"), setText("start", "Theirs")},
			mine:   change{chatbots.DialogPart("start"), setText("start", "Mine")},
			want:   "conflict"},
		{name: "same dialog renamed: conflict",
			theirs: &change{chatbots.DialogPart("start"), chatbots.RenameDialog("start", "Welcome")},
			mine:   change{chatbots.DialogPart("start"), setText("start", "Mine")},
			want:   "conflict"},
		{name: "element added to the same dialog: conflict",
			theirs: &change{chatbots.DialogPart("start"), chatbots.AddElement("start", chatbot.Element{Type: chatbot.ElementClose})},
			mine:   change{chatbots.DialogPart("start"), chatbots.RemoveElement("start", 0)},
			want:   "conflict"},
		{name: "dialog removed: conflict without theirs",
			theirs: &change{chatbots.DialogPart("hours"), chatbots.DeleteDialog("hours")},
			mine:   change{chatbots.DialogPart("hours"), setText("hours", "Mine")},
			want:   "removed"},
		{name: "unscoped edit from an old version: stale",
			theirs: &change{chatbots.DialogPart("hours"), setText("hours", "We open at 10.")},
			mine:   change{"", chatbots.ReplaceDefinition(chatbot.NewDefinition())},
			want:   "stale"},
		{name: "settings from an old version, settings unchanged: merges",
			theirs: &change{chatbots.DialogPart("hours"), setText("hours", "We open at 10.")},
			mine: change{chatbots.PartSettings, func(s *chatbots.Settings, _ *chatbot.Definition) (string, error) {
				s.Language = "fr"
				return "language", nil
			}},
			checkOK: func(d *chatbot.Definition, c store.Chatbot) string {
				h, _ := d.DialogByID("hours")
				return want(c.Language, "fr") + want(h.Elements[0].Text, "We open at 10.")
			}},
		{name: "settings changed twice: conflict on the part",
			theirs: &change{chatbots.PartSettings, func(s *chatbots.Settings, _ *chatbot.Definition) (string, error) {
				s.Name = "Renamed"
				return "renamed", nil
			}},
			mine: change{chatbots.PartSettings, func(s *chatbots.Settings, _ *chatbot.Definition) (string, error) {
				s.Language = "fr"
				return "language", nil
			}},
			want: "stale_part"},
		{name: "attribute added over another save: merges anywhere",
			theirs: &change{chatbots.DialogPart("start"), setText("start", "Theirs")},
			mine:   change{chatbots.MergesAnywhere, chatbots.AddAttribute("email", chatbot.AttributeEmail)},
			checkOK: func(d *chatbot.Definition, _ store.Chatbot) string {
				_, ok := d.AttributeByName("email")
				return want(ok, true)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			base := e.twoDialogs()
			_, baseDef := e.get(base.ID)
			if tc.theirs != nil {
				_, err := e.app.Chatbots.Update(ctx, e.designer, base.ID, chatbots.Edit{
					Version: base.Version, Part: tc.theirs.part, Revision: chatbots.Revision(base, baseDef, tc.theirs.part), Apply: tc.theirs.apply})
				if err != nil {
					t.Fatalf("their save: %v", err)
				}
			}
			before := e.audits(chatbots.ActionEdited, base.ID)
			rev := ""
			if tc.mine.part != "" && tc.mine.part != chatbots.MergesAnywhere {
				rev = chatbots.Revision(base, baseDef, tc.mine.part)
			}
			_, err := e.app.Chatbots.Update(ctx, e.designer, base.ID, chatbots.Edit{
				Version: base.Version, Part: tc.mine.part, Revision: rev, Apply: tc.mine.apply})
			afterAudits := e.audits(chatbots.ActionEdited, base.ID)
			switch tc.want {
			case "":
				if err != nil {
					t.Fatalf("my save: %v", err)
				}
				if afterAudits != before+1 {
					t.Errorf("audit entries %d → %d, want one more", before, afterAudits)
				}
				if tc.checkOK != nil {
					c, def := e.get(base.ID)
					if msg := tc.checkOK(def, c); msg != "" {
						t.Error(msg)
					}
				}
				return
			case "stale":
				if !errors.Is(err, chatbots.ErrStale) {
					t.Fatalf("got %v, want ErrStale", err)
				}
			case "stale_part":
				testkit.WantProblem(t, err, problem.Conflict, "stale_part")
			case "conflict", "removed":
				testkit.WantProblem(t, err, problem.Conflict, "dialog_conflict")
				var cf *chatbots.Conflict
				if !errors.As(err, &cf) {
					t.Fatalf("%v is not a *Conflict", err)
				}
				_, def := e.get(base.ID)
				now, _ := def.DialogByID(cf.Dialog)
				switch {
				case tc.want == "removed" && cf.Theirs != nil:
					t.Errorf("theirs = %+v, want nil for a removed dialog", cf.Theirs)
				case tc.want == "conflict" && (cf.Theirs == nil || now == nil || !reflect.DeepEqual(*cf.Theirs, *now)):
					t.Errorf("theirs = %+v, want the stored dialog %+v", cf.Theirs, now)
				}
			}
			if afterAudits != before {
				t.Errorf("a refused save wrote an audit entry (%d → %d)", before, afterAudits)
			}
		})
	}
}

// TestRevisionChangesWithItsPart: a part's revision moves when that part
// changes and stays when another one does.
func TestRevisionChangesWithItsPart(t *testing.T) {
	e := newEnv(t)
	c := e.twoDialogs()
	_, def := e.get(c.ID)
	start, hours := chatbots.Revision(c, def, chatbots.DialogPart("start")), chatbots.Revision(c, def, chatbots.DialogPart("hours"))
	settings := chatbots.Revision(c, def, chatbots.PartSettings)
	if start == "" || hours == "" || start == hours {
		t.Fatalf("revisions start %q hours %q", start, hours)
	}
	c2, err := e.update(c, setText("hours", "Later"))
	if err != nil {
		t.Fatal(err)
	}
	_, def2 := e.get(c2.ID)
	if got := chatbots.Revision(c2, def2, chatbots.DialogPart("start")); got != start {
		t.Errorf("start's revision moved with hours: %q → %q", start, got)
	}
	if got := chatbots.Revision(c2, def2, chatbots.DialogPart("hours")); got == hours {
		t.Error("hours' revision did not move when it changed")
	}
	if got := chatbots.Revision(c2, def2, chatbots.PartSettings); got != settings {
		t.Errorf("settings' revision moved with a dialog: %q → %q", settings, got)
	}
	if got := chatbots.Revision(c2, def2, chatbots.DialogPart("nope")); got != "" {
		t.Errorf("a missing dialog's revision = %q, want empty", got)
	}
}
