package chatbot

import (
	"slices"
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

// keywordsAt returns the keyword index of the keywords element el at pos,
// building it on first use.
func (p *Program) keywordsAt(pos elementAt, el Element) *keywordIndex {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k := p.keywords[pos]; k != nil {
		return k
	}
	k := indexKeywords(el.Branches)
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
type keywordIndex struct {
	// match maps a normalised keyword to the first branch and keyword
	// that have it.
	match map[string]keywordMatch
	// lengths maps a first word to the word counts, ascending, of the
	// keywords that start with it: at each word of an input only those
	// lengths are looked up.
	lengths map[string][]int
}

type keywordMatch struct {
	branch, keyword int    // positions in the element
	text            string // the keyword as written
}

// before orders matches as the branches and their keywords are written.
func (m keywordMatch) before(o keywordMatch) bool {
	return m.branch < o.branch || m.branch == o.branch && m.keyword < o.keyword
}

func indexKeywords(branches []Branch) *keywordIndex {
	k := &keywordIndex{match: map[string]keywordMatch{}, lengths: map[string][]int{}}
	for bi, b := range branches {
		for ki, kw := range b.Keywords {
			n := normalise(kw)
			if n == "" {
				continue // matches nothing
			}
			if _, seen := k.match[n]; seen {
				continue // an earlier branch or keyword has it
			}
			k.match[n] = keywordMatch{branch: bi, keyword: ki, text: kw}
			first, _, _ := strings.Cut(n, " ")
			words := strings.Count(n, " ") + 1
			if ls := k.lengths[first]; !slices.Contains(ls, words) {
				ls = append(ls, words)
				slices.Sort(ls)
				k.lengths[first] = ls
			}
		}
	}
	return k
}

// find returns the match for an input's normalised words, if any.
func (k *keywordIndex) find(in string) (keywordMatch, bool) {
	if in == "" || len(k.match) == 0 {
		return keywordMatch{}, false
	}
	// Word boundaries: normalise leaves words separated by one space.
	var starts, ends []int
	for i := 0; i < len(in); {
		j := strings.IndexByte(in[i:], ' ')
		if j < 0 {
			j = len(in) - i
		}
		starts, ends = append(starts, i), append(ends, i+j)
		i += j + 1
	}
	var best keywordMatch
	found := false
	for i := range starts {
		for _, n := range k.lengths[in[starts[i]:ends[i]]] {
			if i+n > len(starts) {
				break
			}
			if m, ok := k.match[in[starts[i]:ends[i+n-1]]]; ok && (!found || m.before(best)) {
				best, found = m, true
			}
		}
	}
	return best, found
}
