package analytics

import (
	"encoding/json"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
)

// Dialog names are kept per release and per chatbot version: a new
// version is parsed again, the same one is not.
func TestNamesFollowTheVersion(t *testing.T) {
	def := func(name string) []byte {
		b, err := json.Marshal(chatbot.Definition{Dialogs: []chatbot.Dialog{{ID: "start", Name: name}}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	s := New(nil)
	name := func(k namesKey, d []byte) string {
		t.Helper()
		got := s.dialogs(k, d)
		if len(got) != 1 || got[0].id != "start" {
			t.Fatalf("dialogs of %+v = %v", k, got)
		}
		return got[0].name
	}
	if n := name(namesKey{chatbotID: 1, version: 1}, def("Welcome")); n != "Welcome" {
		t.Fatalf("version 1: %q", n)
	}
	if n := name(namesKey{chatbotID: 1, version: 2}, def("Hello")); n != "Hello" {
		t.Fatalf("version 2: %q, want the new name", n)
	}
	if n := name(namesKey{chatbotID: 1, version: 1}, def("not read")); n != "Welcome" {
		t.Fatalf("version 1 again: %q, want the name kept", n)
	}
	if n := name(namesKey{releaseID: 1}, def("Release one")); n != "Release one" {
		t.Fatalf("a release whose id is a chatbot's: %q", n)
	}
}
