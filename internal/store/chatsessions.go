package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"
)

// Session close reasons.
const (
	CloseCompleted   = "completed"
	CloseTimeout     = "timeout"
	CloseDeactivated = "deactivated"
	CloseGraceEnded  = "grace_ended"
	CloseSuperseded  = "superseded"
	CloseStepLimit   = "step_limit"
)

// ChatSession is one end user's conversation with a chatbot on a sender.
type ChatSession struct {
	ID             int64
	SenderID       int64
	ChatbotID      int64
	ReleaseID      int64 // the release the session runs; 0 for sessions from before releases
	EndUser        string
	State          []byte // the dialog engine's state, JSON
	OpenedAt       time.Time
	LastActivityAt time.Time
	ExpiresAt      time.Time
	ClosedAt       time.Time
	CloseReason    string
	Inbound        int
	Outbound       int
	// Who holds the conversation (SPEC §11): HeldByBot, HeldByWaiting
	// (since HeldSince, in Queue) or HeldByPerson (HeldUserID, since
	// HeldSince). See handover.go.
	HeldBy     string
	HeldSince  time.Time
	Queue      string
	HeldUserID int64
}

// Held reports whether people hold the conversation: the bot does not
// answer it.
func (s ChatSession) Held() bool { return s.HeldBy != "" && s.HeldBy != HeldByBot }

// Open reports whether the session is still open.
func (s ChatSession) Open() bool { return s.ClosedAt.IsZero() }

// Readers see sessions through the view chat_sessions_effective (migration
// 00056), the one definition of a session's effective state: a row still
// open in chat_sessions whose chatbot's sessions ended (a grace end, a
// deactivation without grace, a cascade; chatbots.sessions_end_at, T) is
// closed at T, or at its last activity if later, with the chatbot's
// sessions_end_reason, until the sweeper rewrites it with exactly those
// values (SweepEndedSessions). Its open_on is the effective one;
// row_open_on is the stored one, for lookups by its index.
const sessionsView = `chat_sessions_effective`

// notEnding is the condition that the chatbot whose id is the SQL
// expression id has no logical end of its sessions pending: with it,
// "open_on = id" counts the chatbot's effectively open sessions while
// using open_on's index.
func notEnding(id string) string {
	return `NOT EXISTS (SELECT 1 FROM chatbots e WHERE e.id = ` + id + ` AND e.sessions_end_at IS NOT NULL)`
}

const chatSessionColumns = `id, sender_id, chatbot_id, coalesce(release_id, 0), end_user, state, opened_at, last_activity_at, expires_at, closed_at, coalesce(close_reason, ''), inbound_count, outbound_count,
	held_by, held_since, coalesce(queue, ''), coalesce(held_user_id, 0)`

func scanChatSession(row interface{ Scan(...any) error }) (ChatSession, error) {
	var s ChatSession
	var state, opened, last, expires string
	var closed, heldSince sql.NullString
	err := row.Scan(&s.ID, &s.SenderID, &s.ChatbotID, &s.ReleaseID, &s.EndUser, &state, &opened, &last, &expires, &closed, &s.CloseReason, &s.Inbound, &s.Outbound,
		&s.HeldBy, &heldSince, &s.Queue, &s.HeldUserID)
	if errors.Is(err, sql.ErrNoRows) {
		return ChatSession{}, ErrNotFound
	}
	if err != nil {
		return ChatSession{}, err
	}
	s.State = []byte(state)
	s.OpenedAt, s.LastActivityAt, s.ExpiresAt, s.ClosedAt = parseTime(opened), parseTime(last), parseTime(expires), nullTime(closed)
	s.HeldSince = nullTime(heldSince)
	return s, nil
}

// OpenChatSession returns the end user's (effectively) open session on
// the sender.
func (q queries) OpenChatSession(ctx context.Context, senderID int64, endUser string) (ChatSession, error) {
	return scanChatSession(q.q.QueryRowContext(ctx,
		`SELECT `+chatSessionColumns+` FROM `+sessionsView+` WHERE id = (SELECT id FROM chat_sessions WHERE sender_id = ? AND end_user = ? AND closed_at IS NULL)
		AND open_on IS NOT NULL`, senderID, endUser))
}

// LockLatestChatSession returns the end user's newest session on the
// sender, open or closed, for a transaction that will write it. An open
// session is always the newest (a session opens only when there is none),
// so one query tells routing both whether there is a session to continue
// and, if not, how the last one ended (for the closed-session notice). On
// PostgreSQL the row stays locked to the commit, so two batches that
// continue one session take turns (the second reads what the first
// wrote). On SQLite the writer is alone anyway.
func (t *Tx) LockLatestChatSession(ctx context.Context, senderID int64, endUser string) (ChatSession, error) {
	lock := ""
	if t.d.IsPostgres() {
		lock = ` FOR UPDATE`
	}
	return scanChatSession(t.q.QueryRowContext(ctx,
		`SELECT `+chatSessionColumns+` FROM chat_sessions WHERE sender_id = ? AND end_user = ? ORDER BY id DESC LIMIT 1`+lock, senderID, endUser))
}

// ChatSessionByID loads one session, as it effectively is.
func (q queries) ChatSessionByID(ctx context.Context, id int64) (ChatSession, error) {
	return scanChatSession(q.q.QueryRowContext(ctx, `SELECT `+chatSessionColumns+` FROM `+sessionsView+` WHERE id = ?`, id))
}

// SessionFilter narrows a chatbot's session list.
type SessionFilter struct {
	ChatbotID int64
	Open      *bool     // nil for all
	EndUser   string    // exact end user, "" for all
	Reason    string    // close reason, "" for all
	Fallback  bool      // only sessions with a message that hit the fallback
	From, To  time.Time // opened at or after From and before To; zero for unbounded
	Before    int64     // keyset: sessions with a smaller id
	Limit     int
}

// ChatSessions lists a chatbot's sessions, newest first, and the id to pass
// as Before for the next page (0 on the last page).
func (q queries) ChatSessions(ctx context.Context, f SessionFilter) ([]ChatSession, int64, error) {
	query := `SELECT ` + chatSessionColumns + ` FROM ` + sessionsView + ` WHERE chatbot_id = ?`
	args := []any{f.ChatbotID}
	if f.Open != nil {
		if *f.Open {
			// open_on: see below; the stored one, for its index.
			query = `SELECT ` + chatSessionColumns + ` FROM ` + sessionsView + ` WHERE row_open_on = ? AND sessions_end_at IS NULL`
		} else {
			query += ` AND closed_at IS NOT NULL`
		}
	}
	if f.EndUser != "" {
		query, args = query+` AND end_user = ?`, append(args, f.EndUser)
	}
	if f.Reason != "" {
		query, args = query+` AND close_reason = ?`, append(args, f.Reason)
	}
	if f.Fallback {
		// messages_session (session_id, id) makes each probe one index walk.
		query += ` AND EXISTS (SELECT 1 FROM messages m WHERE m.session_id = ` + sessionsView + `.id AND m.fallback_hits > 0)`
	}
	if !f.From.IsZero() {
		query, args = query+` AND opened_at >= ?`, append(args, fmtTime(f.From))
	}
	if !f.To.IsZero() {
		query, args = query+` AND opened_at < ?`, append(args, fmtTime(f.To))
	}
	if f.Before > 0 {
		query, args = query+` AND id < ?`, append(args, f.Before)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	query, args = query+` ORDER BY id DESC LIMIT ?`, append(args, f.Limit+1)
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []ChatSession
	var next int64
	for rows.Next() {
		s, err := scanChatSession(rows)
		if err != nil {
			return nil, 0, err
		}
		if len(out) == f.Limit {
			next = out[len(out)-1].ID
			break
		}
		out = append(out, s)
	}
	return out, next, rows.Err()
}

// CountOpenSessions counts a chatbot's (effectively) open sessions.
func (q queries) CountOpenSessions(ctx context.Context, chatbotID int64) (int, error) {
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM chat_sessions WHERE open_on = ?1 AND `+notEnding("?1"), chatbotID).Scan(&n)
	return n, err
}

// CreateChatSession opens a session; the database refuses one on a
// chatbot that is not active (I4) or a second open one for the same end
// user on the sender (I5).
func (t *Tx) CreateChatSession(ctx context.Context, s ChatSession) (ChatSession, error) {
	err := t.q.QueryRowContext(ctx, `INSERT INTO chat_sessions
		(sender_id, chatbot_id, open_on, release_id, end_user, state, opened_at, last_activity_at, expires_at, inbound_count, outbound_count)
		VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id`,
		s.SenderID, s.ChatbotID, nullableID(s.ReleaseID), s.EndUser, string(s.State), fmtTime(s.OpenedAt), fmtTime(s.LastActivityAt), fmtTime(s.ExpiresAt),
		s.Inbound, s.Outbound).Scan(&s.ID)
	if err != nil {
		return ChatSession{}, constraintError(err)
	}
	return s, t.sessionOpened(ctx, s)
}

// SaveChatSession stores a session's state, activity and counts after a
// message.
func (t *Tx) SaveChatSession(ctx context.Context, s ChatSession) error {
	_, err := t.q.ExecContext(ctx, `UPDATE chat_sessions SET state = ?, last_activity_at = ?, expires_at = ?,
		inbound_count = ?, outbound_count = ? WHERE id = ?`,
		string(s.State), fmtTime(s.LastActivityAt), fmtTime(s.ExpiresAt), s.Inbound, s.Outbound, s.ID)
	return err
}

// A chatbot's open sessions are found by open_on, which is the chatbot's
// id exactly while a session is open (triggers hold it; it is what I4's
// foreign key checks) and has an index of its own: "open_on = ?" is
// "chatbot_id = ? AND closed_at IS NULL" without a second index for
// every insert and close to keep.
//
// Every statement that closes sessions goes through closeSessions, which
// counts them into the analytics rollups in the same transaction.
//
// A statement that picks its sessions in a subquery says again, on the
// outer UPDATE, what makes a session closable: on PostgreSQL a row that
// another transaction closed while this one waited for its lock is
// checked again only against the outer conditions, and without them it
// would be closed (and counted) twice.

// closedAt is when a closing statement closes a session: now (?1), or its
// last activity if that is later — on PostgreSQL a batch of closes may
// wait for the lock of a session that a message is being routed to, and
// the close then comes after that message, whatever clock it read first.
const closedAt = `CASE WHEN last_activity_at > ?1 THEN last_activity_at ELSE ?1 END`

// CloseChatSession closes one open session with a reason.
func (t *Tx) CloseChatSession(ctx context.Context, id int64, reason string, now time.Time) error {
	_, err := t.closeSessions(ctx, `UPDATE chat_sessions SET closed_at = `+closedAt+`, close_reason = ?2, open_on = NULL WHERE id = ?3 AND closed_at IS NULL`,
		fmtTime(now), reason, id)
	return err
}

// EndChatbotSessions makes a live chatbot inactive and ends its open
// sessions logically at now with reason: one chatbot row, whatever the
// number of sessions. Readers see those sessions closed at once (see
// sessionsView); the sweeper rewrites the rows later (SweepEndedSessions).
// It returns how many sessions were open.
func (t *Tx) EndChatbotSessions(ctx context.Context, chatbotID int64, reason string, now time.Time) (int64, error) {
	open, err := t.CountOpenSessions(ctx, chatbotID)
	if err != nil {
		return 0, err
	}
	res, err := t.q.ExecContext(ctx, `UPDATE chatbots SET status = 'inactive', grace_ends_at = NULL,
		last_deactivated_at = CASE WHEN status = 'inactive' THEN last_deactivated_at ELSE ?1 END,
		sessions_end_at = ?1, sessions_end_reason = ?2 WHERE id = ?3 AND status <> 'inactive'`, fmtTime(now), reason, chatbotID)
	if err != nil {
		return 0, constraintError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, ErrNotFound
	}
	// Wake the sweeper, which rewrites the rows.
	return int64(open), t.noteDeadline(ctx)
}

// EndingChatbots lists the chatbots whose sessions ended logically and
// whose rows the sweeper has still to rewrite, oldest end first.
func (q queries) EndingChatbots(ctx context.Context) ([]int64, error) {
	return q.ids(ctx, `SELECT id FROM chatbots WHERE sessions_end_at IS NOT NULL ORDER BY sessions_end_at, id`)
}

// SweepEndedSessions rewrites up to limit (0: every) still-open rows of a
// chatbot whose sessions ended logically, closed at the end's time (or
// their last activity, if later) with its reason — what readers already
// saw — counting them into the rollups and session.closed events as any
// close. Once no row is left it clears the chatbot's pending end. It
// returns how many rows it rewrote; none for a chatbot without a pending
// end.
func (t *Tx) SweepEndedSessions(ctx context.Context, chatbotID int64, limit int) (int64, error) {
	var at, reason sql.NullString
	err := t.q.QueryRowContext(ctx, `SELECT sessions_end_at, sessions_end_reason FROM chatbots WHERE id = ?`, chatbotID).Scan(&at, &reason)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil || !at.Valid {
		return 0, err
	}
	var n int64
	if limit > 0 {
		n, err = t.closeSessions(ctx, `UPDATE chat_sessions SET closed_at = `+closedAt+`, close_reason = ?2, open_on = NULL
			WHERE id IN (SELECT id FROM chat_sessions WHERE open_on = ?3 LIMIT ?4) AND open_on = ?3`,
			at.String, reason.String, chatbotID, limit)
	} else {
		n, err = t.closeSessions(ctx, `UPDATE chat_sessions SET closed_at = `+closedAt+`, close_reason = ?2, open_on = NULL WHERE open_on = ?3`,
			at.String, reason.String, chatbotID)
	}
	if err != nil || (limit > 0 && n >= int64(limit)) {
		return n, err
	}
	_, err = t.q.ExecContext(ctx, `UPDATE chatbots SET sessions_end_at = NULL, sessions_end_reason = NULL WHERE id = ?`, chatbotID)
	return n, err
}

// CloseExpiredSessions closes up to limit open sessions whose timeout has
// passed, and returns how many it closed. The rows of a chatbot whose
// sessions ended logically are the sweeper's: they are closed already. A
// conversation waiting for a person is not closed here: its expires_at is
// its handover deadline, which the handover service applies (it may hand
// it back to the bot instead).
func (t *Tx) CloseExpiredSessions(ctx context.Context, now time.Time, limit int) (int64, error) {
	return t.closeSessions(ctx, `UPDATE chat_sessions SET closed_at = expires_at, close_reason = 'timeout', open_on = NULL
		WHERE id IN (SELECT id FROM chat_sessions WHERE closed_at IS NULL AND expires_at <= ?1 AND held_by <> 'waiting' AND `+notEnding("chat_sessions.chatbot_id")+`
			ORDER BY expires_at LIMIT ?2)
		AND closed_at IS NULL AND expires_at <= ?1 AND held_by <> 'waiting'`,
		fmtTime(now), limit)
}

// Message is one line of a transcript.
type Message struct {
	ID        int64
	SessionID int64
	ChatbotID int64
	Direction string // "in" or "out"
	Text      string
	At        time.Time
	// What the dialog engine did with an inbound message: the dialogs it
	// entered and how often it fell back. Kept so that the analytics can
	// be recounted from transcripts.
	Entered      []string
	FallbackHits int
	// Branch is the keyword that chose a branch ("" if none did, and on
	// messages stored before it was kept).
	Branch string
	// AuthorID is the person who wrote an outbound message (SPEC §11), 0
	// for the bot's; Author is their name as read back (Transcript).
	AuthorID int64
	Author   string
}

// DirectionPerson is how a person's message reads in a transcript and a
// live view: it is stored as an outbound message with its author.
const DirectionPerson = "person"

// Who reports how a message reads: "in", "out" (the bot) or
// DirectionPerson.
func (m Message) Who() string {
	if m.AuthorID != 0 {
		return DirectionPerson
	}
	return m.Direction
}

// AddMessages appends messages to the transcript, in order, many rows per
// statement (see pieces): on SQLite one session's run of messages at a
// time, since each session's rows sit on a page of their own in the
// index messages_session (see sessionRowsPerStatement).
func (t *Tx) AddMessages(ctx context.Context, ms []Message) error {
	if t.d.IsPostgres() {
		return t.addMessages(ctx, ms)
	}
	for len(ms) > 0 {
		n := 1
		for n < len(ms) && ms[n].SessionID == ms[0].SessionID {
			n++
		}
		if err := t.addMessages(ctx, ms[:n]); err != nil {
			return err
		}
		ms = ms[n:]
	}
	return nil
}

func (t *Tx) addMessages(ctx context.Context, ms []Message) error {
	for _, n := range pieces(len(ms), maxRowsPerStatement) {
		query := `INSERT INTO messages (session_id, chatbot_id, direction, text, at, entered, fallback_hits, branch, author_id) VALUES ` +
			rowsOf(`(?, ?, ?, ?, ?, ?, ?, ?, ?)`, n)
		args := make([]any, 0, 9*n)
		for _, m := range ms[:n] {
			args = append(args, m.SessionID, m.ChatbotID, m.Direction, m.Text, fmtTime(m.At), enteredJSON(m.Entered), m.FallbackHits, nullableText(m.Branch), nullableID(m.AuthorID))
		}
		if _, err := t.q.ExecContext(ctx, query, args...); err != nil {
			return err
		}
		ms = ms[n:]
	}
	return nil
}

// Transcript returns a session's messages in order.
func (q queries) Transcript(ctx context.Context, sessionID int64) ([]Message, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT m.id, m.session_id, m.chatbot_id, m.direction, m.text, m.at, coalesce(m.entered, ''), m.fallback_hits, coalesce(m.branch, ''),
		coalesce(m.author_id, 0), coalesce(u.name, '')
		FROM messages m LEFT JOIN users u ON u.id = m.author_id WHERE m.session_id = ? ORDER BY m.id`, sessionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var at, entered string
		if err := rows.Scan(&m.ID, &m.SessionID, &m.ChatbotID, &m.Direction, &m.Text, &at, &entered, &m.FallbackHits, &m.Branch, &m.AuthorID, &m.Author); err != nil {
			return nil, err
		}
		m.At = parseTime(at)
		if entered != "" {
			// A malformed list is shown as none rather than failing the page.
			_ = json.Unmarshal([]byte(entered), &m.Entered)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// CountAllOpenSessions counts (effectively) open sessions on every
// chatbot.
func (q queries) CountAllOpenSessions(ctx context.Context) (int, error) {
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT count(*) FROM chat_sessions s WHERE s.open_on IS NOT NULL AND `+notEnding("s.open_on")).Scan(&n)
	return n, err
}
