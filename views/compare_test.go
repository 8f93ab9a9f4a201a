package views

import (
	"testing"

	"github.com/answers-console/answers/internal/store"
)

// TestCompareDefaultsToWhatItWouldReplace: Compare from a version opens
// the comparison with what it would replace (or replaced): the active
// chatbot on its sender, else the live member of its family, else its
// source; never with itself ("No differences").
func TestCompareDefaultsToWhatItWouldReplace(t *testing.T) {
	v1 := store.Chatbot{ID: 1, Name: "Bot", Status: store.StatusDeactivated, FamilyID: 1}
	for _, c := range []struct {
		name string
		d    EditorData
		want string
	}{
		{"the new version, live after a redeploy",
			EditorData{Bot: store.Chatbot{ID: 2, Status: store.StatusActive, FamilyID: 1, BasedOnID: 1},
				Sender:   SenderState{Active: &store.Chatbot{ID: 2}, Deactivated: &v1},
				Releases: []store.Release{{Number: 1}}, Family: []store.Chatbot{{ID: 2, Status: store.StatusActive}, v1}},
			"/chatbots/2/compare?against=1"},
		{"a new version without a sender, its family's version live",
			EditorData{Bot: store.Chatbot{ID: 3, Status: store.StatusInactive, FamilyID: 1, BasedOnID: 1},
				Family: []store.Chatbot{{ID: 3, Status: store.StatusInactive}, {ID: 1, Status: store.StatusActive}}},
			"/chatbots/3/compare?against=1"},
		{"a new version, nothing live: its source",
			EditorData{Bot: store.Chatbot{ID: 3, Status: store.StatusInactive, FamilyID: 1, BasedOnID: 1},
				Family: []store.Chatbot{{ID: 3, Status: store.StatusInactive}, {ID: 1, Status: store.StatusInactive}}},
			"/chatbots/3/compare?against=1"},
		{"a redeploy over another chatbot",
			EditorData{Bot: store.Chatbot{ID: 4, Status: store.StatusInactive}, Sender: SenderState{Active: &store.Chatbot{ID: 9}}},
			"/chatbots/4/compare?against=9"},
		{"an inactive chatbot edited since its release",
			EditorData{Bot: store.Chatbot{ID: 5, Status: store.StatusInactive}, Releases: []store.Release{{Number: 2}, {Number: 1}}},
			"/chatbots/5/compare?against=5&release=2"},
		{"an active chatbot alone: choose",
			EditorData{Bot: store.Chatbot{ID: 6, Status: store.StatusActive}, Sender: SenderState{Active: &store.Chatbot{ID: 6}}, Releases: []store.Release{{Number: 1}}},
			"/chatbots/6/compare"},
	} {
		if got := c.d.compareHref(); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
