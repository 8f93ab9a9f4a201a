package reliability

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// long reports whether the long forms run: SOAK=1, as `make soak` sets.
func long() bool { return os.Getenv("SOAK") != "" }

// setting is an integer from the environment, or def.
func setting(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// verify checks the database against SPEC §3's invariants, its own audit
// trail and the ledger, and returns the figures. With late > 0, a grace
// period over by more than late must have been ended.
func verify(t *testing.T, db *sql.DB, l *ledger, late time.Duration) figures {
	t.Helper()
	s, err := readState(context.Background(), db)
	if err != nil {
		t.Fatalf("read the database: %v", err)
	}
	h, history := s.history()
	f, told := l.check(s)
	report(t, "invariant broken", s.broken)
	report(t, "history", history)
	report(t, "routing", s.routing(h))
	report(t, "clients", told)
	if late > 0 {
		report(t, "grace", s.lateGraces(late))
	}
	return f
}

// lateGraces lists deactivated chatbots whose grace is over by more than
// late (I3: the sweeper ends a grace within a second).
func (s *state) lateGraces(late time.Duration) []string {
	var bad []string
	for id, b := range s.chatbots {
		if b.status == "deactivated" && b.graceEnds.Add(late).Before(s.at) {
			bad = append(bad, fmt.Sprintf("chatbot %d is still deactivated; its grace ended at %s, %s before the check", id, b.graceEnds, s.at.Sub(b.graceEnds)))
		}
	}
	return bad
}

// report fails the test with the first problems of a kind.
func report(t *testing.T, what string, problems []string) {
	t.Helper()
	for i, p := range problems {
		if i == 10 {
			t.Errorf("%s: and %d more", what, len(problems)-i)
			return
		}
		t.Errorf("%s: %s", what, p)
	}
}
