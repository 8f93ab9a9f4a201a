package views

import (
	"encoding/json"
	"sort"
	"time"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/store"
)

// TranscriptData is one session's transcript as a person debugging the
// chatbot reads it: the messages by day, what the engine did with each
// inbound one, and the attributes the session holds at its end.
type TranscriptData struct {
	Bot     store.Chatbot
	Session store.ChatSession
	Release store.Release // Number 0 when the session predates releases
	Days    []TranscriptDay
	Attrs   []AttrValue
	Now     time.Time
	Zone    string // the zone the days and times are in
}

// TranscriptDay is the messages of one day in the viewer's zone, so the
// date is written once and each message shows only its time.
type TranscriptDay struct {
	Date     time.Time // midnight, in the viewer's zone
	Label    string    // "Today", "Yesterday" or the date
	Messages []TranscriptLine
}

// TranscriptLine is a message with its dialogs named.
type TranscriptLine struct {
	store.Message
	Clock   string // the time of day in the viewer's zone, 15:04
	Entered []DialogRef
}

// personName is how a person's message names its author: their name, or
// "Support" for an account without one (as the web chat's script does).
func personName(name string) string {
	if name == "" {
		return "Support"
	}
	return name
}

// DialogRef names a dialog: by the name it had in the session's release,
// else by its id (a removed dialog, or no release to look it up in).
type DialogRef struct{ ID, Name string }

// AttrValue is an attribute a session holds.
type AttrValue struct{ Name, Value string }

// NewTranscript groups msgs by day in loc and names the dialogs from the
// session's release definition (rel.Definition may be empty).
func NewTranscript(bot store.Chatbot, s store.ChatSession, rel store.Release, msgs []store.Message, loc *time.Location, now time.Time) TranscriptData {
	d := TranscriptData{Bot: bot, Session: s, Release: rel, Now: now, Zone: loc.String()}
	names := map[string]string{}
	if def, err := chatbot.Parse(rel.Definition); err == nil && len(rel.Definition) > 0 {
		for _, dl := range def.Dialogs {
			names[dl.ID] = dl.Name
		}
	}
	today := midnight(now.In(loc))
	for _, m := range msgs {
		at := m.At.In(loc)
		day := midnight(at)
		if n := len(d.Days); n == 0 || !d.Days[n-1].Date.Equal(day) {
			d.Days = append(d.Days, TranscriptDay{Date: day, Label: dayLabel(day, today)})
		}
		line := TranscriptLine{Message: m, Clock: at.Format("15:04")}
		for _, id := range m.Entered {
			ref := DialogRef{ID: id, Name: names[id]}
			if ref.Name == "" {
				ref.Name = id
			}
			line.Entered = append(line.Entered, ref)
		}
		last := &d.Days[len(d.Days)-1]
		last.Messages = append(last.Messages, line)
	}
	d.Attrs = sessionAttrs(s.State)
	return d
}

func midnight(t time.Time) time.Time {
	y, m, dd := t.Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, t.Location())
}

// dayLabel names a day relative to today where that helps.
func dayLabel(day, today time.Time) string {
	switch {
	case day.Equal(today):
		return "Today"
	case day.Equal(today.AddDate(0, 0, -1)):
		return "Yesterday"
	case day.Year() == today.Year():
		return day.Format("Monday, 2 January")
	default:
		return day.Format("Monday, 2 January 2006")
	}
}

// sessionAttrs reads the attributes from a session's engine state, sorted
// by name; none if the state cannot be read.
func sessionAttrs(state []byte) []AttrValue {
	var st chatbot.State
	if json.Unmarshal(state, &st) != nil {
		return nil
	}
	out := make([]AttrValue, 0, len(st.Attrs))
	for k, v := range st.Attrs {
		out = append(out, AttrValue{Name: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Ago says how long before now t was, briefly: "just now", "5 minutes
// ago", "3 hours ago", "2 days ago". app.js keeps it current.
func Ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return Plural(int(d/time.Minute), "minute") + " ago"
	case d < 24*time.Hour:
		return Plural(int(d/time.Hour), "hour") + " ago"
	default:
		return Plural(int(d/(24*time.Hour)), "day") + " ago"
	}
}
