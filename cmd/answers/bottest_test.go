package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/chatbots"
	"github.com/answers-console/answers/internal/demo"
	"github.com/answers-console/answers/internal/testkit"
	"github.com/answers-console/answers/internal/who"
)

// TestBotTestOnDemoExports exports the demo chatbots through the console,
// runs `answers bot test` on the files (they pass), then breaks one reply
// in a file, and removes a file's tests: both exit 1 and say why.
func TestBotTestOnDemoExports(t *testing.T) {
	ctx := context.Background()
	app := testkit.New(t)
	sys := who.System()
	dir := t.TempDir()
	var files []string
	for i, s := range demo.Samples() {
		c, err := app.Chatbots.Create(ctx, sys, chatbots.Settings{Name: s.Name, Channel: s.Channel})
		if err != nil {
			t.Fatal(err)
		}
		if c, err = app.Chatbots.Update(ctx, sys, c.ID, chatbots.Edit{Version: c.Version, Apply: chatbots.ReplaceDefinition(s.Definition)}); err != nil {
			t.Fatal(err)
		}
		data, _, err := app.Chatbots.Export(ctx, sys, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, fmt.Sprintf("bot%d.json", i))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	out := mustCLI(t, "", append([]string{"bot", "test"}, files...)...)
	for _, s := range demo.Samples() {
		if !strings.Contains(out, "("+s.Name+"): "+fmt.Sprint(len(s.Definition.Tests))+" passed, 0 failed") {
			t.Errorf("output does not report %s's tests passing:\n%s", s.Name, out)
		}
	}

	// Break the FAQ's opening hours answer in its file.
	data, _ := os.ReadFile(files[0])
	broken := bytes.Replace(data, []byte(`"text": "We are open 9:00–17:00, Monday to Friday."`), []byte(`"text": "We are closed."`), 1)
	if bytes.Equal(broken, data) {
		t.Fatal("the FAQ export has no opening hours answer to break")
	}
	bad := filepath.Join(dir, "broken.json")
	must(t, os.WriteFile(bad, broken, 0o600))
	code, out, err := cli(t, "", "bot", "test", bad)
	if code != 1 || err == nil || !strings.Contains(out, `FAIL  opening hours and prices: at turn 2 ("what are your opening hours?") expected "We are open 9:00–17:00, Monday to Friday.", got "We are closed."`) {
		t.Fatalf("broken: exit %d %v\n%s", code, err, out)
	}

	// No tests: a failure too (the console's no_tests warning).
	none := filepath.Join(dir, "none.json")
	must(t, os.WriteFile(none, []byte(`{"schema_version":1,"name":"Bare","channel":"livechat","definition":{"attributes":[],"entry":"s","dialogs":[{"id":"s","name":"S","elements":[{"type":"message","text":"Hi"}]}]}}`), 0o600))
	if code, out, _ := cli(t, "", "bot", "test", none); code != 1 || !strings.Contains(out, "no conversation tests") {
		t.Fatalf("no tests: exit %d\n%s", code, out)
	}
	// Not an export, a missing file, no file: exit 1 with the reason.
	junk := filepath.Join(dir, "junk.json")
	must(t, os.WriteFile(junk, []byte(`{"nope": 1}`), 0o600))
	for _, args := range [][]string{{"bot", "test", junk}, {"bot", "test", filepath.Join(dir, "missing.json")}, {"bot", "test"}} {
		if code, _, err := cli(t, "", args...); code != 1 || err == nil {
			t.Errorf("%v: exit %d, %v", args, code, err)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
