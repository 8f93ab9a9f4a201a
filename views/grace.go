package views

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/store"
)

// GraceChoice is what the grace control needs: whose open conversations
// the grace protects, how many, and its session timeout (the default when
// there is anything to protect).
type GraceChoice struct {
	Name    string
	Open    int
	Timeout time.Duration
	// Typed is what a refused form sent, shown again as it was.
	Typed GraceInput
}

// GraceInput is what a person chose in a grace control: the preset's
// value ("custom", "900s", "none") and the custom text.
type GraceInput struct {
	Preset, Custom string
}

// graceFormsID names the line that explains the accepted forms. A page
// draws one grace control at most (activate, deactivate or roll back,
// by the chatbot's status).
func graceFormsID(GraceChoice) string { return "grace-forms" }

// graceOption is one preset of the grace control.
type graceOption struct {
	Value, Label string
	Selected     bool
}

// gracePresetDurations are the presets besides none and the session timeout.
var gracePresetDurations = []time.Duration{5 * time.Minute, 15 * time.Minute, time.Hour, 4 * time.Hour, 24 * time.Hour, 72 * time.Hour}

// graceOptions lists the presets in order, the session timeout among them
// and preselected when there are open conversations; otherwise none is.
func graceOptions(g GraceChoice) []graceOption {
	opts := []graceOption{{Value: "none", Label: "None: close them now", Selected: g.Open == 0 || g.Timeout <= 0}}
	if g.Open == 0 {
		opts[0].Label = "None (no open conversations)"
	}
	added := g.Timeout <= 0
	for _, d := range gracePresetDurations {
		if !added && g.Timeout < d {
			opts = append(opts, timeoutOption(g))
			added = true
		}
		if d == g.Timeout {
			opts = append(opts, timeoutOption(g))
			added = true
			continue
		}
		opts = append(opts, graceOption{Value: GraceValue(d), Label: HumanDuration(d)})
	}
	if !added {
		opts = append(opts, timeoutOption(g))
	}
	opts = append(opts, graceOption{Value: "custom", Label: "Custom…"})
	// A refused form comes back with the person's choice, not the default.
	if want := g.Typed.Preset; want != "" {
		found := false
		for _, o := range opts {
			found = found || o.Value == want
		}
		for i := range opts {
			if found {
				opts[i].Selected = opts[i].Value == want
			}
		}
	}
	return opts
}

func timeoutOption(g GraceChoice) graceOption {
	return graceOption{Value: GraceValue(g.Timeout), Label: HumanDuration(g.Timeout) + " (its session timeout)", Selected: g.Open > 0}
}

// GraceValue writes d the way lifecycle.ParseGrace reads it.
func GraceValue(d time.Duration) string {
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}

// HumanDuration says d in the largest whole units: "15 minutes",
// "1 hour 30 minutes", "2 days".
func HumanDuration(d time.Duration) string {
	if d <= 0 {
		return "none"
	}
	units := []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}}
	out := ""
	for _, u := range units {
		if n := int(d / u.d); n > 0 {
			if out != "" {
				out += " "
			}
			out += Plural(n, u.name)
			d -= time.Duration(n) * u.d
		}
	}
	return out
}

// SenderLabel names the chatbot's sender ("sms +15550100"), for the
// dialogs, which say where a change happens.
func SenderLabel(d EditorData) string {
	for _, s := range d.Senders {
		if s.ID == d.Bot.SenderID {
			return senderName(s)
		}
	}
	return "sender #" + strconv.FormatInt(d.Bot.SenderID, 10)
}

func senderName(s store.Sender) string { return s.Channel + " " + s.Address }

// SessionDialog names the dialog an open session stands at (where its
// next message goes), from its stored state: the dialog's name in def, or
// its id when def has no dialog by that id (a session of an older
// release); "" when the state names none.
func SessionDialog(def *chatbot.Definition, s store.ChatSession) string {
	var st struct {
		Dialog string `json:"dialog"`
	}
	if json.Unmarshal(s.State, &st) != nil || st.Dialog == "" {
		return ""
	}
	if def != nil {
		if d, _ := def.DialogByID(st.Dialog); d != nil && d.Name != "" {
			return d.Name
		}
	}
	return st.Dialog
}
