package reliability

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// ledger is what the clients asked for and what they were told; after a
// crash or a soak it is checked against the database.
type ledger struct {
	manager  string // the email the managers' token acts as
	designer string // and the designers'
	// dying is set just before the server is killed: from then on a
	// request may fail without an answer.
	dying atomic.Bool
	// exact: every request got its answer (no kill), so the audit log
	// must hold exactly the transitions acknowledged.
	exact bool

	mu       sync.Mutex
	sent     int
	acked    []ack
	moves    map[move]*tally
	edits    []edit
	outcomes map[string]int // "op status code" → count
	bad      []string       // answers no client may get
}

type ack struct {
	text             string
	session, chatbot int64
	replies          []string
}

// move is a lifecycle transition asked of one chatbot, by its audit action.
type move struct {
	chatbot int64
	action  string
}

type tally struct{ attempted, acked int }

// edit is a save the API accepted: from version base to version.
type edit struct{ chatbot, base, version, timeout int64 }

// actions maps each lifecycle operation of the API to its audit action.
var actions = map[string]string{
	"activate": "chatbot.activated", "deactivate": "chatbot.deactivated", "end-grace": "chatbot.grace_ended",
	"extend-grace": "chatbot.grace_extended", "rollback": "chatbot.rolled_back",
}

func newLedger(manager, designer string) *ledger {
	return &ledger{manager: manager, designer: designer, moves: map[move]*tally{}, outcomes: map[string]int{}}
}

// record counts an outcome and reports whether it is an answer. A 5xx, a
// status not in ok, or (before the kill) a failed request is a failure.
func (l *ledger) record(op string, a answer, err error, ok ...int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.outcomes[op+" no answer"]++
		if !l.dying.Load() {
			l.bad = append(l.bad, fmt.Sprintf("%s: no answer while the server was up: %v", op, err))
		}
		return false
	}
	l.outcomes[strings.TrimSpace(fmt.Sprintf("%s %d %s", op, a.status, a.code))]++
	if a.status >= 500 || !slices.Contains(ok, a.status) {
		l.bad = append(l.bad, fmt.Sprintf("%s: %d %s", op, a.status, a.body))
	}
	return true
}

// message records an inbound message; text must be unique. A sender's
// rate limit (429) is a refusal like no active chatbot (409).
func (l *ledger) message(text string, a answer, err error) {
	if !l.record("message", a, err, 200, 409, 429) || a.status != 200 {
		l.mu.Lock()
		l.sent++
		l.mu.Unlock()
		return
	}
	var out struct {
		SessionID int64    `json:"session_id"`
		ChatbotID int64    `json:"chatbot_id"`
		Replies   []string `json:"replies"`
	}
	err = json.Unmarshal(a.body, &out)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent++
	if err != nil {
		l.bad = append(l.bad, fmt.Sprintf("message: unreadable 200 answer %s", a.body))
		return
	}
	l.acked = append(l.acked, ack{text: text, session: out.SessionID, chatbot: out.ChatbotID, replies: out.Replies})
}

// transition records a lifecycle operation on a chatbot.
func (l *ledger) transition(id int64, op string, a answer, err error) {
	answered := l.record(op, a, err, 200, 409)
	l.mu.Lock()
	defer l.mu.Unlock()
	m := move{id, actions[op]}
	if l.moves[m] == nil {
		l.moves[m] = &tally{}
	}
	l.moves[m].attempted++
	if answered && a.status == 200 {
		l.moves[m].acked++
	}
}

// staleRefused is the outcome of a save from an old version that the API
// refused, as the soak's designers count it.
const staleRefused = "stale edit 409 stale_version"

// figures are what a check found, for the report.
type figures struct {
	sent, acked, found, stored      int
	attempted, ackedMoves, applied  int
	edits, staleRefused, operations int
}

func (f figures) String() string {
	return fmt.Sprintf("messages: %d sent, %d acknowledged, %d of those found, %d inbound stored; transitions: %d attempted, %d acknowledged, %d applied; %d saves accepted, %d stale saves refused; %d operations",
		f.sent, f.acked, f.found, f.stored, f.attempted, f.ackedMoves, f.applied, f.edits, f.staleRefused, f.operations)
}

// check compares the ledger with the database and returns what is wrong.
func (l *ledger) check(s *state) (figures, []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := figures{sent: l.sent, acked: len(l.acked), stored: s.inbound, edits: len(l.edits), staleRefused: l.outcomes[staleRefused]}
	for _, n := range l.outcomes {
		f.operations += n
	}
	bad := slices.Clone(l.bad)
	for _, a := range l.acked {
		if problem := s.transcribed(a); problem != "" {
			bad = append(bad, problem)
		} else {
			f.found++
		}
	}
	applied := map[move]int{}
	for _, e := range s.moves {
		if e.actor == l.manager && primary(e) {
			applied[move{e.target, e.action}]++
		}
	}
	for m, t := range l.moves {
		f.attempted, f.ackedMoves, f.applied = f.attempted+t.attempted, f.ackedMoves+t.acked, f.applied+applied[m]
		if n := applied[m]; n < t.acked || n > t.attempted || l.exact && n != t.acked {
			bad = append(bad, fmt.Sprintf("%s of chatbot %d: %d attempted, %d acknowledged, but %d in the audit log", m.action, m.chatbot, t.attempted, t.acked, n))
		}
	}
	for m, n := range applied {
		if l.moves[m] == nil {
			bad = append(bad, fmt.Sprintf("%s of chatbot %d: %d in the audit log, never asked for", m.action, m.chatbot, n))
		}
	}
	return f, append(bad, l.checkEdits(s)...)
}

// transcribed says what is wrong with an acknowledged message in the
// transcript: it must be there, on its session and chatbot, followed by
// the replies the API returned.
func (s *state) transcribed(a ack) string {
	msgs := s.msgs[a.session]
	i := slices.IndexFunc(msgs, func(m msgRow) bool { return m.in && m.text == a.text })
	if i < 0 {
		return fmt.Sprintf("acknowledged message %q (session %d) is not in the transcript", a.text, a.session)
	}
	if msgs[i].chatbot != a.chatbot {
		return fmt.Sprintf("acknowledged message %q is stored on chatbot %d, the API said %d", a.text, msgs[i].chatbot, a.chatbot)
	}
	for j, r := range a.replies {
		if k := i + 1 + j; k >= len(msgs) || msgs[k].in || msgs[k].text != r {
			return fmt.Sprintf("acknowledged message %q: reply %d (%q) is not in the transcript after it", a.text, j, r)
		}
	}
	return ""
}

// primary reports whether an entry records the transition a manager asked
// for, rather than one it caused on another chatbot of the sender (whose
// details name the cause).
func primary(e auditRow) bool {
	for _, cause := range []string{"replaced_by", "cascade_from", "rolled_back_to"} {
		if _, ok := e.details[cause]; ok {
			return false
		}
	}
	return true
}

// checkEdits proves there was no lost update: the saves the API accepted
// of one chatbot each start from the version the one before made, the
// chatbot holds what the last one saved, and each is audited.
func (l *ledger) checkEdits(s *state) []string {
	var bad []string
	by := map[int64][]edit{}
	for _, e := range l.edits {
		by[e.chatbot] = append(by[e.chatbot], e)
	}
	audited := map[int64]int{}
	for _, e := range s.edits {
		if e.actor == l.designer {
			audited[e.target]++
		}
	}
	for id, es := range by {
		sort.Slice(es, func(i, j int) bool { return es[i].version < es[j].version })
		for i, e := range es {
			if e.version != e.base+1 {
				bad = append(bad, fmt.Sprintf("chatbot %d: a save from version %d made version %d", id, e.base, e.version))
			}
			if i > 0 && e.base != es[i-1].version {
				bad = append(bad, fmt.Sprintf("chatbot %d: saves from versions %d and %d were both accepted after version %d", id, es[i-1].base, e.base, es[i-1].version))
			}
		}
		last := es[len(es)-1]
		if b := s.chatbots[id]; b.version != last.version || b.timeout != last.timeout {
			bad = append(bad, fmt.Sprintf("chatbot %d is at version %d with timeout %d; the last accepted save made version %d with timeout %d", id, b.version, b.timeout, last.version, last.timeout))
		}
	}
	for id, n := range audited {
		if n != len(by[id]) {
			bad = append(bad, fmt.Sprintf("chatbot %d: %d edits in the audit log, %d accepted saves", id, n, len(by[id])))
		}
	}
	return bad
}
