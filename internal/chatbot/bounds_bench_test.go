package chatbot

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// The outside review's worst cases (issue #24), as the runtime runs them:
// the input read before the writer, the prepared program run inside.

// stairKeywords is a keywords element whose branch k has the keyword of k
// words "a a … a", for k up to n: every position of an input "a a a …"
// ends a match of every length.
func stairKeywords(n int) *Definition {
	branches := make([]Branch, n)
	for i := range branches {
		branches[i] = Branch{Keywords: []string{strings.TrimSpace(strings.Repeat("a ", i+1))}, Dialog: "end"}
	}
	return &Definition{Entry: "menu", Dialogs: []Dialog{
		{ID: "menu", Elements: []Element{{Type: ElementKeywords, Branches: branches}}},
		{ID: "end", Elements: []Element{msg("ok")}},
	}}
}

// stairInput is "a a a … c", 4,096 characters: it matches no keyword of
// stairKeywords(n) for n under 2,047 but the shortest, which is last to be
// preferred; its last word matches nothing.
func stairInput() string {
	return strings.Repeat("a ", 2047) + "c "[:2]
}

// amplifier is the placeholder bomb: a question stores an answer, then a
// message shows it count times, and (with loop) jumps back to itself.
func amplifier(count int, loop bool) *Definition {
	els := []Element{msg(strings.Repeat("{{a}}", count))}
	if loop {
		els = append(els, jumpTo("show"))
	}
	return &Definition{Entry: "ask", Attributes: []Attribute{{Name: "a", Type: AttributeText}}, Dialogs: []Dialog{
		{ID: "ask", Elements: []Element{ask("Say something", "a"), jumpTo("show")}},
		{ID: "show", Elements: els},
	}}
}

func benchTurn(b *testing.B, def *Definition, st State, input string) {
	p, in := Prepare(def), ReadInput(input)
	res := p.ContinueInput(st, in)
	bytes := 0
	for _, r := range res.Replies {
		bytes += len(r)
	}
	b.ReportMetric(float64(bytes), "reply-bytes")
	b.ReportAllocs()
	for b.Loop() {
		p.ContinueInput(st, in)
	}
}

// BenchmarkKeywordWorstCase is the stair of 900 keywords and the 4,096-
// character input "a a … c" at it, beside a plain message at the same
// element.
func BenchmarkKeywordWorstCase(b *testing.B) {
	st := State{Dialog: "menu", Waiting: true}
	def := stairKeywords(900)
	b.Run("stair-900/input-a-a-a", func(b *testing.B) { benchTurn(b, def, st, stairInput()) })
	b.Run("stair-900/input-plain", func(b *testing.B) { benchTurn(b, def, st, "what are your opening hours?") })
}

// BenchmarkAmplifyingDefinition is the answer of 4,096 characters shown
// by 2,000 placeholders, once and in a goto loop, beside a plain message.
func BenchmarkAmplifyingDefinition(b *testing.B) {
	st := State{Dialog: "ask", Waiting: true}
	answer := strings.Repeat("x", 4096)
	b.Run("placeholders-2000", func(b *testing.B) { benchTurn(b, amplifier(2000, false), st, answer) })
	b.Run("placeholders-2000-goto-loop", func(b *testing.B) { benchTurn(b, amplifier(2000, true), st, answer) })
	b.Run("placeholders-1-plain", func(b *testing.B) { benchTurn(b, amplifier(1, false), st, "Ann") })
}

// BenchmarkValidateLargest is Validate of definitions near the largest a
// writer accepts (MaxDefinitionBytes, MaxKeywords), made of what this
// package's checks read most: a text of distinct placeholders, a text of
// one placeholder over and over, keywords that overlap.
func BenchmarkValidateLargest(b *testing.B) {
	var distinct strings.Builder
	for i := 0; distinct.Len() < MaxDefinitionBytes-64; i++ {
		fmt.Fprintf(&distinct, "{{p%d}}", i)
	}
	same := strings.Repeat("{{a}}", (MaxDefinitionBytes-64)/5)
	keywords := make([]string, MaxKeywords)
	for i := range keywords {
		keywords[i] = strings.Repeat("a ", 90) + strconv.Itoa(i)
	}
	defs := map[string]*Definition{
		"distinct-placeholders": amplifier(0, false),
		"same-placeholder":      amplifier(0, false),
		"keywords":              stairKeywords(1),
	}
	defs["distinct-placeholders"].Dialogs[1].Elements[0].Text = distinct.String()
	defs["same-placeholder"].Dialogs[1].Elements[0].Text = same
	defs["keywords"].Dialogs[0].Elements[0].Branches[0].Keywords = keywords
	for name, def := range defs {
		if n := len(def.JSON()); n > 2*MaxDefinitionBytes {
			b.Fatalf("%s: %d bytes", name, n)
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				Validate(def, Context{HasSender: true, Channel: "livechat", SenderChannel: "livechat"})
			}
		})
	}
}

// fuzzyKeywords is a fuzzy keywords element of MaxKeywords keywords, one
// branch each, each a distinct word of 8 letters ("baaaaaaa", …).
func fuzzyKeywords() *Definition {
	branches := make([]Branch, MaxKeywords)
	for i := range branches {
		w := []byte("aaaaaaaa")
		for j, n := len(w)-1, i+1; n > 0; j, n = j-1, n/26 {
			w[j] = byte('a' + n%26)
		}
		branches[i] = Branch{Keywords: []string{string(w)}, Dialog: "end"}
	}
	return &Definition{Entry: "menu", Dialogs: []Dialog{
		{ID: "menu", Elements: []Element{{Type: ElementKeywords, Fuzzy: true, Branches: branches}}},
		{ID: "end", Elements: []Element{msg("ok")}},
	}}
}

// BenchmarkFuzzyKeywords is a fuzzy element of 5,000 keywords at a
// 4,096-character input of words one edit from none of them (every word
// looked up, up to MaxFuzzyWords), at the words of a crowded
// neighbourhood ("aaaaaaa" is one deletion from many keywords), and at
// one typo.
func BenchmarkFuzzyKeywords(b *testing.B) {
	st := State{Dialog: "menu", Waiting: true}
	def := fuzzyKeywords()
	b.Run("keywords-5000/input-4096-no-match", func(b *testing.B) {
		benchTurn(b, def, st, strings.Repeat("zzzzzz ", 4096/7))
	})
	b.Run("keywords-5000/input-4096-crowded", func(b *testing.B) {
		benchTurn(b, def, st, strings.Repeat("aaaaaaa ", 4096/8))
	})
	b.Run("keywords-5000/input-one-typo", func(b *testing.B) { benchTurn(b, def, st, "I want baaaaaab please") })
	// The index, built once per element inside the writer.
	b.Run("keywords-5000/build-index", func(b *testing.B) {
		k := indexKeywords(def.Dialogs[0].Elements[0].Branches)
		b.ReportAllocs()
		for b.Loop() {
			indexFuzzy(k.words)
		}
	})
}
