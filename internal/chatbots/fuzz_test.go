package chatbots_test

import (
	"testing"

	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/problem"
)

// FuzzParseDocument: no input makes the import parser panic, every refusal
// is a clear Invalid problem, and a document it accepts parses again.
func FuzzParseDocument(f *testing.F) {
	f.Add(`{"schema_version":1,"name":"A","language":"en","channel":"sms","session_timeout_seconds":600,"definition":{"attributes":[],"entry":"start","dialogs":[{"id":"start","name":"Start","elements":[{"type":"message","text":"Hi"}]}]}}`)
	f.Add(`{"schema_version":2}`)
	f.Add(`{"schema_version":1,"name":"A","channel":"sms","definition":null}`)
	f.Add(`[]`)
	f.Add(`{"schema_version":1,"name":"A","channel":"sms","definition":{"dialogs":[{"id":"x","elements":[{"type":"keywords","branches":[{"keywords":["a"],"dialog":"y"}]}]}]}}`)
	f.Fuzz(func(t *testing.T, in string) {
		doc, err := chatbots.ParseDocument([]byte(in))
		if err != nil {
			if !problem.Is(err, problem.Invalid) {
				t.Fatalf("refusal is not an Invalid problem: %v", err)
			}
			return
		}
		if doc.Definition == nil {
			t.Fatal("accepted a document without a definition")
		}
		if _, err := chatbots.ParseDocument(append([]byte(`{"schema_version":1,"name":"x","channel":"sms","definition":`), append(doc.Definition.JSON(), '}')...)); err != nil {
			t.Fatalf("its definition does not parse again: %v", err)
		}
	})
}
