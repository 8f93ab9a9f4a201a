package chatbot

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// placeholderRE is the placeholder rule as a regular expression, the
// oracle of the scanner.
var placeholderRE = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// The scanner finds the placeholders the regular expression finds, and
// fill (within its bounds) replaces them as the regular expression would.
func TestPlaceholderScannerAgreesWithTheRule(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"{", "}", "{{", "}}", "a", "b", " ", "\n", "\t", "é", "\xff", "{{a}}", "{{ b }}"}
	attrs := map[string]string{"a": "A", "b": "Bé", "": "empty", "a b": "AB"}
	for round := range 20000 {
		var sb strings.Builder
		for range r.IntN(12) {
			sb.WriteString(pieces[r.IntN(len(pieces))])
		}
		text := sb.String()
		var want []string
		for _, m := range placeholderRE.FindAllStringSubmatch(text, -1) {
			if !slices.Contains(want, m[1]) {
				want = append(want, m[1])
			}
		}
		if got := placeholders(text); !slices.Equal(got, want) {
			t.Fatalf("round %d: placeholders(%q) = %q, want %q", round, text, got, want)
		}
		wantFill := placeholderRE.ReplaceAllStringFunc(text, func(m string) string {
			return attrs[placeholderRE.FindStringSubmatch(m)[1]]
		})
		if got, vc, tc := fill(text, attrs); got != wantFill || vc || tc {
			t.Fatalf("round %d: fill(%q) = %q %v %v, want %q", round, text, got, vc, tc, wantFill)
		}
	}
}

func TestFillBounds(t *testing.T) {
	long := strings.Repeat("x", 4096)
	tests := []struct {
		name, text, value string
		want              string
		valueCut, textCut bool
	}{
		{"short", "Hi {{a}}!", "Ann", "Hi Ann!", false, false},
		{"the longest value", "{{a}}", strings.Repeat("é", MaxPlaceholderRunes), strings.Repeat("é", MaxPlaceholderRunes), false, false},
		{"a value one too long", "{{a}}.", strings.Repeat("é", MaxPlaceholderRunes+1), strings.Repeat("é", MaxPlaceholderRunes-1) + "….", true, false},
		{"the longest text", strings.Repeat("한", MaxTextRunes), "", strings.Repeat("한", MaxTextRunes), false, false},
		{"a text one too long", strings.Repeat("한", MaxTextRunes+1), "", strings.Repeat("한", MaxTextRunes-1) + "…", false, true},
		{"a text filled one too long", strings.Repeat("y", MaxTextRunes-1) + "{{a}}", "ab", strings.Repeat("y", MaxTextRunes-1) + "…", false, true},
		{"the most placeholders", strings.Repeat("{{a}}", MaxTextPlaceholders) + ".", "b", strings.Repeat("b", MaxTextPlaceholders) + ".", false, false},
		{"a placeholder too many", strings.Repeat("{{a}}", MaxTextPlaceholders+1) + ".", "b", strings.Repeat("b", MaxTextPlaceholders-1) + "…", false, true},
		{"a placeholder too many, all empty", strings.Repeat("{{a}}", MaxTextPlaceholders+1), "", "", false, true},
		{"the bomb", strings.Repeat("{{a}}", 2000), long,
			strings.Repeat(strings.Repeat("x", MaxPlaceholderRunes-1)+"…", MaxTextRunes/MaxPlaceholderRunes), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, vc, tc := fill(tt.text, map[string]string{"a": tt.value})
			if got != tt.want || vc != tt.valueCut || tc != tt.textCut {
				t.Errorf("got %d characters (…%q) cut %v %v, want %d (…%q) cut %v %v",
					utf8.RuneCountInString(got), got[max(0, len(got)-12):], vc, tc,
					utf8.RuneCountInString(tt.want), tt.want[max(0, len(tt.want)-12):], tt.valueCut, tt.textCut)
			}
		})
	}
}

// replyBytes is the bytes of a turn's replies together.
func replyBytes(res Result) int {
	n := 0
	for _, r := range res.Replies {
		n += len(r)
	}
	return n
}

func events(res Result, event string) []Step {
	var out []Step
	for _, s := range res.Steps {
		if s.Event == event {
			out = append(out, s)
		}
	}
	return out
}

// The review's amplifying definitions: a 4,096-character answer shown by
// 2,000 placeholders, once or in a goto loop, answers at most
// MaxTurnBytes in at most MaxTurnReplies replies, and the trace says where
// the engine cut.
func TestTurnBounds(t *testing.T) {
	st := State{Dialog: "ask", Waiting: true}
	for _, answer := range []string{strings.Repeat("x", 4096), strings.Repeat("한", 4096)} {
		for _, loop := range []bool{false, true} {
			res := ContinueTraced(amplifier(2000, loop), st, answer)
			n := replyBytes(res)
			if len(res.Replies) == 0 || len(res.Replies) > MaxTurnReplies || n > MaxTurnBytes || !res.Cut {
				t.Fatalf("loop %v: %d replies of %d bytes, cut %v", loop, len(res.Replies), n, res.Cut)
			}
			for _, r := range res.Replies {
				if utf8.RuneCountInString(r) > MaxTextRunes || !utf8.ValidString(r) || !strings.HasSuffix(r, "…") {
					t.Fatalf("loop %v: a reply of %d characters ending %q", loop, utf8.RuneCountInString(r), r[len(r)-8:])
				}
			}
			if len(events(res, EventTextCut)) == 0 {
				t.Errorf("loop %v: no %s in the trace %+v", loop, EventTextCut, res.Steps)
			}
			if loop {
				// The loop still runs to the step limit; its replies stop.
				if !res.StepLimit || n < MaxTurnBytes-8 || len(events(res, EventTurnLimit)) == 0 {
					t.Errorf("loop: step limit %v, %d bytes, trace %+v", res.StepLimit, n, events(res, EventTurnLimit))
				}
			}
		}
	}
}

// A turn of many short replies stops at MaxTurnReplies and says so; the
// state goes on as if all were sent.
func TestTurnReplyLimit(t *testing.T) {
	var els []Element
	for range MaxTurnReplies + 5 {
		els = append(els, msg("hello"))
	}
	els = append(els, ask("Name?", "name"))
	def := &Definition{Entry: "s", Attributes: []Attribute{{Name: "name", Type: AttributeText}}, Dialogs: []Dialog{dialog("s", els...)}}
	res := StartTraced(def)
	if len(res.Replies) != MaxTurnReplies || !res.Cut || !res.State.Waiting || res.State.Index != MaxTurnReplies+5 {
		t.Fatalf("%d replies, cut %v, state %+v", len(res.Replies), res.Cut, res.State)
	}
	if got := events(res, EventTurnLimit); len(got) != 6 || got[0].Element != MaxTurnReplies+1 || !strings.Contains(got[0].Detail, "at most 20 replies") {
		t.Errorf("trace %+v", got)
	}
}

// Matching costs look-ups in proportion to the input's words, however the
// keywords overlap: the review's stair of 900 keywords "a", "a a", … and
// the input "a a … c" of 4,096 characters (2,048 words) made the index
// look up every keyword length at every word.
func TestKeywordLookupsFollowTheInput(t *testing.T) {
	for _, n := range []int{1, 10, 900, 2100} {
		k := indexKeywords(stairKeywords(n).Dialogs[0].Elements[0].Branches)
		for _, input := range []string{stairInput(), strings.Repeat("b a ", 1024), strings.Repeat("a ", 2000) + "b"} {
			in := normalise(input)
			words := strings.Count(in, " ") + 1
			m, ok, lookups := k.findCounting(in)
			if !ok || m.branch != 0 || m.text != "a" {
				t.Fatalf("stair of %d: %+v %v", n, m, ok)
			}
			if lookups > 3*words {
				t.Errorf("stair of %d, %.10q…: %d look-ups for %d words", n, input, lookups, words)
			}
		}
	}
}

// The automaton chooses as the rule does where keywords overlap most:
// two words, long keywords, long inputs (its fail links at work).
func TestKeywordAutomatonAgreesWithTheRule(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	phrase := func(max int) string {
		ws := make([]string, r.IntN(max)+1)
		for i := range ws {
			ws[i] = []string{"a", "b", "A!"}[r.IntN(3)]
		}
		return strings.Join(ws, " ")
	}
	for round := range 3000 {
		branches := make([]Branch, r.IntN(5)+1)
		for i := range branches {
			for range r.IntN(4) + 1 {
				branches[i].Keywords = append(branches[i].Keywords, phrase(6))
			}
		}
		k := indexKeywords(branches)
		for range 5 {
			input := phrase(20)
			m, ok := k.find(normalise(input))
			b, kw, want := naiveChoice(branches, input)
			if ok != want || ok && (m.branch != b || m.text != kw) {
				t.Fatalf("round %d: %v with %q: index says %d %q %v, the rule %d %q %v", round, branches, input, m.branch, m.text, ok, b, kw, want)
			}
		}
	}
}
