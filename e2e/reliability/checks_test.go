package reliability

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/answers-console/answers/internal/store"
)

// The checks must be able to fail: each case below breaks one promise in
// a made-up database state and expects the checks to say so.
func TestChecksCatchBrokenPromises(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	entry := func(id int64, s int, action string, details map[string]any) auditRow {
		return auditRow{id: id, at: at(s), actor: "m@x", action: action, target: 1, details: details}
	}
	status := func(st string) map[string]any { return map[string]any{"status": st} }
	activated := entry(1, 10, "chatbot.activated", map[string]any{"before": status("inactive")})
	deactivated := entry(2, 20, "chatbot.deactivated", map[string]any{"before": status("active"), "after": status("deactivated"),
		"grace_ends_at": at(30).Format(time.RFC3339)})
	// good is a consistent state: chatbot 1 activated at 10 s, deactivated
	// at 20 s with a grace to 30 s; session 7 opened at 15 s.
	good := func() (*state, *ledger) {
		s := &state{
			chatbots: map[int64]botRow{1: {id: 1, status: "deactivated", graceEnds: at(30), firstActivated: true, version: 3, timeout: 60}},
			sessions: map[int64]sessionRow{7: {id: 7, chatbot: 1, opened: at(15)}},
			msgs: map[int64][]msgRow{7: {{id: 1, chatbot: 1, in: true, text: "hi", at: at(15)}, {id: 2, chatbot: 1, text: "hello", at: at(15)},
				{id: 3, chatbot: 1, in: true, text: "more", at: at(25)}}},
			moves:    []auditRow{activated, deactivated},
			releases: map[int64]int{1: 1},
			edits:    []auditRow{{id: 3, actor: "d@x", action: "chatbot.edited", target: 1}},
		}
		l := newLedger("m@x", "d@x")
		l.acked = []ack{{text: "hi", session: 7, chatbot: 1, replies: []string{"hello"}}}
		l.moves = map[move]*tally{{1, "chatbot.activated"}: {1, 1}, {1, "chatbot.deactivated"}: {1, 1}}
		l.edits = []edit{{chatbot: 1, base: 2, version: 3, timeout: 60}}
		return s, l
	}
	problems := func(s *state, l *ledger) string {
		h, bad := s.history()
		bad = append(bad, s.routing(h)...)
		_, told := l.check(s)
		return strings.Join(append(bad, told...), "\n")
	}
	if p := problems(good()); p != "" {
		t.Fatalf("a consistent state has problems:\n%s", p)
	}
	for _, tc := range []struct {
		name, want string
		breakIt    func(*state, *ledger)
	}{
		{"status without its transition", "audit log ends with it deactivated", func(s *state, _ *ledger) { s.chatbots[1] = botRow{id: 1, status: "active", firstActivated: true} }},
		{"a transition lost", "starts from active, but its log had reached inactive", func(s *state, l *ledger) { s.moves = s.moves[1:] }},
		{"a release missing", "0 releases and 1 activations", func(s *state, _ *ledger) { s.releases = nil }},
		{"grace end not as audited", "grace ends at", func(s *state, _ *ledger) { b := s.chatbots[1]; b.graceEnds = at(90); s.chatbots[1] = b }},
		{"a message after the grace", "could not serve it", func(s *state, _ *ledger) { s.msgs[7][2].at = at(40) }},
		{"a new session in grace", "which was not active", func(s *state, _ *ledger) {
			s.sessions[8] = sessionRow{id: 8, chatbot: 1, opened: at(22)}
		}},
		{"a session opened in grace messages", "could not serve it", func(s *state, _ *ledger) {
			x := s.sessions[7]
			x.opened = at(21)
			s.sessions[7] = x
		}},
		{"an acknowledged message lost", `"lost" (session 7) is not in the transcript`, func(_ *state, l *ledger) { l.acked = append(l.acked, ack{text: "lost", session: 7, chatbot: 1}) }},
		{"a reply lost", "reply 0", func(s *state, _ *ledger) { s.msgs[7] = append(s.msgs[7][:1], s.msgs[7][2:]...) }},
		{"an acknowledged transition not applied", "2 acknowledged, but 1 in the audit log", func(_ *state, l *ledger) { l.moves[move{1, "chatbot.activated"}] = &tally{2, 2} }},
		{"a transition nobody asked for", "never asked for", func(_ *state, l *ledger) { delete(l.moves, move{1, "chatbot.activated"}) }},
		{"two saves from one version", "were both accepted", func(s *state, l *ledger) {
			l.edits = append(l.edits, edit{chatbot: 1, base: 2, version: 3, timeout: 60})
			s.edits = append(s.edits, s.edits[0])
		}},
		{"a save overwritten", "the last accepted save made version", func(s *state, _ *ledger) { b := s.chatbots[1]; b.timeout = 99; s.chatbots[1] = b }},
	} {
		s, l := good()
		tc.breakIt(s, l)
		if p := problems(s, l); !strings.Contains(p, tc.want) {
			t.Errorf("%s: the checks found %q, want %q", tc.name, p, tc.want)
		}
	}
}

// The SQL invariant checks find a broken invariant.
func TestInvariantQueriesCatchTwoActiveChatbots(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "answers.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, q := range []string{
		`DROP INDEX chatbots_one_active`,
		`INSERT INTO senders (id, channel, address, inbound_key, created_at, updated_at) VALUES (1, 'sms', '1', 'k', '', '')`,
		`INSERT INTO chatbots (name, channel, sender_id, definition, status, created_at, updated_at) VALUES ('a', 'sms', 1, '{}', 'active', '', ''), ('b', 'sms', 1, '{}', 'active', '', '')`,
	} {
		if _, err := st.W.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	s, err := readState(ctx, st.R)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.broken, "\n"); !strings.Contains(got, "I1: two active chatbots on one sender (1)") {
		t.Errorf("broken invariants %q, want I1", got)
	}
}
