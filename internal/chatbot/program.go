package chatbot

import (
	"iter"
	"strings"
	"sync"
)

// Program is a definition made ready to run many conversations: what the
// engine would otherwise work out again on every message — where each
// dialog is, each keywords element's normalised keywords — it works out
// once and keeps. The runtime keeps one Program per live definition, so a
// message costs time in proportion to its own length, not to the size of
// the chatbot: a 30,000-keyword bot once made each message take 643 ms
// inside the writer, and every other sender waited behind it.
//
// A Program is safe for concurrent use. Its definition must not change
// after Prepare.
type Program struct {
	def  *Definition
	byID map[string]int // dialog id → index; nil: look dialogs up in order

	mu       sync.Mutex
	keywords map[elementAt]*keywordIndex
	labels   map[elementAt]optionLabels
}

// elementAt names an element: its dialog and its index there.
type elementAt struct {
	dialog string
	index  int
}

// Prepare makes def ready to run. Keyword indexes are built on first use,
// so preparing a large definition costs one pass over its dialogs.
func Prepare(def *Definition) *Program {
	if def == nil {
		def = &Definition{}
	}
	p := &Program{def: def, byID: make(map[string]int, len(def.Dialogs))}
	for i, d := range def.Dialogs {
		if _, dup := p.byID[d.ID]; !dup { // the first of a duplicated id wins, as in DialogByID
			p.byID[d.ID] = i
		}
	}
	return p
}

// once is a Program for one call of the engine: nothing is built ahead,
// as most of it would not be used.
func once(def *Definition) *Program {
	if def == nil {
		def = &Definition{}
	}
	return &Program{def: def}
}

// dialog returns the dialog with the id, or nil.
func (p *Program) dialog(id string) *Dialog {
	if p.byID == nil {
		d, _ := p.def.DialogByID(id)
		return d
	}
	if i, ok := p.byID[id]; ok {
		return &p.def.Dialogs[i]
	}
	return nil
}

// Start is Start of the program's definition.
func (p *Program) Start() Result { return p.start(false) }

// StartTraced is StartTraced of the program's definition.
func (p *Program) StartTraced() Result { return p.start(true) }

// Continue is Continue of the program's definition.
func (p *Program) Continue(st State, input string) Result {
	return p.cont(st, ReadInput(input), false)
}

// ContinueTraced is ContinueTraced of the program's definition.
func (p *Program) ContinueTraced(st State, input string) Result {
	return p.cont(st, ReadInput(input), true)
}

// ContinueInput is Continue with an input read beforehand.
func (p *Program) ContinueInput(st State, in Input) Result { return p.cont(st, in, false) }

// Resume hands a conversation back to the bot (SPEC §11): text (if any)
// is sent first, then dialog ("" for the entry) runs from its first
// element, with the conversation's attributes kept from st.
func (p *Program) Resume(st State, dialog, text string) Result {
	return p.resume(st, dialog, text, false)
}

// HasDialog reports whether the definition has a dialog with the id.
func (p *Program) HasDialog(id string) bool { return p.dialog(id) != nil }

// Definition is the program's definition; it must not be changed.
func (p *Program) Definition() *Definition { return p.def }

// keywordsAt returns the keyword index of the keywords element el at pos,
// building it on first use.
func (p *Program) keywordsAt(pos elementAt, el Element) *keywordIndex {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k := p.keywords[pos]; k != nil {
		return k
	}
	k := indexKeywords(el.Branches)
	if el.Fuzzy {
		k.fuzzy = indexFuzzy(k.words)
	}
	if p.keywords == nil {
		p.keywords = map[elementAt]*keywordIndex{}
	}
	p.keywords[pos] = k
	return k
}

// keywordIndex finds which branch of a keywords element an input takes:
// the first branch, in order, with a keyword that appears in the input as
// a whole sequence of words (both normalised), and that branch's first
// such keyword.
//
// It is an Aho–Corasick automaton over words: the keywords' words are
// numbered, the keywords make a trie of word numbers, and each node knows
// the longest proper suffix of its words that is also a node (fail) and
// the first keyword, in the element's order, among those ending there
// (best). Reading an input then costs one look-up per word and per fail
// link taken, fewer than twice its words, however many keywords share
// words: the 900 keywords "a", "a a", … once made the input "a a … c" of
// 4,096 characters take 78 ms inside the writer.
type keywordIndex struct {
	words   map[string]int32 // a keyword word → its number
	next    map[edge]int32   // the trie: a node and a word → the node after it
	fail    []int32          // node → the node of its longest proper suffix; 0 is the root
	best    []int32          // node → the first match ending there, an index of matches; -1: none
	matches []keywordMatch
	fuzzy   *fuzzyIndex // nil: the element matches exactly only
}

// edge is a node of the trie and the number of a word after it.
type edge struct{ node, word int32 }

type keywordMatch struct {
	branch, keyword int    // positions in the element
	text            string // the keyword as written
	words           int    // how many words it has, normalised
	// fuzzy are the words of the input matched one edit away, when the
	// match needed them (see fuzzyIndex).
	fuzzy []correction
}

// before orders matches as the branches and their keywords are written.
func (m keywordMatch) before(o keywordMatch) bool {
	return m.branch < o.branch || m.branch == o.branch && m.keyword < o.keyword
}

func indexKeywords(branches []Branch) *keywordIndex {
	k := &keywordIndex{words: map[string]int32{}, next: map[edge]int32{}, fail: []int32{0}, best: []int32{-1}}
	var kids [][]edge // node → its children, as (child, word), for the breadth-first pass
	kids = append(kids, nil)
	for bi, b := range branches {
		for ki, kw := range b.Keywords {
			n := normalise(kw)
			if n == "" {
				continue // matches nothing
			}
			node := int32(0)
			for w := range strings.SplitSeq(n, " ") {
				id, ok := k.words[w]
				if !ok {
					id = int32(len(k.words))
					k.words[w] = id
				}
				child, ok := k.next[edge{node, id}]
				if !ok {
					child = int32(len(k.fail))
					k.next[edge{node, id}] = child
					k.fail, k.best = append(k.fail, 0), append(k.best, -1)
					kids = append(kids, nil)
					kids[node] = append(kids[node], edge{child, id})
				}
				node = child
			}
			if k.best[node] < 0 { // else an earlier branch or keyword has it
				k.best[node] = int32(len(k.matches))
				k.matches = append(k.matches, keywordMatch{branch: bi, keyword: ki, text: kw, words: strings.Count(n, " ") + 1})
			}
		}
	}
	// Breadth first, so that a node's fail link, shallower, is done.
	queue := make([]int32, 0, len(k.fail))
	for _, c := range kids[0] {
		queue = append(queue, c.node) // depth 1: fail is the root
	}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		if f := k.best[k.fail[u]]; f >= 0 && (k.best[u] < 0 || k.matches[f].before(k.matches[k.best[u]])) {
			k.best[u] = f
		}
		for _, c := range kids[u] {
			k.fail[c.node] = k.step(k.fail[u], c.word)
			queue = append(queue, c.node)
		}
	}
	return k
}

// step is the node after node and word w: the longest suffix of the
// node's words followed by w that is a node, the root if none is.
func (k *keywordIndex) step(node, w int32) int32 {
	for {
		if n, ok := k.next[edge{node, w}]; ok {
			return n
		}
		if node == 0 {
			return 0
		}
		node = k.fail[node]
	}
}

// find returns the match for an input's normalised words, if any. An
// exact match always wins: only when there is none, and the element is
// fuzzy, are words one edit away from a keyword word taken for it.
func (k *keywordIndex) find(in string) (keywordMatch, bool) {
	m, ok, _ := k.findCounting(in)
	if ok || k.fuzzy == nil || in == "" || len(k.matches) == 0 {
		return m, ok
	}
	return k.findFuzzy(in)
}

// findCounting is find without its fuzzy pass, that also counts its
// look-ups, for the test that they are in proportion to the input.
func (k *keywordIndex) findCounting(in string) (best keywordMatch, found bool, lookups int) {
	if in == "" || len(k.matches) == 0 {
		return keywordMatch{}, false, 0
	}
	// Words: normalise leaves them separated by one space.
	best, found, _, lookups = k.scan(strings.SplitSeq(in, " "))
	return best, found, lookups
}

// scan runs the automaton over words and returns the best match, the
// position of its last word, and the look-ups it took.
func (k *keywordIndex) scan(words iter.Seq[string]) (best keywordMatch, found bool, end, lookups int) {
	node := int32(0)
	pos := -1
	for w := range words {
		pos++
		lookups++
		id, ok := k.words[w]
		if !ok {
			node = 0 // no keyword has this word
			continue
		}
		for {
			lookups++
			if n, ok := k.next[edge{node, id}]; ok {
				node = n
				break
			}
			if node == 0 {
				break
			}
			node = k.fail[node]
		}
		if b := k.best[node]; b >= 0 && (!found || k.matches[b].before(best)) {
			best, found, end = k.matches[b], true, pos
		}
	}
	return best, found, end, lookups
}
