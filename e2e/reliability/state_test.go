package reliability

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/answers-console/answers/internal/store"
	"github.com/answers-console/answers/internal/testdb"
)

// state is what the checks read from the database, all in one read
// transaction: one consistent moment, even while the server runs.
type state struct {
	at       time.Time
	chatbots map[int64]botRow
	sessions map[int64]sessionRow
	inbound  int
	msgs     map[int64][]msgRow // by session, in order
	moves    []auditRow         // lifecycle entries on chatbots, in order
	edits    []auditRow         // chatbot.edited entries, in order
	releases map[int64]int      // releases per chatbot
	broken   []string           // SQL invariant checks that found rows
}

type botRow struct {
	id             int64
	status         string
	graceEnds      time.Time
	firstActivated bool
	version        int64
	timeout        int64
}

type sessionRow struct {
	id, chatbot      int64
	opened, closed   time.Time
	reason, endUser  string
	sender           int64
	inCount, outSent int
}

type msgRow struct {
	id      int64
	chatbot int64
	in      bool
	text    string
	at      time.Time
}

type auditRow struct {
	id      int64
	at      time.Time
	actor   string
	action  string
	target  int64
	details map[string]any
}

// invariants are SQL checks that must find nothing, SPEC §3's I1–I6 and
// the bookkeeping that backs them.
var invariants = []struct{ name, query string }{
	{"I1: two active chatbots on one sender", `SELECT count(*) FROM (SELECT sender_id FROM chatbots WHERE status = 'active' GROUP BY sender_id HAVING count(*) > 1) AS t`},
	{"I2: two deactivated chatbots on one sender", `SELECT count(*) FROM (SELECT sender_id FROM chatbots WHERE status = 'deactivated' GROUP BY sender_id HAVING count(*) > 1) AS t`},
	{"I3: deactivated without a grace end, or a grace end on another status", `SELECT count(*) FROM chatbots WHERE (status = 'deactivated') != (grace_ends_at IS NOT NULL)`},
	// I4 and I6 read sessions as they effectively are (the view of
	// migration 00056): a row of a chatbot whose sessions ended logically is
	// closed at that end even before the sweeper rewrites it.
	{"I4: an open session on an inactive chatbot", `SELECT count(*) FROM chat_sessions_effective s JOIN chatbots c ON c.id = s.chatbot_id WHERE s.closed_at IS NULL AND c.status = 'inactive'`},
	{"I4: a stored open row on an inactive chatbot whose sessions are not ending", `SELECT count(*) FROM chat_sessions s JOIN chatbots c ON c.id = s.chatbot_id WHERE s.closed_at IS NULL AND c.status = 'inactive' AND c.sessions_end_at IS NULL`},
	{"I4: an open session on a chatbot of another sender", `SELECT count(*) FROM chat_sessions s JOIN chatbots c ON c.id = s.chatbot_id WHERE s.closed_at IS NULL AND c.sender_id IS DISTINCT FROM s.sender_id`},
	{"I4: open_on out of step with the session", `SELECT count(*) FROM chat_sessions WHERE (closed_at IS NULL) != (open_on IS NOT NULL) OR open_on != chatbot_id`},
	{"I4: live_chatbots out of step with the statuses", `SELECT (SELECT count(*) FROM (SELECT id FROM chatbots WHERE status != 'inactive' OR sessions_end_at IS NOT NULL EXCEPT SELECT chatbot_id FROM live_chatbots) AS a)
		+ (SELECT count(*) FROM (SELECT chatbot_id FROM live_chatbots EXCEPT SELECT id FROM chatbots WHERE status != 'inactive' OR sessions_end_at IS NOT NULL) AS b)`},
	{"I4: a pending end of sessions on a live chatbot, or without its reason", `SELECT count(*) FROM chatbots WHERE sessions_end_at IS NOT NULL AND status != 'inactive' OR (sessions_end_at IS NULL) != (sessions_end_reason IS NULL)`},
	{"I5: two open sessions of one end user on one sender", `SELECT count(*) FROM (SELECT 1 FROM chat_sessions WHERE closed_at IS NULL GROUP BY sender_id, end_user HAVING count(*) > 1) AS t`},
	{"I6: a message stored on another chatbot than its session's", `SELECT count(*) FROM messages m JOIN chat_sessions s ON s.id = m.session_id WHERE m.chatbot_id != s.chatbot_id`},
	{"I6: a message after its session closed", `SELECT count(*) FROM messages m JOIN chat_sessions_effective s ON s.id = m.session_id WHERE s.closed_at IS NOT NULL AND m.at > s.closed_at`},
	{"I6: a message before its session opened", `SELECT count(*) FROM messages m JOIN chat_sessions s ON s.id = m.session_id WHERE m.at < s.opened_at`},
	{"a session's message counts differ from its transcript", `SELECT count(*) FROM chat_sessions s WHERE inbound_count != (SELECT count(*) FROM messages WHERE session_id = s.id AND direction = 'in')
		OR outbound_count != (SELECT count(*) FROM messages WHERE session_id = s.id AND direction = 'out')`},
	{"a closed session without a reason, or a reason on an open one", `SELECT count(*) FROM chat_sessions WHERE (closed_at IS NULL) != (close_reason IS NULL)`},
	{"a release numbered out of sequence", `SELECT count(*) FROM releases r WHERE number != (SELECT count(*) FROM releases p WHERE p.chatbot_id = r.chatbot_id AND p.id <= r.id)`},
}

// sqliteChecks are the checks only SQLite needs (PostgreSQL enforces
// every foreign key on every write).
var sqliteChecks = []struct{ name, query string }{
	{"a broken foreign key", `SELECT count(*) FROM pragma_foreign_key_check`},
	{"a failed integrity check", `SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'`},
}

// readState reads the database in one read transaction.
func readState(ctx context.Context, db *sql.DB) (*state, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	checks := invariants
	if testdb.Engine() == store.Postgres {
		// One snapshot for every query, as SQLite's read transaction has.
		opts.Isolation = sql.LevelRepeatableRead
	} else {
		checks = append(checks[:len(checks):len(checks)], sqliteChecks...)
	}
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }() // a read-only snapshot: nothing to undo
	s := &state{at: time.Now().UTC(), chatbots: map[int64]botRow{}, sessions: map[int64]sessionRow{}, msgs: map[int64][]msgRow{}, releases: map[int64]int{}}
	for _, c := range checks {
		var n int
		if err := tx.QueryRowContext(ctx, c.query).Scan(&n); err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		if n != 0 {
			s.broken = append(s.broken, fmt.Sprintf("%s (%d)", c.name, n))
		}
	}
	for _, read := range []func(context.Context, *sql.Tx) error{s.readChatbots, s.readSessions, s.readMessages, s.readAudit, s.readReleases} {
		if err := read(ctx, tx); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// each runs query and calls scan for every row.
func each(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, scan func(*sql.Rows) error, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func parseTime(s sql.NullString) time.Time {
	t, _ := time.Parse(store.TimeFormat, s.String)
	return t
}

func (s *state) readChatbots(ctx context.Context, tx *sql.Tx) error {
	return each(ctx, tx, `SELECT id, status, grace_ends_at, first_activated_at IS NOT NULL, version, session_timeout_seconds FROM chatbots`, func(r *sql.Rows) error {
		var b botRow
		var grace sql.NullString
		if err := r.Scan(&b.id, &b.status, &grace, &b.firstActivated, &b.version, &b.timeout); err != nil {
			return err
		}
		b.graceEnds = parseTime(grace)
		s.chatbots[b.id] = b
		return nil
	})
}

// readSessions reads the sessions as readers see them (a grace end is
// logical; the sweeper rewrites the rows after).
func (s *state) readSessions(ctx context.Context, tx *sql.Tx) error {
	return each(ctx, tx, `SELECT id, chatbot_id, sender_id, end_user, opened_at, closed_at, coalesce(close_reason, ''), inbound_count, outbound_count FROM chat_sessions_effective`, func(r *sql.Rows) error {
		var x sessionRow
		var opened, closed sql.NullString
		if err := r.Scan(&x.id, &x.chatbot, &x.sender, &x.endUser, &opened, &closed, &x.reason, &x.inCount, &x.outSent); err != nil {
			return err
		}
		x.opened, x.closed = parseTime(opened), parseTime(closed)
		s.sessions[x.id] = x
		return nil
	})
}

func (s *state) readMessages(ctx context.Context, tx *sql.Tx) error {
	return each(ctx, tx, `SELECT id, session_id, chatbot_id, direction, text, at FROM messages ORDER BY id`, func(r *sql.Rows) error {
		var m msgRow
		var session int64
		var dir string
		var at sql.NullString
		if err := r.Scan(&m.id, &session, &m.chatbot, &dir, &m.text, &at); err != nil {
			return err
		}
		m.in, m.at = dir == "in", parseTime(at)
		if m.in {
			s.inbound++
		}
		s.msgs[session] = append(s.msgs[session], m)
		return nil
	})
}

func (s *state) readAudit(ctx context.Context, tx *sql.Tx) error {
	return each(ctx, tx, `SELECT id, at, actor_name, action, target_id, details FROM audit_log
		WHERE target_type = 'chatbot' AND action IN ('chatbot.activated', 'chatbot.deactivated', 'chatbot.grace_ended',
			'chatbot.grace_extended', 'chatbot.rolled_back', 'chatbot.edited') ORDER BY id`, func(r *sql.Rows) error {
		var a auditRow
		var at sql.NullString
		var target, details string
		if err := r.Scan(&a.id, &at, &a.actor, &a.action, &target, &details); err != nil {
			return err
		}
		a.at = parseTime(at)
		var err error
		if a.target, err = strconv.ParseInt(target, 10, 64); err != nil {
			return fmt.Errorf("audit entry %d: target %q: %w", a.id, target, err)
		}
		if err := json.Unmarshal([]byte(details), &a.details); err != nil {
			return fmt.Errorf("audit entry %d: details: %w", a.id, err)
		}
		if a.action == "chatbot.edited" {
			s.edits = append(s.edits, a)
		} else {
			s.moves = append(s.moves, a)
		}
		return nil
	})
}

func (s *state) readReleases(ctx context.Context, tx *sql.Tx) error {
	return each(ctx, tx, `SELECT chatbot_id, count(*) FROM releases GROUP BY chatbot_id`, func(r *sql.Rows) error {
		var id int64
		var n int
		if err := r.Scan(&id, &n); err != nil {
			return err
		}
		s.releases[id] = n
		return nil
	})
}
