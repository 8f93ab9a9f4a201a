package chatbots

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/store"
)

// Concurrency per part. An edit names the chatbot version it was made
// from. When someone else saved since, the edit still applies if it
// touches one part of the chatbot (one dialog, the settings, the tests)
// and that part is as it was when the edit was loaded: two designers on
// different dialogs both save, and each change lands on the latest
// definition. An edit that merges with anything (adding an attribute or
// a dialog, choosing the entry) checks its own preconditions instead.

// Parts an edit can be scoped to; a dialog is PartDialog + its id.
const (
	PartSettings = "settings"
	PartTests    = "tests"
	PartDialog   = "dialog:"
)

// DialogPart is the part name of dialog id.
func DialogPart(id string) string { return PartDialog + id }

// MergesAnywhere is the Part of an edit that applies to any version: it
// checks what it needs itself (a new attribute's name is free, the dialog
// it names exists).
const MergesAnywhere = "*"

// Revision fingerprints one part of a chatbot as it is now. It is what an
// editor form sends back as Edit.Revision; "" means the part does not
// exist (a deleted dialog).
func Revision(c store.Chatbot, def *chatbot.Definition, part string) string {
	var v any
	switch {
	case part == PartSettings:
		v = []any{c.Name, c.Language, c.Channel, c.SenderID, int64(c.SessionTimeout / time.Second)}
	case part == PartTests:
		v = (&chatbot.Definition{Tests: def.Tests}).JSON()
	case strings.HasPrefix(part, PartDialog):
		dl, _ := def.DialogByID(strings.TrimPrefix(part, PartDialog))
		if dl == nil {
			return ""
		}
		v = (&chatbot.Definition{Dialogs: []chatbot.Dialog{*dl}}).JSON()
	default:
		return ""
	}
	data, _ := json.Marshal(v) // strings, ints and byte slices only
	sum := sha256.Sum256(append([]byte(part+"\x00"), data...))
	return hex.EncodeToString(sum[:8])
}

// Revisions is the Revision of every part of a chatbot: the settings, the
// tests and each dialog, each computed once. The editor draws a form per
// element, each naming its dialog's revision; computing it per form made
// the page quadratic in a dialog's elements.
func Revisions(c store.Chatbot, def *chatbot.Definition) map[string]string {
	revs := make(map[string]string, len(def.Dialogs)+2)
	revs[PartSettings] = Revision(c, def, PartSettings)
	revs[PartTests] = Revision(c, def, PartTests)
	for _, dl := range def.Dialogs {
		part := DialogPart(dl.ID)
		if _, ok := revs[part]; !ok {
			revs[part] = Revision(c, def, part)
		}
	}
	return revs
}

// Conflict is the refusal of an edit to a dialog that someone else changed
// since the editor loaded it. It carries their version of the dialog, so
// the editor can show it beside the refused change.
type Conflict struct {
	Refusal *problem.Error
	// Dialog is the dialog's id; Theirs is the dialog as it is now, nil
	// when it was removed.
	Dialog string
	Theirs *chatbot.Dialog
}

func (c *Conflict) Error() string { return c.Refusal.Message }

// Unwrap lets problem.As find the refusal.
func (c *Conflict) Unwrap() error { return c.Refusal }

// checkBase decides whether edit e, made from an older or the current
// version of chatbot c (whose definition is def), may apply. It returns
// nil, ErrStale (a change to the whole chatbot made from an old version)
// or a *Conflict (the dialog it edits changed meanwhile).
func checkBase(e Edit, c store.Chatbot, def *chatbot.Definition) error {
	if e.Version == c.Version || e.Part == MergesAnywhere {
		return nil
	}
	if e.Version > c.Version || e.Part == "" || e.Revision == "" {
		return ErrStale
	}
	if Revision(c, def, e.Part) == e.Revision {
		return nil
	}
	if !strings.HasPrefix(e.Part, PartDialog) {
		return problem.New(problem.Conflict, "stale_part",
			"Someone else changed the %s since you opened it, so your change was not saved. The editor now shows their version; make your change again.", e.Part)
	}
	id := strings.TrimPrefix(e.Part, PartDialog)
	out := &Conflict{Dialog: id}
	if dl, _ := def.DialogByID(id); dl != nil {
		cp := def.Clone()
		theirs, _ := cp.DialogByID(id)
		out.Theirs = theirs
		out.Refusal = problem.New(problem.Conflict, "dialog_conflict",
			"Someone else changed the dialog %s since you opened it, so your change was not saved. Their version is shown beside yours; save again to replace theirs with yours.", dl.Name)
	} else {
		out.Refusal = problem.New(problem.Conflict, "dialog_conflict",
			"Someone else removed the dialog %s since you opened it, so your change was not saved.", id)
	}
	out.Refusal.Details = map[string]any{"dialog": id, "theirs": out.Theirs}
	return out
}
