package views

import (
	"fmt"
	"sort"
	"strings"

	"github.com/answers-console/answers/internal/chatbot"
)

// DialogMap is the map of a definition's dialogs: a box per dialog, an
// arrow per "leads to" (a go to, a condition or a keyword branch), laid out
// in layers from the entry so that a conversation reads top to bottom.
// The layout is computed here, drawn as SVG by the DialogMapSVG component.
type DialogMap struct {
	Nodes  []MapNode
	Edges  []MapEdge
	Width  int
	Height int
}

// MapNode is a dialog's box.
type MapNode struct {
	ID, Name string
	Entry    bool
	Fallback bool
	// Unreached: nothing leads here from the entry or the fallback.
	Unreached bool
	Layer     int
	X, Y      int      // top left
	Out       []string // names of the dialogs it leads to, for its title
}

// MapEdge is an arrow from one box to another; Path is its SVG path.
type MapEdge struct {
	From, To string
	Kind     string // "go to", "condition", "keywords" (joined when several)
	Path     string
	Back     bool // to a dialog in the same or an earlier layer
}

// Map geometry, in viewBox units.
const (
	mapNodeW   = 176
	mapNodeH   = 44
	mapGapX    = 36
	mapGapY    = 52
	mapPad     = 16
	mapPerRow  = 3 // wider layers wrap, so the map stays readable
	mapNameMax = 22
)

// dialogLinks returns, per dialog index, the dialogs it leads to with how,
// in element order, each target once.
func dialogLinks(def *chatbot.Definition, ids map[string]int) [][]MapEdge {
	out := make([][]MapEdge, len(def.Dialogs))
	for di, d := range def.Dialogs {
		if ids[d.ID] != di {
			continue // a duplicate id: validation reports it
		}
		seen := map[string]int{}
		add := func(to, kind string) {
			if _, ok := ids[to]; !ok {
				return // a jump to nowhere: validation reports it
			}
			if i, ok := seen[to]; ok {
				if !strings.Contains(out[di][i].Kind, kind) {
					out[di][i].Kind += ", " + kind
				}
				return
			}
			seen[to] = len(out[di])
			out[di] = append(out[di], MapEdge{From: d.ID, To: to, Kind: kind})
		}
		for _, el := range d.Elements {
			switch el.Type {
			case chatbot.ElementGoto:
				add(el.Dialog, "go to")
			case chatbot.ElementCondition:
				add(el.Dialog, "condition")
			case chatbot.ElementKeywords:
				for _, b := range el.Branches {
					add(b.Dialog, "keywords")
				}
			case chatbot.ElementButtons:
				for _, o := range el.Options {
					add(o.Dialog, "buttons")
				}
			}
		}
	}
	return out
}

// NewDialogMap lays out def's dialogs. Layers are the breadth-first
// distance from the entry (then from the fallback, then from each dialog
// nothing reached, in definition order); within a layer, dialogs sit under
// the average place of those that lead to them, so arrows cross less.
func NewDialogMap(def *chatbot.Definition) DialogMap {
	var m DialogMap
	if def == nil || len(def.Dialogs) == 0 {
		return m
	}
	ids := map[string]int{}
	for i, d := range def.Dialogs {
		if _, ok := ids[d.ID]; !ok {
			ids[d.ID] = i
		}
	}
	links := dialogLinks(def, ids)
	n := len(def.Dialogs)
	layer := make([]int, n)
	for i := range layer {
		layer[i] = -1
	}
	reached := make([]bool, n)
	bfs := func(root, base int) {
		if layer[root] >= 0 {
			return
		}
		layer[root] = base
		queue := []int{root}
		for len(queue) > 0 {
			u := queue[0]
			queue = queue[1:]
			for _, e := range links[u] {
				v := ids[e.To]
				if layer[v] < 0 {
					layer[v] = layer[u] + 1
					queue = append(queue, v)
				}
			}
		}
	}
	roots := []int{}
	if i, ok := ids[def.Entry]; ok {
		roots = append(roots, i)
	}
	if i, ok := ids[def.Fallback]; ok {
		roots = append(roots, i)
	}
	for _, r := range roots {
		bfs(r, 0)
	}
	for i := range layer {
		reached[i] = layer[i] >= 0
	}
	// What nothing reaches goes below everything else.
	deepest := 0
	for _, l := range layer {
		deepest = max(deepest, l)
	}
	for i := range def.Dialogs {
		if ids[def.Dialogs[i].ID] == i && layer[i] < 0 {
			bfs(i, deepest+1)
		}
	}
	// Group by layer, in definition order, then order by barycentre.
	byLayer := map[int][]int{}
	maxLayer := 0
	for i, l := range layer {
		if l < 0 {
			continue // a duplicate id
		}
		byLayer[l] = append(byLayer[l], i)
		maxLayer = max(maxLayer, l)
	}
	pos := make([]float64, n) // horizontal place, for the barycentre
	preds := make([][]int, n)
	for u, es := range links {
		for _, e := range es {
			preds[ids[e.To]] = append(preds[ids[e.To]], u)
		}
	}
	row := 0
	place := map[int][2]int{} // dialog → (row, column)
	for l := 0; l <= maxLayer; l++ {
		list := byLayer[l]
		if len(list) == 0 {
			continue
		}
		key := make(map[int]float64, len(list))
		for k, i := range list {
			sum, cnt := 0.0, 0
			for _, p := range preds[i] {
				if layer[p] >= 0 && layer[p] < l {
					sum += pos[p]
					cnt++
				}
			}
			if cnt > 0 {
				key[i] = sum / float64(cnt)
			} else {
				key[i] = float64(k) // keep definition order
			}
		}
		sort.SliceStable(list, func(a, b int) bool { return key[list[a]] < key[list[b]] })
		for k, i := range list {
			place[i] = [2]int{row + k/mapPerRow, k % mapPerRow}
			pos[i] = float64(k % mapPerRow)
		}
		row += (len(list) + mapPerRow - 1) / mapPerRow
	}
	cols := 1
	for _, p := range place {
		cols = max(cols, p[1]+1)
	}
	m.Width = 2*mapPad + cols*mapNodeW + (cols-1)*mapGapX
	m.Height = 2*mapPad + row*mapNodeH + (row-1)*mapGapY
	index := map[string]int{}
	for i, d := range def.Dialogs {
		p, ok := place[i]
		if !ok {
			continue
		}
		node := MapNode{
			ID: d.ID, Name: d.Name, Entry: d.ID == def.Entry, Fallback: d.ID == def.Fallback,
			Unreached: !reached[i], Layer: p[0],
			X: mapPad + p[1]*(mapNodeW+mapGapX), Y: mapPad + p[0]*(mapNodeH+mapGapY),
		}
		for _, e := range links[i] {
			node.Out = append(node.Out, def.Dialogs[ids[e.To]].Name)
		}
		index[d.ID] = len(m.Nodes)
		m.Nodes = append(m.Nodes, node)
	}
	for _, es := range links {
		for _, e := range es {
			a, b := m.Nodes[index[e.From]], m.Nodes[index[e.To]]
			e.Back = b.Layer <= a.Layer
			e.Path = edgePath(a, b)
			m.Edges = append(m.Edges, e)
		}
	}
	return m
}

// edgePath draws an arrow: down from the bottom of a to the top of b, or,
// for a dialog on the same row or above, round the right-hand sides.
func edgePath(a, b MapNode) string {
	if a.ID == b.ID {
		x, y := a.X+mapNodeW, a.Y+mapNodeH/2
		return fmt.Sprintf("M%d %d C%d %d %d %d %d %d", x, y-8, x+30, y-24, x+30, y+24, x+2, y+8)
	}
	if b.Y > a.Y {
		x1, y1 := a.X+mapNodeW/2, a.Y+mapNodeH
		x2, y2 := b.X+mapNodeW/2, b.Y-2
		mid := (y1 + y2) / 2
		return fmt.Sprintf("M%d %d C%d %d %d %d %d %d", x1, y1, x1, mid, x2, mid, x2, y2)
	}
	if b.Y == a.Y {
		// Same row: an arc above the boxes.
		x1, x2 := a.X+mapNodeW/2, b.X+mapNodeW/2
		y := a.Y
		return fmt.Sprintf("M%d %d C%d %d %d %d %d %d", x1, y, x1, y-mapGapY/2, x2, y-mapGapY/2, x2, y-2)
	}
	// Back up: leave by the right side, come into the right side.
	x1, y1 := a.X+mapNodeW, a.Y+mapNodeH/2
	x2, y2 := b.X+mapNodeW+2, b.Y+mapNodeH/2
	bulge := max(x1, x2) + mapGapX/2 + 6
	return fmt.Sprintf("M%d %d C%d %d %d %d %d %d", x1, y1, bulge, y1, bulge, y2, x2, y2)
}

// Description is the map in words, for its <desc>: what a person who
// cannot see it needs to follow the conversation.
func (m DialogMap) Description() string {
	if len(m.Nodes) == 0 {
		return "No dialogs yet."
	}
	names := map[string]string{}
	for _, n := range m.Nodes {
		names[n.ID] = n.Name
	}
	var b strings.Builder
	for i, n := range m.Nodes {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(n.Name)
		switch {
		case n.Entry && n.Fallback:
			b.WriteString(" (entry and fallback)")
		case n.Entry:
			b.WriteString(" (entry)")
		case n.Fallback:
			b.WriteString(" (fallback)")
		case n.Unreached:
			b.WriteString(" (nothing leads here)")
		}
		var outs []string
		for _, e := range m.Edges {
			if e.From == n.ID {
				outs = append(outs, names[e.To]+" ("+e.Kind+")")
			}
		}
		if len(outs) == 0 {
			b.WriteString(" leads to no other dialog.")
		} else {
			b.WriteString(" leads to " + strings.Join(outs, ", ") + ".")
		}
	}
	return b.String()
}

// short cuts a dialog name to fit its box.
func short(s string) string {
	r := []rune(s)
	if len(r) <= mapNameMax {
		return s
	}
	return string(r[:mapNameMax-1]) + "…"
}

func (n MapNode) title() string {
	t := n.Name
	if n.Entry {
		t += " — entry"
	}
	if n.Fallback {
		t += " — fallback"
	}
	if n.Unreached && !n.Entry && !n.Fallback {
		// As the box's tag says (tag): the name a link is read by holds
		// the text it shows.
		t += " — not reached"
	}
	if len(n.Out) > 0 {
		t += " — leads to " + strings.Join(n.Out, ", ")
	}
	return t
}

func (n MapNode) tag() string {
	switch {
	case n.Entry && n.Fallback:
		return "entry · fallback"
	case n.Entry:
		return "entry"
	case n.Fallback:
		return "fallback"
	case n.Unreached:
		return "not reached"
	}
	return ""
}
