package chatbot

import (
	"fmt"
	"slices"
	"strings"
)

// The dialog graph: loops that never wait for input, and dialogs nothing
// leads to.

// jump is an edge of the dialog graph: dialog from leads to dialog to at
// element el of from.
type jump struct{ to, el int }

// jumps returns, for each dialog, the dialogs it can lead to: all of them,
// or only those it can reach before it waits for input.
func (v *validator) jumps(beforeWait bool) [][]jump {
	out := make([][]jump, len(v.def.Dialogs))
	for di, d := range v.def.Dialogs {
		add := func(id string, ei int) {
			if to, ok := v.ids[id]; ok {
				out[di] = append(out[di], jump{to: to, el: ei})
			}
		}
	elements:
		for ei, el := range d.Elements {
			switch el.Type {
			case ElementCondition:
				add(el.Dialog, ei)
			case ElementGoto:
				add(el.Dialog, ei)
				if beforeWait {
					break elements // what follows never runs
				}
			case ElementKeywords:
				if beforeWait {
					break elements
				}
				for _, b := range el.Branches {
					add(b.Dialog, ei)
				}
			case ElementButtons:
				if beforeWait {
					break elements
				}
				for _, o := range el.Options {
					add(o.Dialog, ei)
				}
			case ElementQuestion, ElementClose, ElementHandover:
				if beforeWait {
					break elements
				}
			}
		}
	}
	return out
}

// loops reports each cycle of dialogs that jump to each other without
// waiting for input: the engine would run it until the step limit.
func (v *validator) loops() {
	g := v.jumps(true)
	for _, scc := range components(g) {
		start := slices.Min(scc)
		path, els := cycle(g, start, scc)
		if path == nil {
			continue // a single dialog without a jump to itself
		}
		const end = "without waiting for an answer, so the conversation would loop until the step limit ends it."
		if len(path) == 2 {
			v.add(SeverityError, CodeJumpLoop, start, els[0], "the dialog leads back to itself "+end)
			continue
		}
		// A long cycle is named by its first dialogs and where it closes.
		var names []string
		for i, di := range path {
			if i == 6 && len(path) > 8 {
				names = append(names, fmt.Sprintf("… (%d more)", len(path)-8))
				names = append(names, v.label(path[len(path)-2]), v.label(start))
				break
			}
			names = append(names, v.label(di))
		}
		v.add(SeverityError, CodeJumpLoop, start, els[0], "the dialogs %s lead to one another "+end, strings.Join(names, " → "))
	}
}

// components returns the strongly connected components of g (Tarjan's
// algorithm, iterative so that long chains of dialogs cannot exhaust the
// stack).
func components(g [][]jump) [][]int {
	n := len(g)
	index, low := make([]int, n), make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	var out [][]int
	next := 0
	type frame struct{ node, edge int }
	for root := range n {
		if index[root] >= 0 {
			continue
		}
		calls := []frame{{root, 0}}
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(calls) > 0 {
			f := &calls[len(calls)-1]
			if f.edge < len(g[f.node]) {
				w := g[f.node][f.edge].to
				f.edge++
				switch {
				case index[w] < 0:
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					calls = append(calls, frame{w, 0})
				case onStack[w]:
					low[f.node] = min(low[f.node], index[w])
				}
				continue
			}
			u := f.node
			calls = calls[:len(calls)-1]
			if len(calls) > 0 {
				p := calls[len(calls)-1].node
				low[p] = min(low[p], low[u])
			}
			if low[u] == index[u] {
				var scc []int
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					scc = append(scc, w)
					if w == u {
						break
					}
				}
				out = append(out, scc)
			}
		}
	}
	return out
}

// cycle finds a shortest cycle through start inside the component scc:
// the dialogs in order, back to start, and the element of each jump. It
// returns nil when there is none.
func cycle(g [][]jump, start int, scc []int) (path, els []int) {
	in := map[int]bool{}
	for _, d := range scc {
		in[d] = true
	}
	type via struct{ from, el int }
	prev := map[int]via{}
	queue := []int{start}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, j := range g[u] {
			if !in[j.to] {
				continue
			}
			if j.to == start {
				// Walk back from u to start.
				path, els = []int{start}, []int{j.el}
				for x := u; x != start; x = prev[x].from {
					path = append(path, x)
					els = append(els, prev[x].el)
				}
				path = append(path, start)
				slices.Reverse(path)
				slices.Reverse(els)
				return path, els
			}
			if _, seen := prev[j.to]; !seen {
				prev[j.to] = via{u, j.el}
				queue = append(queue, j.to)
			}
		}
	}
	return nil, nil
}

// reachability warns about dialogs nothing leads to from the entry or the
// fallback.
func (v *validator) reachability() {
	entry, ok := v.ids[v.def.Entry]
	if !ok {
		return // no_entry says enough
	}
	g := v.jumps(false)
	seen := make([]bool, len(v.def.Dialogs))
	queue := []int{entry}
	seen[entry] = true
	if fb, ok := v.ids[v.def.Fallback]; ok && !seen[fb] {
		seen[fb] = true
		queue = append(queue, fb)
	}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, j := range g[u] {
			if !seen[j.to] {
				seen[j.to] = true
				queue = append(queue, j.to)
			}
		}
	}
	for di, d := range v.def.Dialogs {
		if first, ok := v.ids[d.ID]; ok && first == di && !seen[di] {
			v.add(SeverityWarning, CodeUnreachableDialog, di, -1,
				"no jump, branch or condition leads to this dialog from the entry, so it never runs.")
		}
	}
}
