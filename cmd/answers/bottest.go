package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/answers-console/answers/internal/chatbot"
	"github.com/answers-console/answers/internal/chatbots"
)

// errTestsFailed makes `answers bot test` exit 1 after it printed why.
var errTestsFailed = errors.New("conversation tests failed")

// botTest runs the conversation tests of export files offline: no
// database, the same engine and the same rules as the console. It exits 1
// when a test fails, a file has no tests or cannot be read, so that a team
// can test the chatbots it keeps in git in its own CI.
func botTest(_ context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bot test", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), "usage: answers bot test FILE.json [FILE.json …]") }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("name at least one export file")
	}
	failed := false
	for _, path := range fs.Args() {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		doc, err := chatbots.ParseDocument(data)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		run := chatbots.Summarise(chatbot.RunTests(doc.Definition))
		fmt.Fprintf(stdout, "%s (%s): %d passed, %d failed\n", path, doc.Name, run.Passed, run.Failed)
		if len(run.Results) == 0 {
			fmt.Fprintln(stdout, "  FAIL: the chatbot has no conversation tests")
			failed = true
		}
		for _, r := range run.Results {
			if r.Passed {
				fmt.Fprintf(stdout, "  ok    %s\n", r.Name)
			} else {
				fmt.Fprintf(stdout, "  FAIL  %s: %s\n", r.Name, r.Describe())
				failed = true
			}
		}
	}
	if failed {
		return errTestsFailed
	}
	return nil
}
