package chatbot

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Typo-tolerant keywords. A fuzzy keywords element takes a word of the
// input that is no keyword word for the keyword word one edit away: one
// letter inserted, deleted, replaced, or two neighbours swapped
// ("pirces" for "prices"). Only when no keyword matches exactly, so an
// exact match always wins, whatever its branch.
//
// The cost of a message does not grow with the keywords: the index is
// built once per element (in the Program) and holds each keyword word
// and each of its one-letter deletions, with the words they come from
// (the "deletion neighbourhood" of SymSpell). Two words are one edit
// apart only if one is the other, or one of them with a letter deleted
// is the other, or both with a letter deleted are the same; so an input
// word of L letters takes L+1 deletions, two map look-ups each, and
// verifies at most maxFuzzyBucket words found under each key. A message
// examines at most MaxFuzzyWords words.
const (
	// MinFuzzyRunes is the shortest input word matched one edit away.
	MinFuzzyRunes = 5
	// MaxFuzzyRunes is the longest: longer words match exactly only.
	MaxFuzzyRunes = 32
	// MaxFuzzyWords is how many words of one message are looked up one
	// edit away; those after them match exactly only.
	MaxFuzzyWords = 32
	// MaxFuzzyIndexWords is how many distinct keyword words of one
	// element (the first, in its order) are matched one edit away; later
	// ones match exactly only. It bounds the index a fuzzy element keeps
	// in memory (each word and its deletions) and the time to build it,
	// which happens inside the writer on the element's first message.
	MaxFuzzyIndexWords = 5000
	// maxFuzzyBucket is how many keyword words the index keeps under one
	// key (the first, in the element's order); a later one is matched
	// exactly only when the key is that crowded.
	maxFuzzyBucket = 8
)

// correction is an input word taken for a keyword word.
type correction struct {
	typed, word string
}

// fuzzyIndex is the deletion neighbourhood of a keywords element's words.
type fuzzyIndex struct {
	keys  map[string][]int32 // a word or a one-letter deletion of it → the words' numbers
	words []string           // word number → the word
}

// indexFuzzy builds the fuzzy index of a keyword index's words.
func indexFuzzy(words map[string]int32) *fuzzyIndex {
	f := &fuzzyIndex{keys: map[string][]int32{}, words: make([]string, len(words))}
	for w, id := range words {
		f.words[id] = w
	}
	add := func(key string, id int32) {
		b := f.keys[key]
		if len(b) < maxFuzzyBucket && (len(b) == 0 || b[len(b)-1] != id) {
			f.keys[key] = append(b, id)
		}
	}
	// In number order, so that a bucket keeps the element's first words.
	for id, w := range f.words {
		if id == MaxFuzzyIndexWords {
			break
		}
		rs := []rune(w)
		// An input word of MinFuzzyRunes letters may be a keyword word of
		// one letter fewer with one inserted.
		if len(rs) < MinFuzzyRunes-1 || len(rs) > MaxFuzzyRunes || !letters(rs) {
			continue
		}
		add(w, int32(id))
		for i := range rs {
			add(deleteAt(rs, i), int32(id))
		}
	}
	return f
}

// deleteAt is rs without its i-th letter.
func deleteAt(rs []rune, i int) string {
	var b strings.Builder
	b.Grow(len(rs) * 2)
	for j, r := range rs {
		if j != i {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func letters(rs []rune) bool {
	for _, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsMark(r) {
			return false
		}
	}
	return true
}

// nearest returns the number of the first keyword word (in the element's
// order) one edit away from the input word w, if any.
func (f *fuzzyIndex) nearest(w string) (int32, bool) {
	n := utf8.RuneCountInString(w)
	if n < MinFuzzyRunes || n > MaxFuzzyRunes {
		return 0, false
	}
	rs := []rune(w)
	if !letters(rs) {
		return 0, false
	}
	best, found := int32(0), false
	try := func(ids []int32) {
		for _, id := range ids {
			if (!found || id < best) && oneEdit(rs, []rune(f.words[id])) {
				best, found = id, true
			}
		}
	}
	try(f.keys[w]) // w is a keyword word with a letter deleted
	for i := range rs {
		d := deleteAt(rs, i)
		// w is a keyword word with a letter inserted, replaced or two
		// swapped: deleting one letter of each gives the same word.
		try(f.keys[d])
	}
	return best, found
}

// oneEdit says whether a and b are exactly one edit apart: one letter
// inserted, deleted or replaced, or two neighbours swapped (the optimal
// string alignment distance is 1).
func oneEdit(a, b []rune) bool {
	if len(a) < len(b) {
		a, b = b, a
	}
	switch len(a) - len(b) {
	case 0:
		i := 0
		for i < len(a) && a[i] == b[i] {
			i++
		}
		if i == len(a) {
			return false // equal
		}
		if slices.Equal(a[i+1:], b[i+1:]) {
			return true // replaced
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && slices.Equal(a[i+2:], b[i+2:]) // swapped
	case 1:
		i := 0
		for i < len(b) && a[i] == b[i] {
			i++
		}
		return slices.Equal(a[i+1:], b[i:]) // a has one letter more
	}
	return false
}

// findFuzzy is find's second pass: each input word that is no keyword
// word is taken for the keyword word one edit away, if there is one, and
// the automaton runs over the words so corrected. Any match it finds
// includes a corrected word, since the first pass found none; the match
// says which.
func (k *keywordIndex) findFuzzy(in string) (keywordMatch, bool) {
	words := strings.Split(in, " ")
	var fixed map[int]correction
	examined := 0
	for i, w := range words {
		if _, ok := k.words[w]; ok || utf8.RuneCountInString(w) < MinFuzzyRunes {
			continue
		}
		if examined == MaxFuzzyWords {
			break
		}
		examined++
		if id, ok := k.fuzzy.nearest(w); ok {
			if fixed == nil {
				fixed = map[int]correction{}
			}
			fixed[i] = correction{typed: w, word: k.fuzzy.words[id]}
			words[i] = k.fuzzy.words[id]
		}
	}
	if fixed == nil {
		return keywordMatch{}, false
	}
	m, ok, end, _ := k.scan(slices.Values(words))
	if !ok {
		return m, false
	}
	for i := end - m.words + 1; i <= end; i++ {
		if c, ok := fixed[i]; ok {
			m.fuzzy = append(m.fuzzy, c)
		}
	}
	return m, true
}

// fuzzyCollisions lists, for a fuzzy keywords element, pairs of words of
// two different branches one edit apart: an input word can be one edit
// from both, and then only the first branch can take it. Each pair comes
// once: the word of the earlier branch first, with both branches. At most
// limit pairs are listed; more says whether there were others.
func fuzzyCollisions(branches []Branch, limit int) (pairs []collision, more bool) {
	k := indexKeywords(branches)
	f := indexFuzzy(k.words)
	// The first branch each word is in.
	branchOf := make([]int, len(f.words))
	for i := range branchOf {
		branchOf[i] = -1
	}
	for bi, b := range branches {
		for _, kw := range b.Keywords {
			for w := range strings.FieldsSeq(normalise(kw)) {
				if id, ok := k.words[w]; ok && branchOf[id] < 0 {
					branchOf[id] = bi
				}
			}
		}
	}
	seen := map[[2]int32]bool{}
	for id, w := range f.words {
		if id == MaxFuzzyIndexWords {
			break
		}
		rs := []rune(w)
		if len(rs) < MinFuzzyRunes-1 || len(rs) > MaxFuzzyRunes || !letters(rs) {
			continue
		}
		check := func(ids []int32) {
			for _, o := range ids {
				a, b := int32(id), o
				if a > b {
					a, b = b, a
				}
				if a == b || seen[[2]int32{a, b}] || branchOf[a] == branchOf[b] || !oneEdit(rs, []rune(f.words[o])) {
					continue
				}
				seen[[2]int32{a, b}] = true
				x, y := a, b
				if branchOf[y] < branchOf[x] {
					x, y = y, x
				}
				if len(pairs) == limit {
					more = true
					continue
				}
				pairs = append(pairs, collision{f.words[x], f.words[y], branchOf[x], branchOf[y]})
			}
		}
		check(f.keys[w])
		for i := range rs {
			check(f.keys[deleteAt(rs, i)])
		}
	}
	slices.SortFunc(pairs, func(p, q collision) int {
		if p.branchA != q.branchA {
			return p.branchA - q.branchA
		}
		return strings.Compare(p.a, q.a)
	})
	return pairs, more
}

// collision is two keyword words of two branches one edit apart.
type collision struct {
	a, b             string
	branchA, branchB int
}
