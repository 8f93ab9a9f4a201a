package reliability

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// phase is a chatbot's status from a moment on, as its audit entries tell.
type phase struct {
	from     time.Time
	status   string
	since    time.Time // deactivated: when this grace period began
	graceEnd time.Time // deactivated: when it ends, to the second (as audited)
}

var inactive = phase{status: "inactive"}

// detail reads a string at a path of nested objects in an entry's details.
func detail(d map[string]any, path ...string) string {
	var v any = d
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

// history replays each chatbot's lifecycle entries in order. It returns
// the phases of each chatbot and what does not add up: an entry that
// starts from another status than the log had reached (a transition lost
// or half-applied), or a chatbot whose row disagrees with its log.
func (s *state) history() (map[int64][]phase, []string) {
	h := map[int64][]phase{}
	var bad []string
	activations := map[int64]int{}
	for _, e := range s.moves {
		cur := inactive
		if ps := h[e.target]; len(ps) > 0 {
			cur = ps[len(ps)-1]
		}
		if b := detail(e.details, "before", "status"); b != "" && b != cur.status {
			bad = append(bad, fmt.Sprintf("audit entry %d (%s of chatbot %d) starts from %s, but its log had reached %s", e.id, e.action, e.target, b, cur.status))
		}
		next := phase{from: e.at}
		switch e.action {
		case "chatbot.activated", "chatbot.rolled_back":
			next.status = "active"
			if e.action == "chatbot.activated" {
				activations[e.target]++
			}
		case "chatbot.grace_ended":
			next.status = "inactive"
		case "chatbot.deactivated":
			next.status = detail(e.details, "after", "status")
			next.graceEnd, _ = time.Parse(time.RFC3339, detail(e.details, "grace_ends_at"))
		case "chatbot.grace_extended":
			next.status = cur.status
			next.graceEnd, _ = time.Parse(time.RFC3339, detail(e.details, "after", "grace_ends_at"))
			if cur.status != "deactivated" {
				bad = append(bad, fmt.Sprintf("audit entry %d extends the grace of chatbot %d, which its log has %s", e.id, e.target, cur.status))
			}
		}
		if next.status == "deactivated" {
			next.since = e.at
			if cur.status == "deactivated" {
				next.since = cur.since
			}
			if next.graceEnd.IsZero() {
				bad = append(bad, fmt.Sprintf("audit entry %d deactivates chatbot %d without a grace end", e.id, e.target))
			}
		}
		h[e.target] = append(h[e.target], next)
	}
	for id, b := range s.chatbots {
		last := inactive
		if ps := h[id]; len(ps) > 0 {
			last = ps[len(ps)-1]
		}
		if b.status != last.status {
			bad = append(bad, fmt.Sprintf("chatbot %d is %s, but its audit log ends with it %s", id, b.status, last.status))
		} else if b.status == "deactivated" && !b.graceEnds.Truncate(time.Second).Equal(last.graceEnd) {
			bad = append(bad, fmt.Sprintf("chatbot %d's grace ends at %s, but its audit log says %s", id, b.graceEnds, last.graceEnd))
		}
		if s.releases[id] != activations[id] {
			bad = append(bad, fmt.Sprintf("chatbot %d has %d releases and %d activations in its audit log", id, s.releases[id], activations[id]))
		}
		if b.firstActivated != (activations[id] > 0) {
			bad = append(bad, fmt.Sprintf("chatbot %d: first activation time set = %v, activations in its log = %d", id, b.firstActivated, activations[id]))
		}
	}
	return h, bad
}

// phasesAt returns the phase in force at t. When a phase began exactly at
// t, the one before is returned too: the order of two transactions in the
// same microsecond is not known.
func phasesAt(ps []phase, t time.Time) []phase {
	i := sort.Search(len(ps), func(i int) bool { return ps[i].from.After(t) }) - 1
	switch {
	case i < 0:
		return []phase{inactive}
	case !ps[i].from.Equal(t):
		return ps[i : i+1]
	case i == 0:
		return []phase{ps[0], inactive}
	}
	return ps[i-1 : i+1]
}

// routing checks I6 against the history: a session opens only on an
// active chatbot; a message reaches a chatbot only while it is active, or
// while it is deactivated and in grace for a session opened before.
func (s *state) routing(h map[int64][]phase) []string {
	var bad []string
	for _, sess := range s.sessions {
		if !slices.ContainsFunc(phasesAt(h[sess.chatbot], sess.opened), func(p phase) bool { return p.status == "active" }) {
			bad = append(bad, fmt.Sprintf("session %d opened at %s on chatbot %d, which was not active", sess.id, sess.opened, sess.chatbot))
		}
		for _, m := range s.msgs[sess.id] {
			ok := func(p phase) bool {
				return p.status == "active" || p.status == "deactivated" && sess.opened.Before(p.since) && m.at.Before(p.graceEnd.Add(time.Second))
			}
			if m.in && !slices.ContainsFunc(phasesAt(h[m.chatbot], m.at), ok) {
				bad = append(bad, fmt.Sprintf("message %d (session %d, opened %s) reached chatbot %d at %s, when it could not serve it", m.id, sess.id, sess.opened, m.chatbot, m.at))
			}
		}
	}
	return bad
}
