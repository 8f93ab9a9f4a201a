package views

import (
	"unicode"
	"unicode/utf8"
)

// diffPart is a stretch of a text in a word diff: kept in both versions
// (Op ' '), only in the one before ('-') or only in the one after ('+').
// Elided: a kept stretch shortened to its ends ("…" in the middle).
type diffPart struct {
	Text   string
	Op     byte
	Elided bool
}

// maxDiffCells bounds the word diff's table (words before × words after
// in the stretch between the common start and end): past it the stretch
// shows as removed and added whole, so a page never does unbounded work.
const maxDiffCells = 200_000

// keepContext is how much of a kept stretch a long-text diff shows on each
// side of a change; longer kept stretches are elided in the middle.
const keepContext = 60

// wordDiff compares two texts word by word: the common start and end are
// kept, the middle is diffed by longest common subsequence of words.
func wordDiff(before, after string) []diffPart {
	a, b := words(before), words(after)
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var out []diffPart
	add := func(op byte, s string) {
		if s == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Op == op {
			out[n-1].Text += s
			return
		}
		out = append(out, diffPart{Text: s, Op: op})
	}
	for _, w := range a[:pre] {
		add(' ', w)
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(ma)*len(mb) > maxDiffCells {
		for _, w := range ma {
			add('-', w)
		}
		for _, w := range mb {
			add('+', w)
		}
	} else {
		// lcs[i][j]: the longest common subsequence of ma[i:] and mb[j:].
		w := len(mb) + 1
		lcs := make([]int32, (len(ma)+1)*w)
		for i := len(ma) - 1; i >= 0; i-- {
			for j := len(mb) - 1; j >= 0; j-- {
				if ma[i] == mb[j] {
					lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
				} else {
					lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(ma) || j < len(mb) {
			switch {
			case i < len(ma) && j < len(mb) && ma[i] == mb[j]:
				add(' ', ma[i])
				i, j = i+1, j+1
			case j < len(mb) && (i == len(ma) || lcs[i*w+j+1] >= lcs[(i+1)*w+j]):
				add('+', mb[j])
				j++
			default:
				add('-', ma[i])
				i++
			}
		}
	}
	for _, w := range a[len(a)-suf:] {
		add(' ', w)
	}
	return out
}

// words splits s into words and the runs between them, so that joining
// the pieces gives s back.
func words(s string) []string {
	var out []string
	start, inWord := 0, false
	for i, r := range s {
		w := unicode.IsLetter(r) || unicode.IsDigit(r)
		if i > start && w != inWord {
			out = append(out, s[start:i])
			start = i
		}
		inWord = w
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// side is one version's view of a diff: the kept stretches and its own
// changes (before: '-', after: '+'), kept stretches longer than twice
// keepContext shortened to their ends.
func side(parts []diffPart, own byte) []diffPart {
	var out []diffPart
	for k, p := range parts {
		if p.Op != ' ' && p.Op != own {
			continue
		}
		if p.Op == ' ' && utf8.RuneCountInString(p.Text) > 2*keepContext+10 {
			r := []rune(p.Text)
			head, tail := string(r[:keepContext]), string(r[len(r)-keepContext:])
			switch {
			case k == 0:
				p = diffPart{Text: "…" + tail, Op: ' ', Elided: true}
			case k == len(parts)-1:
				p = diffPart{Text: head + "…", Op: ' ', Elided: true}
			default:
				p = diffPart{Text: head + " … " + tail, Op: ' ', Elided: true}
			}
		}
		out = append(out, p)
	}
	return out
}

// longText says whether a changed value is worth a word diff rather than
// showing both versions whole.
func longText(before, after string) bool {
	return before != "" && after != "" && (utf8.RuneCountInString(before) > 80 || utf8.RuneCountInString(after) > 80)
}
