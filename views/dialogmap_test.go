package views

import (
	"fmt"
	"strings"
	"testing"

	"github.com/answers-console/answers/internal/chatbot"
)

func dl(id string, els ...chatbot.Element) chatbot.Dialog {
	return chatbot.Dialog{ID: id, Name: strings.ToUpper(id[:1]) + id[1:], Elements: els}
}

func gotoEl(to string) chatbot.Element { return chatbot.Element{Type: chatbot.ElementGoto, Dialog: to} }

func kw(to ...string) chatbot.Element {
	el := chatbot.Element{Type: chatbot.ElementKeywords}
	for _, t := range to {
		el.Branches = append(el.Branches, chatbot.Branch{Keywords: []string{t}, Dialog: t})
	}
	return el
}

func TestDialogMapLayout(t *testing.T) {
	cases := []struct {
		name   string
		def    chatbot.Definition
		layers map[string]int // dialog → row
		edges  []string       // "from>to kind back"
		desc   []string       // phrases the description has
	}{
		{
			name: "entry on top, branches below, a way back",
			def: chatbot.Definition{Entry: "start", Fallback: "help", Dialogs: []chatbot.Dialog{
				dl("start", kw("hours", "prices")),
				dl("hours", gotoEl("start")),
				dl("prices", chatbot.Element{Type: chatbot.ElementCondition, Attribute: "a", Operator: "empty", Dialog: "help"}, gotoEl("help")),
				dl("help"),
			}},
			layers: map[string]int{"start": 0, "hours": 1, "prices": 1, "help": 2},
			edges:  []string{"start>hours keywords false", "start>prices keywords false", "hours>start go to true", "prices>help condition, go to false"},
			desc:   []string{"Start (entry) leads to Hours (keywords), Prices (keywords).", "Help (fallback) leads to no other dialog."},
		},
		{
			name: "unreached dialogs go below, jumps to nowhere and duplicate ids are left out",
			def: chatbot.Definition{Entry: "start", Dialogs: []chatbot.Dialog{
				dl("start", gotoEl("missing")),
				dl("orphan", gotoEl("start")),
				dl("start", gotoEl("orphan")),
			}},
			layers: map[string]int{"start": 0, "orphan": 1},
			edges:  []string{"orphan>start go to true"},
			desc:   []string{"Orphan (nothing leads here) leads to Start (go to)."},
		},
		{
			name: "buttons lead to their options' dialogs",
			def: chatbot.Definition{Entry: "start", Dialogs: []chatbot.Dialog{
				dl("start", chatbot.Element{Type: chatbot.ElementButtons, Text: "Pick", Options: []chatbot.Option{{Label: "Hours", Dialog: "hours"}, {Label: "Again", Dialog: "start"}}}),
				dl("hours"),
			}},
			layers: map[string]int{"start": 0, "hours": 1},
			edges:  []string{"start>hours buttons false", "start>start buttons true"},
			desc:   []string{"Start (entry) leads to Hours (buttons)"},
		},
		{
			name: "a wide layer wraps",
			def: chatbot.Definition{Entry: "start", Dialogs: []chatbot.Dialog{
				dl("start", kw("a", "b", "c", "d")), dl("a"), dl("b"), dl("c"), dl("d"),
			}},
			layers: map[string]int{"start": 0, "a": 1, "b": 1, "c": 1, "d": 2},
		},
		{
			name: "a dialog leading to itself",
			def: chatbot.Definition{Entry: "start", Dialogs: []chatbot.Dialog{
				dl("start", kw("start")),
			}},
			layers: map[string]int{"start": 0},
			edges:  []string{"start>start keywords true"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := NewDialogMap(&tc.def)
			got := map[string]int{}
			for _, n := range m.Nodes {
				got[n.ID] = n.Layer
				if n.X < 0 || n.Y < 0 || n.X+mapNodeW > m.Width || n.Y+mapNodeH > m.Height {
					t.Errorf("%s at (%d,%d) is outside %dx%d", n.ID, n.X, n.Y, m.Width, m.Height)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.layers) {
				t.Errorf("rows %v, want %v", got, tc.layers)
			}
			// No two boxes overlap.
			for i, a := range m.Nodes {
				for _, b := range m.Nodes[i+1:] {
					if a.X == b.X && a.Y == b.Y {
						t.Errorf("%s and %s share a place", a.ID, b.ID)
					}
				}
			}
			if tc.edges != nil {
				var edges []string
				for _, e := range m.Edges {
					edges = append(edges, fmt.Sprintf("%s>%s %s %v", e.From, e.To, e.Kind, e.Back))
					if !strings.HasPrefix(e.Path, "M") {
						t.Errorf("edge %s>%s has no path", e.From, e.To)
					}
				}
				if fmt.Sprint(edges) != fmt.Sprint(tc.edges) {
					t.Errorf("edges\n%v\nwant\n%v", edges, tc.edges)
				}
			}
			desc := m.Description()
			for _, d := range tc.desc {
				if !strings.Contains(desc, d) {
					t.Errorf("description %q lacks %q", desc, d)
				}
			}
		})
	}
	if m := NewDialogMap(&chatbot.Definition{}); len(m.Nodes) != 0 || m.Description() != "No dialogs yet." {
		t.Errorf("empty map %+v %q", m, m.Description())
	}
}

// TestMapBoxNamesHoldTheirText: a box's link is read by a name that holds
// the words it shows (its name and its tag), as WCAG 2.5.3 asks (axe
// label-content-name-mismatch failed on "not reached").
func TestMapBoxNamesHoldTheirText(t *testing.T) {
	m := NewDialogMap(&chatbot.Definition{Entry: "start", Fallback: "help", Dialogs: []chatbot.Dialog{
		dl("start", kw("hours")), dl("hours"), dl("help"), dl("lonely"),
	}})
	seen := map[string]bool{}
	for _, n := range m.Nodes {
		title := n.title()
		if tag := n.tag(); tag != "" {
			seen[tag] = true
			for _, word := range strings.Fields(strings.ReplaceAll(tag, "·", " ")) {
				if !strings.Contains(title, word) {
					t.Errorf("box %s shows %q, its name %q lacks %q", n.ID, tag, title, word)
				}
			}
		}
		if !strings.HasPrefix(title, n.Name) {
			t.Errorf("box %s: name %q does not start with %q", n.ID, title, n.Name)
		}
	}
	if !seen["not reached"] || !seen["entry"] || !seen["fallback"] {
		t.Errorf("the case lacks a tag: %v", seen)
	}
}
