package chatbots_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/problem"
	"github.com/answers-console/answers/internal/rbac"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

func TestImportRefusesBadFiles(t *testing.T) {
	app := testkit.New(t)
	designer := who.Actor{User: app.Users[rbac.Designer]}
	valid := `{"schema_version":1,"name":"Imported","language":"en","channel":"sms","session_timeout_seconds":600,
		"definition":{"attributes":[],"entry":"start","dialogs":[{"id":"start","name":"Start","elements":[{"type":"message","text":"Hi"}]}]}}`
	tests := []struct {
		name, file, code, msg string
	}{
		{"not JSON", `hello`, "invalid_import", "not valid JSON"},
		{"wrong schema version", strings.Replace(valid, `"schema_version":1`, `"schema_version":7`, 1), "unsupported_schema", "schema_version 7"},
		{"no schema version", strings.Replace(valid, `"schema_version":1,`, ``, 1), "invalid_import", "schema_version is missing"},
		{"missing name", strings.Replace(valid, `"name":"Imported",`, ``, 1), "invalid_import", "name is missing"},
		{"wrong type", strings.Replace(valid, `"session_timeout_seconds":600`, `"session_timeout_seconds":"ten"`, 1), "invalid_import", "session_timeout_seconds"},
		{"unknown element type", strings.Replace(valid, `"type":"message"`, `"type":"dance"`, 1), "invalid_definition", `dialogs[0].elements[0]`},
		{"unknown key", strings.Replace(valid, `"language":"en"`, `"colour":"red"`, 1), "invalid_import", "colour"},
		{"missing definition", `{"schema_version":1,"name":"X","channel":"sms"}`, "invalid_import", "definition is missing"},
		{"oversize", `{"schema_version":1,"name":"` + strings.Repeat("x", 1<<20) + `"}`, "import_too_large", "larger than"},
		{"dangling dialog reference", strings.Replace(valid, `{"type":"message","text":"Hi"}`, `{"type":"goto","dialog":"nowhere"}`, 1), "dangling_reference", `dialog "start", element 1`},
		{"bad channel", strings.Replace(valid, `"channel":"sms"`, `"channel":"pigeon"`, 1), "invalid_channel", "Choose a channel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := app.Chatbots.Import(context.Background(), designer, []byte(tt.file))
			p, ok := problem.As(err)
			if !ok || p.Kind != problem.Invalid || p.Code != tt.code || !strings.Contains(p.Message, tt.msg) {
				t.Fatalf("got %v (%+v), want code %s with %q", err, p, tt.code, tt.msg)
			}
			if n, _ := app.Store.CountChatbots(context.Background()); n != 0 {
				t.Fatalf("%d chatbots created from a bad file", n)
			}
		})
	}

	// A good file imports, twice, under a unique name; export gives it back.
	a, err := app.Chatbots.Import(context.Background(), designer, []byte(valid))
	if err != nil || a.Name != "Imported" || a.Status != "inactive" {
		t.Fatalf("import: %+v %v", a, err)
	}
	b, err := app.Chatbots.Import(context.Background(), designer, []byte(valid))
	if err != nil || b.Name != "Imported (imported)" {
		t.Fatalf("second import: %q %v", b.Name, err)
	}
	out, _, err := app.Chatbots.Export(context.Background(), designer, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := chatbots.ParseDocument(out)
	if err != nil || doc.Name != "Imported" || doc.Channel != "sms" || doc.SessionTimeoutSeconds != 600 || doc.Definition.Dialogs[0].Elements[0].Text != "Hi" {
		t.Fatalf("export round trip: %+v %v", doc, err)
	}
	if !strings.HasPrefix(string(out), "{\n  \"schema_version\": 1,\n  \"name\"") {
		t.Errorf("export keys not in a stable order:\n%s", out[:60])
	}
	// An analyzer may not import.
	if _, err := app.Chatbots.Import(context.Background(), who.Actor{User: app.Users[rbac.Analyzer]}, []byte(valid)); !problem.Is(err, problem.Forbidden) {
		t.Fatalf("analyzer import: %v", err)
	}
}

// Ids and names travel into the editor's addresses: a file cannot bring in
// one that changes what a button posts to.
func TestImportRefusesUnsafeIDs(t *testing.T) {
	app := testkit.New(t)
	designer := who.Actor{User: app.Users[rbac.Designer]}
	for _, id := range []string{`../../../../users/3/role?role=admin&x=`, `a/b`, `x y`} {
		doc := `{"schema_version":1,"name":"Evil","channel":"sms","definition":{"entry":"start","dialogs":[{"id":"` + strings.ReplaceAll(id, `"`, `\"`) + `","name":"x","elements":[]}]}}`
		if _, err := app.Chatbots.Import(context.Background(), designer, []byte(doc)); !problem.Is(err, problem.Invalid) {
			t.Errorf("dialog id %q accepted: %v", id, err)
		}
	}
}

// Imports of one file at the same moment all succeed, each under its own
// name, as they do one after the other: a name taken between the check
// and the insert is no reason to refuse the file.
func TestConcurrentImportsOfOneFile(t *testing.T) {
	app := testkit.New(t)
	designer := who.Actor{User: app.Users[rbac.Designer]}
	doc := []byte(`{"schema_version":1,"name":"Rush","language":"en","channel":"sms","session_timeout_seconds":600,
		"definition":{"attributes":[],"entry":"start","dialogs":[{"id":"start","name":"Start","elements":[{"type":"message","text":"Hi"}]}]}}`)
	const n = 8
	names := make(chan string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			c, err := app.Chatbots.Import(context.Background(), designer, doc)
			if err != nil {
				t.Errorf("import: %v", err)
				return
			}
			names <- c.Name
		}()
	}
	close(start)
	wg.Wait()
	close(names)
	seen := map[string]bool{}
	for name := range names {
		if seen[name] {
			t.Errorf("two imports named %q", name)
		}
		seen[name] = true
	}
	if len(seen) != n {
		t.Errorf("%d of %d imports succeeded: %v", len(seen), n, seen)
	}
}

// bloatedImport is a compact export under 1 MiB whose stored (indented)
// definition is over it, as in the review: many small dialogs.
func bloatedImport(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"schema_version":1,"name":"Bloated","language":"en","channel":"sms","session_timeout_seconds":600,"definition":{"attributes":[],"entry":"d0","dialogs":[`)
	for i := 0; b.Len() < 990<<10; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":"d%d","name":"D%d","elements":[{"type":"message","text":"x"}]}`, i, i)
	}
	b.WriteString(`]}}`)
	if b.Len() > chatbot.MaxDefinitionBytes {
		t.Fatalf("the compact file is %d bytes", b.Len())
	}
	return b.String()
}

// TestImportChecksTheStoredSize: an import whose stored form would pass
// 1 MiB is refused, and nothing is stored.
func TestImportChecksTheStoredSize(t *testing.T) {
	app := testkit.New(t)
	designer := who.Actor{User: app.Users[rbac.Designer]}
	_, err := app.Chatbots.Import(context.Background(), designer, []byte(bloatedImport(t)))
	p, ok := problem.As(err)
	if !ok || p.Kind != problem.Invalid || p.Code != "definition_too_large" || !strings.Contains(p.Message, "once stored") {
		t.Fatalf("import of a bloated file: %v", err)
	}
	if _, err := app.Store.ChatbotByName(context.Background(), "Bloated"); err == nil {
		t.Error("the refused import was stored")
	}
}

// TestImportCapsKeywords: an import with more keywords than the cap is
// refused with the count, and nothing is stored.
func TestImportCapsKeywords(t *testing.T) {
	app := testkit.New(t)
	designer := who.Actor{User: app.Users[rbac.Designer]}
	kws := make([]string, chatbot.MaxKeywords+1)
	for i := range kws {
		kws[i] = fmt.Sprintf("%q", fmt.Sprintf("kw%d", i))
	}
	doc := `{"schema_version":1,"name":"Wordy","language":"en","channel":"sms","session_timeout_seconds":600,"definition":{"attributes":[],"entry":"start","dialogs":[{"id":"start","name":"Start","elements":[{"type":"keywords","text":"?","branches":[{"keywords":[` +
		strings.Join(kws, ",") + `],"dialog":"start"}]}]}]}}`
	_, err := app.Chatbots.Import(context.Background(), designer, []byte(doc))
	if p, ok := problem.As(err); !ok || p.Code != "too_many_keywords" || !strings.Contains(p.Message, "5001") {
		t.Fatalf("import of %d keywords: %v", len(kws), err)
	}
	if _, err := app.Store.ChatbotByName(context.Background(), "Wordy"); err == nil {
		t.Error("the refused import was stored")
	}
}
