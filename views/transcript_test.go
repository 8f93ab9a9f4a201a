package views

import (
	"strings"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/store"
)

func TestNewTranscriptDaysNamesAndAttrs(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	rel := store.Release{Number: 3, Definition: []byte(`{"entry":"start","dialogs":[{"id":"start","name":"Welcome","elements":[]}]}`)}
	msgs := []store.Message{
		{Direction: "in", Text: "a", At: at("2026-03-08T22:30:00Z"), Entered: []string{"start", "gone"}}, // 23:30 in Berlin, the 8th
		{Direction: "out", Text: "b", At: at("2026-03-08T22:59:00Z")},
		{Direction: "in", Text: "c", At: at("2026-03-08T23:05:00Z"), Branch: "hours"}, // 00:05 on the 9th
		{Direction: "in", Text: "d", At: at("2026-03-10T08:00:00Z")},
	}
	s := store.ChatSession{State: []byte(`{"dialog":"start","attrs":{"zip":"10115","name":"Ada"}}`)}
	d := NewTranscript(store.Chatbot{}, s, rel, msgs, berlin, now)

	var labels []string
	for _, day := range d.Days {
		labels = append(labels, day.Label+":"+itoa64(int64(len(day.Messages))))
	}
	if got := strings.Join(labels, " "); got != "Sunday, 8 March:2 Yesterday:1 Today:1" {
		t.Errorf("days %q", got)
	}
	first := d.Days[0].Messages[0]
	if first.Clock != "23:30" || len(first.Entered) != 2 || first.Entered[0].Name != "Welcome" || first.Entered[1].Name != "gone" {
		t.Errorf("first line %+v: a dialog is named from the release, a removed one by its id", first)
	}
	if d.Days[1].Messages[0].Branch != "hours" {
		t.Errorf("the keyword is lost")
	}
	if len(d.Attrs) != 2 || d.Attrs[0] != (AttrValue{"name", "Ada"}) || d.Attrs[1] != (AttrValue{"zip", "10115"}) {
		t.Errorf("attributes %+v, want sorted by name", d.Attrs)
	}
	// No release, or a state that cannot be read: ids and no attributes,
	// not a failure.
	bare := NewTranscript(store.Chatbot{}, store.ChatSession{State: []byte("{")}, store.Release{}, msgs[:1], time.UTC, now)
	if bare.Days[0].Messages[0].Entered[0].Name != "start" || len(bare.Attrs) != 0 || bare.Days[0].Label != "Sunday, 8 March" {
		t.Errorf("bare %+v", bare)
	}
}

func TestAgo(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Minute, "just now"}, {30 * time.Second, "just now"}, {time.Minute, "1 minute ago"}, {59 * time.Minute, "59 minutes ago"},
		{time.Hour, "1 hour ago"}, {23 * time.Hour, "23 hours ago"}, {24 * time.Hour, "1 day ago"}, {400 * time.Hour, "16 days ago"},
	} {
		if got := Ago(now.Add(-tt.d), now); got != tt.want {
			t.Errorf("Ago(-%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
