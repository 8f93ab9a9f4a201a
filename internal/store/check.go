package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// invariantChecks are queries that count rows breaking a rule the console
// relies on (SPEC §3 I1–I6, and the bookkeeping around them). The partial
// unique indexes, CHECKs and triggers already refuse most of these on
// write; the checks look at the data as a whole, after a bulk load.
var invariantChecks = []struct{ rule, query string }{
	{"I1 one active chatbot per sender", `SELECT count(*) FROM (SELECT sender_id FROM chatbots WHERE status = 'active' GROUP BY sender_id HAVING count(*) > 1) AS t`},
	{"I2 one deactivated chatbot per sender", `SELECT count(*) FROM (SELECT sender_id FROM chatbots WHERE status = 'deactivated' GROUP BY sender_id HAVING count(*) > 1) AS t`},
	{"I3 a deactivated chatbot's grace ends in the future", `SELECT count(*) FROM chatbots WHERE status = 'deactivated' AND (grace_ends_at IS NULL OR grace_ends_at <= ?1)`},
	// I4 and I6 read sessions as they effectively are (sessionsView): a
	// row of a chatbot whose sessions ended is closed at that end even
	// before the sweeper rewrites it. The stored rows keep I5 themselves
	// (its unique index) and stay open only on a live chatbot or one whose
	// sessions are ending (I4's foreign key).
	{"I4 open sessions only on active or deactivated chatbots", `SELECT count(*) FROM ` + sessionsView + ` s JOIN chatbots c ON c.id = s.chatbot_id WHERE s.closed_at IS NULL AND c.status = 'inactive'`},
	{"I4 a stored open row only on a live chatbot or one whose sessions are ending", `SELECT count(*) FROM chat_sessions s JOIN chatbots c ON c.id = s.chatbot_id WHERE s.closed_at IS NULL AND c.status = 'inactive' AND c.sessions_end_at IS NULL`},
	{"I5 one open session per sender and end user", `SELECT count(*) FROM (SELECT 1 FROM chat_sessions WHERE closed_at IS NULL GROUP BY sender_id, end_user HAVING count(*) > 1) AS t`},
	{"I6 a deactivated chatbot's open sessions were opened before it was deactivated", `SELECT count(*) FROM ` + sessionsView + ` s JOIN chatbots c ON c.id = s.chatbot_id WHERE s.closed_at IS NULL AND c.status = 'deactivated' AND s.opened_at >= c.last_deactivated_at`},
	{"a pending end of sessions only on an inactive chatbot, with its reason", `SELECT count(*) FROM chatbots WHERE sessions_end_at IS NOT NULL AND status <> 'inactive' OR (sessions_end_at IS NULL) <> (sessions_end_reason IS NULL)`},
	{"live_chatbots holds exactly the active and deactivated chatbots and those whose sessions are ending", `SELECT (SELECT count(*) FROM chatbots c LEFT JOIN live_chatbots l ON l.chatbot_id = c.id WHERE (c.status <> 'inactive' OR c.sessions_end_at IS NOT NULL) <> (l.chatbot_id IS NOT NULL))`},
	{"open_on is set exactly on open sessions, to their chatbot", `SELECT count(*) FROM chat_sessions WHERE (closed_at IS NULL) <> (open_on IS NOT NULL) OR open_on <> chatbot_id`},
	{"a session is on its chatbot's sender", `SELECT count(*) FROM chat_sessions s JOIN chatbots c ON c.id = s.chatbot_id WHERE c.sender_id IS DISTINCT FROM s.sender_id`},
	{"a session runs a release of its own chatbot", `SELECT count(*) FROM chat_sessions s JOIN releases r ON r.id = s.release_id WHERE r.chatbot_id <> s.chatbot_id`},
	{"a chatbot has releases exactly when it was activated", `SELECT count(*) FROM chatbots c WHERE (c.first_activated_at IS NOT NULL) <> EXISTS (SELECT 1 FROM releases r WHERE r.chatbot_id = c.id)`},
	{"sessions only on chatbots that were activated", `SELECT count(*) FROM chat_sessions s JOIN chatbots c ON c.id = s.chatbot_id WHERE c.first_activated_at IS NULL`},
	{"a held conversation says since when, and a person's says who", `SELECT count(*) FROM chat_sessions WHERE closed_at IS NULL AND ((held_by <> 'bot') <> (held_since IS NOT NULL) OR (held_by = 'person') <> (held_user_id IS NOT NULL))`},
	{"session counts match the transcript", `SELECT count(*) FROM chat_sessions s WHERE s.inbound_count + s.outbound_count <> (SELECT count(*) FROM messages m WHERE m.session_id = s.id)`},
	{"nothing happened in the future", `SELECT (SELECT count(*) FROM chat_sessions WHERE opened_at > ?1 OR last_activity_at > ?1 OR closed_at > ?1) + (SELECT count(*) FROM audit_log WHERE at > ?1) + (SELECT count(*) FROM chatbots WHERE sessions_end_at > ?1) + (SELECT count(*) FROM messages WHERE at > ?1)`},
}

// sqliteChecks are the checks that only SQLite needs: PostgreSQL enforces
// every foreign key on every write and has no quick_check.
var sqliteChecks = []struct{ rule, query string }{
	{"foreign keys", `SELECT count(*) FROM pragma_foreign_key_check`},
}

// Violations checks the whole database against the console's invariants
// and returns one line per rule that does not hold; none means all hold.
// It reads every session and message, so it is meant for tests and for
// checking a seeded database, not for a running console.
func (q queries) Violations(ctx context.Context, now time.Time) ([]string, error) {
	var out []string
	checks := invariantChecks
	if !q.d.IsPostgres() {
		checks = append(checks[:len(checks):len(checks)], sqliteChecks...)
	}
	for _, c := range checks {
		var n int
		var args []any
		if strings.Contains(c.query, "?1") {
			args = append(args, fmtTime(now))
		}
		if err := q.q.QueryRowContext(ctx, c.query, args...).Scan(&n); err != nil {
			return nil, fmt.Errorf("check %q: %w", c.rule, err)
		}
		if n > 0 {
			out = append(out, fmt.Sprintf("%s: %d rows break it", c.rule, n))
		}
	}
	if q.d.IsPostgres() {
		return out, nil
	}
	var ok string
	if err := q.q.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&ok); err != nil {
		return nil, err
	}
	if ok != "ok" {
		out = append(out, "quick_check: "+ok)
	}
	return out, nil
}

// CountRows counts the rows of the console's main tables, by table name.
func (q queries) CountRows(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	for _, t := range []string{"users", "senders", "chatbots", "releases", "chat_sessions", "messages", "audit_log"} {
		var n int
		if err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM `+t).Scan(&n); err != nil {
			return nil, err
		}
		out[t] = n
	}
	return out, nil
}

// JournalMode is the database's journal mode ("wal" for the console's).
func (q queries) JournalMode(ctx context.Context) (string, error) {
	var m string
	err := q.q.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&m)
	return m, err
}
