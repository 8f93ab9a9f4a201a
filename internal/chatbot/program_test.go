package chatbot

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

// naiveChoice is the keyword rule as SPEC states it, written the slow and
// obvious way: the first branch, in order, with a keyword whose
// normalised words appear in the normalised input, and its first such
// keyword.
func naiveChoice(branches []Branch, input string) (branch int, keyword string, ok bool) {
	in := normalise(input)
	for bi, b := range branches {
		for _, kw := range b.Keywords {
			if containsWords(in, normalise(kw)) {
				return bi, kw, true
			}
		}
	}
	return 0, "", false
}

func TestKeywordIndex(t *testing.T) {
	branches := []Branch{
		{Keywords: []string{"", "  ", "opening hours", "OPEN"}, Dialog: "hours"},
		{Keywords: []string{"price", "how much", "open"}, Dialog: "prices"},
		{Keywords: []string{"Straße", "sí señor", "hours"}, Dialog: "misc"},
		{Keywords: []string{"a b c d", "b c"}, Dialog: "letters"},
	}
	tests := []struct {
		input   string
		branch  int
		keyword string
		ok      bool
	}{
		{"What are your OPENING hours?!", 0, "opening hours", true},
		{"are you open", 0, "OPEN", true},                // first branch wins over a later one with the same keyword
		{"hours please", 2, "hours", true},               // one word of a two-word keyword is not enough for branch 0
		{"how much is it", 1, "how much", true},          //
		{"how, much?", 1, "how much", true},              // punctuation is a word break
		{"howmuch", 0, "", false},                        // words are whole
		{"the strasse", 2, "Straße", true},               // folded
		{"SI, SENOR", 2, "sí señor", true},               // accents removed
		{"x a b c y", 3, "b c", true},                    // the longer keyword is not there
		{"a b c d", 3, "a b c d", true},                  // both are; the first of the branch wins
		{"b c a b c d", 3, "a b c d", true},              // whatever their order in the input
		{"prices", 0, "", false},                         // no stemming
		{"", 0, "", false},                               // nothing to match
		{"?!", 0, "", false},                             // nothing left after normalising
		{strings.Repeat("open ", 1000), 0, "OPEN", true}, // long input
		{strings.Repeat("가", 4096), 0, "", false},        // one long word
		{"opening   hours", 0, "opening hours", true},    // spaces collapse
		{"openinghours opening hours", 0, "opening hours", true},
	}
	k := indexKeywords(branches)
	for _, tc := range tests {
		m, ok := k.find(normalise(tc.input))
		if ok != tc.ok || ok && (m.branch != tc.branch || m.text != tc.keyword) {
			t.Errorf("%.40q: got branch %d %q %v, want %d %q %v", tc.input, m.branch, m.text, ok, tc.branch, tc.keyword, tc.ok)
		}
		if b, kw, ok := naiveChoice(branches, tc.input); ok != tc.ok || ok && (b != tc.branch || kw != tc.keyword) {
			t.Errorf("%.40q: the rule itself says %d %q %v; the table is wrong", tc.input, b, kw, ok)
		}
	}
}

// The index chooses as the rule does on random keywords and inputs drawn
// from a small vocabulary, so that words repeat and overlap.
func TestKeywordIndexAgreesWithTheRule(t *testing.T) {
	words := []string{"a", "b", "c", "Ça", "ca", "open", "hours", "é", "1", "x-y", "?"}
	r := rand.New(rand.NewPCG(1, 2))
	phrase := func(max int) string {
		n := r.IntN(max) + 1
		ws := make([]string, n)
		for i := range ws {
			ws[i] = words[r.IntN(len(words))]
		}
		return strings.Join(ws, " ")
	}
	for round := range 2000 {
		branches := make([]Branch, r.IntN(4)+1)
		for i := range branches {
			for range r.IntN(4) {
				branches[i].Keywords = append(branches[i].Keywords, phrase(3))
			}
		}
		k := indexKeywords(branches)
		for range 5 {
			input := phrase(8)
			m, ok := k.find(normalise(input))
			b, kw, want := naiveChoice(branches, input)
			if ok != want || ok && (m.branch != b || m.text != kw) {
				t.Fatalf("round %d: %v with %q: index says %d %q %v, the rule %d %q %v", round, branches, input, m.branch, m.text, ok, b, kw, want)
			}
		}
	}
}

// One Program serves many conversations at once (the runtime shares it);
// the race detector checks the lazily built indexes.
func TestProgramIsSafeForConcurrentUse(t *testing.T) {
	def := &Definition{Entry: "menu", Dialogs: []Dialog{
		{ID: "menu", Elements: []Element{{Type: ElementKeywords, Text: "Menu", Branches: []Branch{
			{Keywords: []string{"hours"}, Dialog: "hours"}, {Keywords: []string{"price"}, Dialog: "prices"}}}}},
		{ID: "hours", Elements: []Element{{Type: ElementMessage, Text: "9 to 5"}}},
		{ID: "prices", Elements: []Element{{Type: ElementMessage, Text: "Free"}}},
	}}
	p := Prepare(def)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := p.Start().State
			in, want := "hours?", "9 to 5"
			if i%2 == 1 {
				in, want = "the price", "Free"
			}
			if got := p.Continue(st, in).Replies; len(got) != 1 || got[0] != want {
				t.Errorf("%q: replies %q, want %q", in, got, want)
			}
		}()
	}
	wg.Wait()
}

// largeKeywordsBot is a bot with n keywords on one element, as in the
// outside review's report (there 30,000, before the cap).
func largeKeywordsBot(n int) *Definition {
	branches := make([]Branch, 0, n/10)
	for i := 0; i < n; i += 10 {
		b := Branch{Dialog: "end"}
		for j := range 10 {
			b.Keywords = append(b.Keywords, fmt.Sprintf("장문 키워드 %d 번 Ünïcödé", i+j))
		}
		branches = append(branches, b)
	}
	return &Definition{Entry: "menu", Dialogs: []Dialog{
		{ID: "menu", Elements: []Element{{Type: ElementKeywords, Text: "Menu", Branches: branches}}},
		{ID: "end", Elements: []Element{{Type: ElementMessage, Text: "ok"}}},
	}}
}

// BenchmarkChooseLargeBot is one message of 4,096 characters (Hangul, or
// English words) at a keywords element of MaxKeywords or 30,000 keywords
// that it does not match, as the runtime runs it — the input read before
// the writer, the prepared program run inside — and, for comparison, as
// the engine did before (every keyword normalised on every message,
// inside the writer).
func BenchmarkChooseLargeBot(b *testing.B) {
	st := State{Dialog: "menu", Waiting: true}
	for _, input := range []string{strings.Repeat("한", 4096), strings.Repeat("what are your opening hours ", 146)} {
		for _, n := range []int{MaxKeywords, 30000} {
			def := largeKeywordsBot(n)
			name := fmt.Sprintf("keywords=%d/input=%.6s", n, input)
			b.Run(name+"/read-input", func(b *testing.B) {
				for b.Loop() {
					ReadInput(input)
				}
			})
			b.Run(name+"/prepared-in-writer", func(b *testing.B) {
				p, in := Prepare(def), ReadInput(input)
				p.ContinueInput(st, in)
				for b.Loop() {
					p.ContinueInput(st, in)
				}
			})
			b.Run(name+"/every-keyword-every-message", func(b *testing.B) {
				for b.Loop() {
					naiveChoice(def.Dialogs[0].Elements[0].Branches, input)
				}
			})
		}
	}
}
